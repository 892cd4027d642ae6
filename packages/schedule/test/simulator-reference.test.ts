import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StepCurve } from '../src/planner/index.js';
import { simulate, type SimulationTrace } from '../src/simulator/index.js';

/*
 * An independent check of scenario I. The reference below is deliberately naive: it walks the hourly values,
 * finds each nominal start by asking Intl for the local hour, and tries every start hour in [nominal - W,
 * nominal + W]. It shares nothing with the simulator but the trace values.
 */

const HOUR = 3600;

function shippedTrace(zone: string, year: number, timeZone: string): SimulationTrace {
  // Minimal reading of the Electricity Maps portal CSV (column 6: lifecycle gCO2eq/kWh).
  const lines = readFileSync(new URL(`../../../data/grid/electricitymaps/${zone}_${year}_hourly.csv`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const values = new Float64Array(lines.map((l) => Number(l.split(',')[5])));
  const t0 = Date.parse(`${lines[0]!.slice(0, 19).replace(' ', 'T')}Z`) / 1000;
  return { zone, year, timeZone, curve: new StepCurve(t0, HOUR, values), source: 'test' };
}

function localHour(tS: number, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(new Date(tS * 1000)));
}

/** Savings (%) of shifting a whole-hour job that nominally starts at local `startHour` by up to ±w hours. */
function bruteForceSavings(trace: SimulationTrace, startHour: number, durationH: number, w: number): { pct: number; jobs: number } {
  const v = trace.curve.values;
  const cost = (j: number): number => {
    let s = 0;
    for (let k = 0; k < durationH; k++) s += v[j + k]!;
    return s;
  };
  let baseline = 0;
  let best = 0;
  let jobs = 0;
  for (let i = 0; i < v.length; i++) {
    if (localHour(trace.curve.t0 + i * HOUR, trace.timeZone) !== startHour) continue;
    if (i - w < 0 || i + w + durationH > v.length) continue;
    let min = Infinity;
    for (let j = i - w; j <= i + w; j++) min = Math.min(min, cost(j));
    baseline += cost(i);
    best += min;
    jobs++;
  }
  return { pct: (100 * (baseline - best)) / baseline, jobs };
}

/** The same for a half-hour job inside one hour: it costs half that hour's value wherever it starts. */
function bruteForceHalfHour(trace: SimulationTrace, startHour: number, w: number): { pct: number; jobs: number } {
  // A 30-minute run in hour j costs v[j] / 2 whether it starts at :00 or :30, so the whole-hour brute force of
  // one hour gives the same ratio.
  return bruteForceSavings(trace, startHour, 1, w);
}

function simulated(trace: SimulationTrace, startHour: number, durationS: number, w: number): { pct: number; jobs: number } {
  const r = simulate({
    scenario: { kind: 'periodic', workload: { timeOfDayS: startHour * HOUR, durationS, periodS: 86400 }, windowsS: [w * HOUR] },
    traces: [trace],
  });
  const row = r.rows[0]!;
  return { pct: row.savingsPct, jobs: row.jobs };
}

describe('scenario I against a brute-force reference', () => {
  it.each([
    ['ES', 2022, 'Europe/Madrid', 2],
    ['ES', 2022, 'Europe/Madrid', 8],
    ['BR', 2023, 'America/Sao_Paulo', 4],
  ])('%s %i (%s), 30 min at 01:00 local, ±%ih: same savings as trying every start hour', (zone, year, timeZone, w) => {
    const trace = shippedTrace(zone, year, timeZone);
    const ref = bruteForceHalfHour(trace, 1, w);
    const sim = simulated(trace, 1, 1800, w);
    expect(sim.jobs).toBe(ref.jobs);
    expect(ref.pct).toBeGreaterThan(0.5);
    expect(sim.pct).toBeCloseTo(ref.pct, 9);
  });

  it('synthetic trace, 3 h job at 22:00 UTC crossing midnight, ±5h', () => {
    // Hourly values with a daily cycle, a weekly drift and an irregular term, so minima move from day to day.
    const n = 24 * 120;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = 300 + 120 * Math.sin((2 * Math.PI * i) / 24) + 40 * Math.cos((2 * Math.PI * i) / 168) + ((i * 7919) % 53);
    const trace: SimulationTrace = { zone: 'SYN', year: 2024, timeZone: 'UTC', curve: new StepCurve(Date.UTC(2024, 0, 1) / 1000, HOUR, values), source: 'synthetic' };
    const ref = bruteForceSavings(trace, 22, 3, 5);
    const sim = simulated(trace, 22, 3 * HOUR, 5);
    expect(sim.jobs).toBe(ref.jobs);
    expect(ref.jobs).toBeGreaterThan(100);
    expect(ref.pct).toBeGreaterThan(1);
    expect(sim.pct).toBeCloseTo(ref.pct, 9);
  });
});
