import { ExitCode, VerdantError, invalidInput, isVerdantError, joulesToKwh, nowS, stepLookup, toIso, type IntensityPoint, type IntensitySignal } from '@verdant/core';
import { TraceProvider, querySeries, type IntensityProvider, type QueryAnswer } from '@verdant/grid';
import { planAcrossZones } from '../planner/zones.js';
import { normalizeJob } from '../planner/validate.js';
import type { Interruptible, JobPlan, Objective, PricePoint } from '../planner/types.js';

/** Without a deadline the planner looks this far past the earliest start (plus the run itself). */
export const DEFAULT_LOOKAHEAD_S = 24 * 3600;
/** Power used to rank windows when none is given; emissions are then not reported. */
export const NOMINAL_POWER_W = 1000;

/** One job to place in time (and, with several zones, in space). Times are epoch seconds. */
export interface PlanRequest {
  /** Grid zones to choose from (already resolved, e.g. by resolveZone). */
  zones: string[];
  durationS: number;
  /** Default: now. */
  earliestStart?: number;
  /** Default: earliest start + 24 h + the duration. */
  deadline?: number;
  /** Average power, W (or energyJ). Without either, windows are ranked by intensity and no grams are reported. */
  powerW?: number;
  energyJ?: number;
  interruptible?: Interruptible | false;
  objective?: Objective;
  prices?: readonly PricePoint[];
  signal?: IntensitySignal;
}

/** A zone's plan with what it was planned over. */
export interface ZonePlan extends Omit<JobPlan, 'emissionsG' | 'baselineEmissionsG' | 'savingG' | 'energyJ'> {
  /** null when the request gave no power or energy. */
  energyJ: number | null;
  emissionsG: number | null;
  baselineEmissionsG: number | null;
  savingG: number | null;
  /** Energy-weighted mean intensity of the plan and of starting at the earliest start, gCO2e/kWh. */
  meanIntensityGPerKwh: number;
  baselineIntensityGPerKwh: number;
  /** Where the series came from. */
  source: { name: string; link: string; provider: string; ageS: number | null };
}

export interface PlanResult {
  /** The window actually planned over (the request's, clipped to the data every zone has). */
  earliestStart: number;
  deadline: number;
  best: ZonePlan;
  /** Every zone's plan, best first. */
  all: ZonePlan[];
  /** Why the window differs from the request, if it does. */
  notes: string[];
}

export interface PlanFromProviderOptions {
  now?: () => number;
}

/**
 * Plans one job over each zone's intensity from `provider` (history for a window in the past, so a trace acts
 * as a perfect forecast; the provider's forecast for a window ahead) and picks the best zone and time.
 * The window is clipped to what every zone's data covers; a window that no longer fits the job is an error.
 */
export async function planFromProvider(req: PlanRequest, provider: IntensityProvider, opts: PlanFromProviderOptions = {}): Promise<PlanResult> {
  const now = (opts.now ?? nowS)();
  if (req.zones.length === 0) throw invalidInput('zones', 'no region given', 'give at least one grid zone or cloud region');
  const earliest = req.earliestStart ?? now;
  const deadline = req.deadline ?? earliest + DEFAULT_LOOKAHEAD_S + req.durationS;
  const powerGiven = req.powerW !== undefined || req.energyJ !== undefined;
  const job = {
    durationS: req.durationS,
    earliestStart: earliest,
    deadline,
    ...(powerGiven ? pick(req, 'powerW', 'energyJ') : { powerW: NOMINAL_POWER_W }),
    interruptible: req.interruptible ?? false,
  };
  normalizeJob(job); // fail on bad input before any network call

  const answers = await Promise.all(
    req.zones.map(async (zone) => ({ zone, answer: await querySeries(provider, zone, earliest, deadline, { now: () => now, ...(req.signal ? { signal: req.signal } : {}) }) })),
  );
  const notes: string[] = [];
  let from = earliest;
  let to = deadline;
  for (const { zone, answer } of answers) {
    const pts = answer.points;
    if (pts.length === 0) {
      throw invalidInput('earliestStart', `no intensity data for ${zone} between ${toIso(earliest)} and ${toIso(deadline)} (${describe(answer)})`, 'move the window into the span the data covers (a trace: its year), or use another source');
    }
    const first = pts[0]!.t;
    const last = pts[pts.length - 1]!;
    if (first > from) {
      from = first;
      notes.push(`${zone}: data starts at ${toIso(first)}, so the window starts then`);
    }
    if (last.t + last.resolutionS < to) {
      to = last.t + last.resolutionS;
      notes.push(`${zone}: data ends at ${toIso(to)}, so the window ends then`);
    }
  }
  if (to - from < req.durationS) {
    throw invalidInput('deadline', `the data covers only ${toIso(from)} to ${toIso(to)}, too short for a ${req.durationS} s run`, 'shorten the run, or give a window the data covers');
  }
  const series: Record<string, IntensityPoint[]> = {};
  for (const { zone, answer } of answers) series[zone] = answer.points;
  const sources = new Map(answers.map(({ zone, answer }) => [zone, answer]));
  let plans: ReturnType<typeof planAcrossZones>;
  try {
    plans = planAcrossZones({ ...job, earliestStart: from, deadline: to }, series, {
      ...(req.objective ? { objective: req.objective } : {}),
      ...(req.prices ? { prices: req.prices } : {}),
    });
  } catch (e) {
    throw unusableData(e, sources, provider);
  }
  const all = plans.all.map((p) => zonePlan(p, sources.get(p.zone)!, req.durationS, powerGiven));
  return { earliestStart: from, deadline: to, best: all[0]!, all, notes };
}

function zonePlan(p: JobPlan, a: QueryAnswer, durationS: number, powerGiven: boolean): ZonePlan {
  const runS = p.chunks.reduce((sum, c) => sum + c.end - c.start, 0);
  const kwh = joulesToKwh(p.energyJ);
  // The baseline runs the bare duration in one piece, at the same power.
  const baselineKwh = runS > 0 ? (kwh * durationS) / runS : 0;
  return {
    ...p,
    energyJ: powerGiven ? p.energyJ : null,
    emissionsG: powerGiven ? p.emissionsG : null,
    baselineEmissionsG: powerGiven ? p.baselineEmissionsG : null,
    savingG: powerGiven ? p.savingG : null,
    meanIntensityGPerKwh: kwh > 0 ? p.emissionsG / kwh : 0,
    baselineIntensityGPerKwh: baselineKwh > 0 ? p.baselineEmissionsG / baselineKwh : 0,
    // The point the plan starts in names the source (a static series has one figure per year).
    source: { name: stepLookup(a.points, p.start).source ?? a.provider, link: a.link, provider: a.provider, ageS: a.ageS },
  };
}

/**
 * The planner names a zone's series `series.<zone>`; the caller gave zones, not series. Data a provider sent
 * that cannot be planned over (a gap, a bad value) is the provider's failure, said as such; a trace the user
 * gave stays their input (`series`).
 */
function unusableData(e: unknown, sources: ReadonlyMap<string, QueryAnswer>, provider: IntensityProvider): unknown {
  if (!isVerdantError(e) || !e.field?.startsWith('series.')) return e;
  const zone = e.field.slice('series.'.length);
  const answer = sources.get(zone);
  if (provider instanceof TraceProvider) {
    return new VerdantError(`the trace for ${zone}: ${e.message}`, { field: 'series', exitCode: e.exitCode, ...(e.fix ? { fix: e.fix } : {}), cause: e });
  }
  const from = answer ? `${answer.provider} via ${answer.link}` : provider.name;
  return new VerdantError(`the intensity data for ${zone} from ${from} cannot be planned over: ${e.message}`, {
    field: 'zone',
    fix: 'try again later, or plan over a trace that covers the window',
    exitCode: ExitCode.provider,
    cause: e,
  });
}

function describe(a: QueryAnswer): string {
  return a.failures.length ? a.failures.map((f) => `${f.link} (${f.provider}): ${f.error}`).join('; ') : `source: ${a.provider}`;
}

function pick<T extends object, K extends keyof T>(obj: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
