import { ExitCode, type IntensityPoint } from '@verdant/core';
import type { IntensityProvider } from '@verdant/grid';
import { describe, expect, it } from 'vitest';
import { intensityCurve, planFromProvider, runSimulation } from '../src/index.js';
import { buildBatchInstance } from '../src/planner/batch-model.js';
import { rejection } from '@verdant/core/testing';

// The library names its own fields (the request's keys); only the faces translate them into a CLI flag or a
// body field. None of these errors may name a flag such as --region or --duration.

const H = 3600;
const T0 = Date.UTC(2030, 0, 1) / 1000;

/** Hourly points of 100 g/kWh over [from, to). */
function flat(from: number, to: number): IntensityPoint[] {
  const out: IntensityPoint[] = [];
  for (let t = from; t < to; t += H) out.push({ zone: 'DE', t, resolutionS: H, gPerKwh: 100, signal: 'average', source: 'flat' });
  return out;
}

/** A provider whose history covers only [from, to). */
const covering = (from: number, to: number): IntensityProvider => ({
  name: 'flat',
  zones: async () => [],
  current: async () => flat(from, from + H)[0]!,
  history: async (_zone, a, b) => flat(from, to).filter((p) => p.t + p.resolutionS > a && p.t < b),
});

describe('planFromProvider names PlanRequest fields', () => {
  const provider = covering(T0, T0 + 24 * H);
  // Windows in the past: the series comes from the provider's history.
  const now = { now: () => T0 + 100 * H };

  it.each<[string, Parameters<typeof planFromProvider>[0], string]>([
    ['no zones', { zones: [], durationS: H }, 'zones'],
    ['a negative duration', { zones: ['DE'], durationS: -H, earliestStart: T0, deadline: T0 + 4 * H }, 'durationS'],
    ['a deadline before the run could end', { zones: ['DE'], durationS: 4 * H, earliestStart: T0, deadline: T0 + H }, 'deadline'],
    ['power and energy both', { zones: ['DE'], durationS: H, earliestStart: T0, deadline: T0 + 4 * H, powerW: 300, energyJ: 1e6 }, 'powerW'],
    ['a negative energy', { zones: ['DE'], durationS: H, earliestStart: T0, deadline: T0 + 4 * H, energyJ: -1 }, 'energyJ'],
    ['a negative minimum chunk', { zones: ['DE'], durationS: H, earliestStart: T0, deadline: T0 + 4 * H, interruptible: { minChunkS: -1, pauseOverheadS: 0 } }, 'interruptible.minChunkS'],
    ['a negative pause overhead', { zones: ['DE'], durationS: H, earliestStart: T0, deadline: T0 + 4 * H, interruptible: { minChunkS: 0, pauseOverheadS: -1 } }, 'interruptible.pauseOverheadS'],
    ['a window the data does not reach', { zones: ['DE'], durationS: H, earliestStart: T0 + 48 * H, deadline: T0 + 52 * H }, 'earliestStart'],
    ['a window the data covers too little of', { zones: ['DE'], durationS: 4 * H, earliestStart: T0 + 22 * H, deadline: T0 + 30 * H }, 'deadline'],
  ])('%s: %s', async (_what, request, field) => {
    const e = await rejection(planFromProvider(request, provider, now));
    expect(e.field).toBe(field);
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(`${e.message} ${e.fix ?? ''}`).not.toMatch(/--[a-z]/);
  });
});

describe('the batch planner names its own fields', () => {
  const curve = intensityCurve(flat(T0, T0 + 4 * H));
  const job = { durationS: H, earliestStart: T0, deadline: T0 + 4 * H, powerW: 1, minChunkS: 0, pauseOverheadS: 0, interruptible: false, units: 1 };

  it('capacity, and a job with no start on the grid by its name', async () => {
    expect((await rejection(() => buildBatchInstance([job], curve, 0))).field).toBe('capacity');
    const late = { ...job, id: 'train', earliestStart: T0 + 3.5 * H };
    const e = await rejection(() => buildBatchInstance([late], curve, 1));
    expect(e.field).toBe('train.deadline');
    const big = await rejection(() => buildBatchInstance([{ ...job, units: 3 }], curve, 2));
    expect(big.field).toBe('jobs[0].units');
    expect(big.fix).not.toMatch(/--/);
  });
});

describe('runSimulation names SimulationRequest fields', () => {
  it.each<[string, Parameters<typeof runSimulation>[0], string]>([
    ['an unknown scenario', { scenario: 'weekly' as 'ml' }, 'scenario'],
    ['a zone with no shipped trace', { scenario: 'periodic', zones: ['XX'], years: [2022] }, 'zones'],
    ['a negative window', { scenario: 'periodic', zones: ['ES'], years: [2022], windowsH: [-1] }, 'windowsH'],
    ['noise above 1', { scenario: 'periodic', zones: ['ES'], years: [2022], noise: [2] }, 'noise'],
    ['no seeds', { scenario: 'periodic', zones: ['ES'], years: [2022], noise: [0.1], seeds: 0 }, 'seeds'],
    ['an unknown time zone', { scenario: 'periodic', zones: ['ES'], years: [2022], timeZone: 'Mars/Olympus' }, 'timeZone'],
    ['no ML jobs', { scenario: 'ml', zones: ['ES'], years: [2022], ml: { count: 0 } }, 'ml.count'],
    ['a trace file that does not exist', { scenario: 'periodic', traceFiles: ['no/such/trace.csv'] }, 'traceFiles'],
  ])('%s: %s', async (_what, request, field) => {
    const e = await rejection(runSimulation(request));
    expect(e.field).toBe(field);
    expect(`${e.message} ${e.fix ?? ''}`).not.toMatch(/(^|\s)--[a-z]/);
  });
});
