import { invalidInput, joulesToKwh } from '@verdant/core';
import type { Interruptible, StepCurve } from '../planner/index.js';
import { LocalCalendar } from './calendar.js';
import { describeDeadline, type DeadlinePolicy } from './deadlines.js';
import { noisyForecast } from './noise.js';
import { replay } from './replay.js';
import { spread } from './stats.js';
import { DEFAULT_ML, DEFAULT_PERIODIC, mlJobs, periodicJobs, type MlWorkload, type PeriodicWorkload, type SimJob } from './workloads.js';

/** One true intensity trace to replay on (a zone and year). */
export interface SimulationTrace {
  zone: string;
  /** Calendar year the trace covers (labels results). */
  year: number;
  /** IANA time zone for local times of day and office hours. */
  timeZone: string;
  curve: StepCurve;
  source: string;
}

export type Scenario =
  | { kind: 'periodic'; workload?: Partial<PeriodicWorkload>; /** Flexibility windows ±W, seconds. */ windowsS: number[] }
  | { kind: 'ml'; workload?: Partial<Omit<MlWorkload, 'deadline'>>; deadlines: DeadlinePolicy[] };

export interface SimulationOptions {
  scenario: Scenario;
  traces: SimulationTrace[];
  /** Interruptible jobs may be split into chunks of at least minChunkS. Default: not interruptible. */
  interruptible?: Interruptible | false;
  /** Forecast error levels as fractions of the trace mean (default [0]). */
  noise?: number[];
  /** Seeds per non-zero noise level (default 10); noise 0 runs once. */
  seeds?: number;
  /** First noise seed (seeds are firstSeed, firstSeed+1, ...). Default 1. */
  firstSeed?: number;
  /** Constant job power for absolute figures, W (default 1000). Savings ratios do not depend on it. */
  powerW?: number;
}

/** Savings of one (trace, variant, noise level) against the baseline, over all seeds. Percent figures. */
export interface SimulationRow {
  scenario: 'periodic' | 'ml';
  zone: string;
  year: number;
  /** "±4h" (periodic window) or the deadline policy (ML). */
  variant: string;
  interruptible: boolean;
  noise: number;
  runs: number;
  jobs: number;
  baselineKg: number;
  shiftedKg: number;
  savingsPct: number;
  savingsPctStd: number;
  savingsPctMin: number;
  savingsPctMax: number;
}

export interface SimulationResult {
  scenario: 'periodic' | 'ml';
  parameters: Record<string, unknown>;
  rows: SimulationRow[];
}

interface Variant {
  label: string;
  jobs: (cal: LocalCalendar, t: SimulationTrace) => SimJob[];
}

function checkFraction(x: number): void {
  if (!Number.isFinite(x) || x < 0 || x > 1) throw invalidInput('noise', `must be a fraction between 0 and 1, got ${x}`, 'write 0.05 for 5% of the mean');
}

function variantsOf(scenario: Scenario): { variants: Variant[]; parameters: Record<string, unknown> } {
  if (scenario.kind === 'periodic') {
    const w: PeriodicWorkload = { ...DEFAULT_PERIODIC, ...scenario.workload };
    if (scenario.windowsS.length === 0) throw invalidInput('windowsH', 'no flexibility window given', 'give at least one window, e.g. 2, 4 and 8 hours');
    for (const s of scenario.windowsS) if (!Number.isFinite(s) || s < 0) throw invalidInput('windowsH', `must be a non-negative number of hours, got ${s / 3600}`);
    const maxW = Math.max(...scenario.windowsS);
    return {
      parameters: { ...w, windowsS: scenario.windowsS },
      variants: scenario.windowsS.map((windowS) => ({
        label: `±${windowS / 3600}h`,
        jobs: (cal, t) => periodicJobs(w, windowS, maxW, cal, t.curve.t0, t.curve.end),
      })),
    };
  }
  const base = { ...DEFAULT_ML, ...scenario.workload };
  if (scenario.deadlines.length === 0) throw invalidInput('deadlines', 'no deadline policy given', 'give at least one policy, e.g. next-workday');
  return {
    parameters: { ...base, deadline: undefined, deadlines: scenario.deadlines.map(describeDeadline) },
    variants: scenario.deadlines.map((deadline) => ({
      label: describeDeadline(deadline),
      jobs: (cal, t) => mlJobs({ ...base, deadline }, cal, t.curve.t0, t.curve.end),
    })),
  };
}

/**
 * Trace-driven replay of a workload scenario (after Wiesner et al., Middleware 2021): for every trace, variant
 * (flexibility window or deadline policy) and forecast-noise level, plan each job on the noisy forecast with the
 * single-job planner, measure it on the true trace, and compare with running it at its nominal time.
 */
export function simulate(o: SimulationOptions): SimulationResult {
  if (o.traces.length === 0) throw invalidInput('zones', 'no trace to simulate on', 'name a shipped zone or give a trace file');
  const noise = o.noise ?? [0];
  noise.forEach(checkFraction);
  const seeds = o.seeds ?? 10;
  if (!Number.isInteger(seeds) || seeds < 1) throw invalidInput('seeds', `must be a positive integer, got ${seeds}`);
  const firstSeed = o.firstSeed ?? 1;
  const powerW = o.powerW ?? 1000;
  const interruptible = o.interruptible ?? false;
  const { variants, parameters } = variantsOf(o.scenario);
  const toKg = (integral: number): number => joulesToKwh(powerW * integral) / 1000;

  const rows: SimulationRow[] = [];
  for (const trace of o.traces) {
    const cal = new LocalCalendar(trace.timeZone);
    const jobSets = variants.map((v) => v.jobs(cal, trace));
    jobSets.forEach((jobs, i) => {
      if (jobs.length === 0) {
        throw invalidInput(o.scenario.kind === 'periodic' ? 'windowsH' : 'traceFiles', `no ${variants[i]!.label} job fits in the ${trace.zone} ${trace.year} trace`, 'use a longer trace or a smaller window');
      }
    });
    for (const level of noise) {
      const seedList = level === 0 ? [firstSeed] : Array.from({ length: seeds }, (_, i) => firstSeed + i);
      const perVariant = variants.map(() => ({ savings: [] as number[], baseline: 0, shifted: [] as number[] }));
      for (const seed of seedList) {
        // One noisy forecast per seed, shared by every variant so they face the same errors.
        const forecast = noisyForecast(trace.curve, level, seed);
        jobSets.forEach((jobs, i) => {
          const totals = replay(jobs, trace.curve, forecast, trace.zone, interruptible);
          const acc = perVariant[i]!;
          acc.baseline = totals.baseline;
          acc.shifted.push(totals.shifted);
          acc.savings.push(totals.baseline > 0 ? (100 * (totals.baseline - totals.shifted)) / totals.baseline : 0);
        });
      }
      variants.forEach((v, i) => {
        const acc = perVariant[i]!;
        const s = spread(acc.savings);
        rows.push({
          scenario: o.scenario.kind,
          zone: trace.zone,
          year: trace.year,
          variant: v.label,
          interruptible: interruptible !== false,
          noise: level,
          runs: seedList.length,
          jobs: jobSets[i]!.length,
          baselineKg: toKg(acc.baseline),
          shiftedKg: toKg(spread(acc.shifted).mean),
          savingsPct: s.mean,
          savingsPctStd: s.std,
          savingsPctMin: s.min,
          savingsPctMax: s.max,
        });
      });
    }
  }
  return {
    scenario: o.scenario.kind,
    parameters: { ...parameters, interruptible, noise, seeds, firstSeed, powerW },
    rows,
  };
}
