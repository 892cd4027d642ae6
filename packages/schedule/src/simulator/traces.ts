import { invalidInput, isVerdantError, stepLookup, type IntensityPoint } from '@verdant/core';
import { loadTrace, shippedTracePath, type IntensityTrace } from '@verdant/grid';
import { StepCurve } from '../planner/index.js';
import type { SimulationTrace } from './simulate.js';
import { timeZoneOf } from './zones.js';

/**
 * Puts a validated trace on its uniform grid. Gaps the loader bridged (a point whose resolution stretches
 * to the next sample) hold their value across the missing steps, as the grid's step lookup does.
 */
export function curveOfTrace(trace: Pick<IntensityTrace, 'points' | 'resolutionS'>): StepCurve {
  const points = trace.points;
  const first = points[0] as IntensityPoint;
  const last = points[points.length - 1] as IntensityPoint;
  const res = trace.resolutionS;
  const n = Math.round((last.t + last.resolutionS - first.t) / res);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = stepLookup(points, first.t + i * res).gPerKwh;
  return new StepCurve(first.t, res, values);
}

/** The calendar year most of the trace falls in (labels the results). */
const yearOf = (curve: StepCurve): number => new Date(((curve.t0 + curve.end) / 2) * 1000).getUTCFullYear();

export interface TraceFileOptions {
  /** Zone label when the file names none (default: the file's zone column or name). */
  zone?: string;
  /** IANA time zone for local hours (default: the zone's, else UTC). */
  timeZone?: string;
}

/** Loads any trace file the grid package reads (Electricity Maps portal CSV, plain CSV, JSON). */
export async function loadSimulationTrace(file: string, opts: TraceFileOptions = {}): Promise<SimulationTrace> {
  const trace = await loadTrace(file, { field: 'traceFiles', ...(opts.zone ? { zone: opts.zone } : {}) });
  const curve = curveOfTrace(trace);
  if (curve.end - curve.t0 < 7 * 86400) {
    throw invalidInput('traceFiles', `${file} covers less than a week`, 'replay a trace of at least a week (a year for the documented scenarios)');
  }
  return { zone: trace.zone, year: yearOf(curve), timeZone: opts.timeZone ?? timeZoneOf(trace.zone), curve, source: trace.source };
}

/** Loads a shipped hourly Electricity Maps trace (data/grid/electricitymaps) for a zone and year. */
export async function loadShippedTrace(zone: string, year: number, opts: { timeZone?: string } = {}): Promise<SimulationTrace> {
  let file: string;
  try {
    file = shippedTracePath(zone, year);
  } catch (e) {
    // Same message and list of shipped traces, under the options that chose them here.
    if (isVerdantError(e)) throw invalidInput('zones', e.message, e.fix);
    throw e;
  }
  const t = await loadSimulationTrace(file, { zone, ...opts });
  return { ...t, year };
}
