import { invalidInput } from '@verdant/core';
import type { DeadlinePolicy } from './deadlines.js';
import { simulate, type Scenario, type SimulationResult, type SimulationTrace } from './simulate.js';
import { loadShippedTrace, loadSimulationTrace } from './traces.js';
import type { MlWorkload, PeriodicWorkload } from './workloads.js';
import { SHIPPED_YEARS, SHIPPED_ZONES } from './zones.js';

const HOUR = 3600;

/** Everything `verdant simulate` (or a library user) can ask for; defaults reproduce docs/simulation.md. */
export interface SimulationRequest {
  scenario: 'periodic' | 'ml';
  /** Shipped zones (default: all four); ignored when traceFiles are given. */
  zones?: string[];
  /** Years of the shipped traces (default: 2021-2023). */
  years?: number[];
  /** Any trace files instead of the shipped ones. */
  traceFiles?: string[];
  /** IANA time zone for local hours (default: each zone's; UTC for unknown zones). */
  timeZone?: string;
  /** Periodic: flexibility windows ±W in hours (default 2, 4, 8). ML: fixed slack after the original finish, instead of deadlines. */
  windowsH?: number[];
  /** ML deadline policies (default next-workday and semi-weekly). */
  deadlines?: DeadlinePolicy[];
  interruptible?: boolean;
  /** Shortest chunk of an interruptible job, seconds (default 0). */
  minChunkS?: number;
  noise?: number[];
  seeds?: number;
  periodic?: Partial<PeriodicWorkload>;
  ml?: Partial<Omit<MlWorkload, 'deadline'>>;
}

async function tracesFor(req: SimulationRequest): Promise<SimulationTrace[]> {
  const tz = req.timeZone ? { timeZone: req.timeZone } : {};
  if (req.traceFiles?.length) return Promise.all(req.traceFiles.map((f) => loadSimulationTrace(f, tz)));
  const zones = req.zones?.length ? req.zones : [...SHIPPED_ZONES];
  const years = req.years?.length ? req.years : [...SHIPPED_YEARS];
  const out: SimulationTrace[] = [];
  for (const zone of zones) for (const year of years) out.push(await loadShippedTrace(zone, year, tz));
  return out;
}

function scenarioOf(req: SimulationRequest): Scenario {
  const windows = req.windowsH?.map((h) => {
    if (!Number.isFinite(h) || h < 0) throw invalidInput('windowsH', `must be a non-negative number of hours, got ${h}`);
    return h * HOUR;
  });
  if (req.scenario === 'periodic') {
    return { kind: 'periodic', windowsS: windows?.length ? windows : [2, 4, 8].map((h) => h * HOUR), ...(req.periodic ? { workload: req.periodic } : {}) };
  }
  const deadlines: DeadlinePolicy[] = req.deadlines?.length
    ? req.deadlines
    : windows?.length
      ? windows.map((slackS) => ({ kind: 'slack', slackS }))
      : [{ kind: 'next-workday' }, { kind: 'semi-weekly' }];
  return { kind: 'ml', deadlines, ...(req.ml ? { workload: req.ml } : {}) };
}

/** Loads the traces a request names and runs the simulation (the one call behind `verdant simulate`). */
export async function runSimulation(req: SimulationRequest): Promise<SimulationResult> {
  if (req.scenario !== 'periodic' && req.scenario !== 'ml') {
    throw invalidInput('scenario', `unknown scenario "${String(req.scenario)}"`, 'use periodic or ml');
  }
  const scenario = scenarioOf(req);
  const traces = await tracesFor(req);
  return simulate({
    scenario,
    traces,
    interruptible: req.interruptible ? { minChunkS: req.minChunkS ?? 0, pauseOverheadS: 0 } : false,
    ...(req.noise ? { noise: req.noise } : {}),
    ...(req.seeds !== undefined ? { seeds: req.seeds } : {}),
  });
}
