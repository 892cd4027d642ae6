import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StepCurve } from '../src/planner/index.js';
import {
  createRng,
  formatTable,
  noisyForecast,
  renderSavingsSvg,
  replay,
  runSimulation,
  simulate,
  spread,
  toCsv,
  type SimJob,
  type SimulationTrace,
} from '../src/simulator/index.js';

const HOUR = 3600;
const T0 = Date.UTC(2024, 0, 1) / 1000; // a Monday

/** Hourly synthetic values with a daily cycle and irregular detail, so the best hour moves from day to day. */
function synthetic(days: number, zone = 'SYN'): SimulationTrace {
  const values = new Float64Array(days * 24);
  for (let i = 0; i < values.length; i++) values[i] = 250 + 150 * Math.sin((2 * Math.PI * (i - 6)) / 24) + ((i * 7919) % 61);
  return { zone, year: 2024, timeZone: 'UTC', curve: new StepCurve(T0, HOUR, values), source: 'synthetic' };
}

describe('seeded randomness and forecast noise', () => {
  it('the PRNG is reproducible, uniform and its normals have unit spread', () => {
    const a = createRng(7);
    const b = createRng(7);
    const xs = Array.from({ length: 20000 }, () => a.next());
    expect(Array.from({ length: 20000 }, () => b.next())).toEqual(xs);
    expect(createRng(8).next()).not.toBe(xs[0]);
    expect(spread(xs).mean).toBeGreaterThan(0.49);
    expect(spread(xs).mean).toBeLessThan(0.51);
    const n = createRng(3);
    const zs = Array.from({ length: 20000 }, () => n.normal());
    expect(Math.abs(spread(zs).mean)).toBeLessThan(0.03);
    expect(spread(zs).std).toBeGreaterThan(0.97);
    expect(spread(zs).std).toBeLessThan(1.03);
  });

  it('noise has a standard deviation of the given fraction of the mean, per seed', () => {
    const truth = synthetic(365).curve;
    expect(noisyForecast(truth, 0, 1)).toBe(truth);
    const f = noisyForecast(truth, 0.1, 1);
    const errors = Array.from(f.values, (v, i) => v - truth.values[i]!);
    const sigma = 0.1 * truth.mean(truth.t0, truth.end);
    expect(spread(errors).std / sigma).toBeGreaterThan(0.97);
    expect(spread(errors).std / sigma).toBeLessThan(1.03);
    expect(noisyForecast(truth, 0.1, 1).values).toEqual(f.values);
    expect(noisyForecast(truth, 0.1, 2).values).not.toEqual(f.values);
  });
});

describe('replay', () => {
  const trace = synthetic(3);
  const v = trace.curve.values;

  it('measures partial hours exactly on the true curve', () => {
    // 01:30-02:30 with no flexibility: half of hour 1 and half of hour 2.
    const job: SimJob = { id: 0, nominalStartS: T0 + 1.5 * HOUR, durationS: HOUR, earliestS: T0 + 1.5 * HOUR, deadlineS: T0 + 2.5 * HOUR };
    const r = replay([job], trace.curve, trace.curve, 'SYN', false);
    expect(r.baseline).toBeCloseTo(0.5 * HOUR * (v[1]! + v[2]!), 6);
    expect(r.shifted).toBeCloseTo(r.baseline, 6);
  });

  it('decides on the forecast but measures on the truth', () => {
    // A forecast that ranks hours the wrong way round makes the scheduler pick the worst hour.
    const inverted = trace.curve.map((x) => 1000 - x);
    const jobs: SimJob[] = [0, 1, 2].map((d) => ({ id: d, nominalStartS: T0 + (d * 24 + 12) * HOUR, durationS: HOUR, earliestS: T0 + (d * 24 + 6) * HOUR, deadlineS: T0 + (d * 24 + 19) * HOUR }));
    const good = replay(jobs, trace.curve, trace.curve, 'SYN', false);
    const bad = replay(jobs, trace.curve, inverted, 'SYN', false);
    expect(good.shifted).toBeLessThan(good.baseline);
    expect(bad.shifted).toBeGreaterThan(bad.baseline);
    expect(bad.baseline).toBe(good.baseline);
  });

  it('an interruptible job can skip an expensive stretch a contiguous one must sit through', () => {
    // Cheap, expensive, cheap: a 2 h job in a 3 h window.
    const curve = new StepCurve(T0, HOUR, Float64Array.from([100, 900, 100]));
    const job: SimJob = { id: 0, nominalStartS: T0, durationS: 2 * HOUR, earliestS: T0, deadlineS: T0 + 3 * HOUR };
    const contiguous = replay([job], curve, curve, 'SYN', false);
    const chunks: number[][] = [];
    const split = replay([job], curve, curve, 'SYN', { minChunkS: 0, pauseOverheadS: 0 }, (d) => chunks.push(...d.chunks.map((c) => [c.start - T0, c.end - T0])));
    expect(contiguous.shifted).toBe(1000 * HOUR);
    expect(split.shifted).toBe(200 * HOUR);
    expect(chunks).toEqual([[0, HOUR], [2 * HOUR, 3 * HOUR]]);
    // With a minimum chunk of 2 h it cannot split, and sits through the expensive hour after all.
    const long = replay([job], curve, curve, 'SYN', { minChunkS: 2 * HOUR, pauseOverheadS: 0 });
    expect(long.shifted).toBe(1000 * HOUR);
  });
});

describe('simulate', () => {
  it('savings grow with the flexibility window and never go below zero with a perfect forecast', () => {
    const r = simulate({ scenario: { kind: 'periodic', windowsS: [0, 2 * HOUR, 6 * HOUR] }, traces: [synthetic(60)] });
    const pct = r.rows.map((x) => x.savingsPct);
    expect(pct[0]).toBeCloseTo(0, 12);
    expect(pct[1]).toBeGreaterThan(0);
    expect(pct[2]).toBeGreaterThan(pct[1]!);
    expect(new Set(r.rows.map((x) => x.jobs)).size).toBe(1); // every window compares the same runs
  });

  it('forecast noise costs savings on average and is reported over seeds', () => {
    const r = simulate({ scenario: { kind: 'periodic', windowsS: [4 * HOUR] }, traces: [synthetic(120)], noise: [0, 0.2], seeds: 5 });
    const [clean, noisy] = r.rows;
    expect(clean!.runs).toBe(1);
    expect(noisy!.runs).toBe(5);
    expect(noisy!.savingsPct).toBeLessThan(clean!.savingsPct);
    expect(noisy!.savingsPctStd).toBeGreaterThan(0);
    expect(noisy!.savingsPctMin).toBeLessThanOrEqual(noisy!.savingsPct);
    expect(noisy!.savingsPctMax).toBeGreaterThanOrEqual(noisy!.savingsPct);
    expect(noisy!.savingsPctMax).toBeLessThanOrEqual(clean!.savingsPct + 1e-9); // a perfect forecast is optimal per job
  });

  it('ML jobs: interruptible saves at least as much, semi-weekly deadlines more than next-workday', () => {
    const traces = [synthetic(70)];
    const scenario = { kind: 'ml' as const, workload: { count: 120 }, deadlines: [{ kind: 'next-workday' as const }, { kind: 'semi-weekly' as const }] };
    const plain = simulate({ scenario, traces });
    const split = simulate({ scenario, traces, interruptible: { minChunkS: 0, pauseOverheadS: 0 } });
    const [nw, sw] = plain.rows;
    expect(nw!.jobs).toBeGreaterThan(100);
    expect(sw!.savingsPct).toBeGreaterThan(nw!.savingsPct);
    for (const [a, b] of plain.rows.map((row, i) => [row, split.rows[i]!] as const)) {
      expect(b.interruptible).toBe(true);
      expect(b.savingsPct).toBeGreaterThanOrEqual(a.savingsPct - 1e-9);
    }
  });

  it('rejects bad options naming the flag', () => {
    const traces = [synthetic(30)];
    expect(() => simulate({ scenario: { kind: 'periodic', windowsS: [HOUR] }, traces, noise: [1.5] })).toThrow(/between 0 and 1/);
    expect(() => simulate({ scenario: { kind: 'periodic', windowsS: [HOUR] }, traces, seeds: 0 })).toThrow(/positive integer/);
    expect(() => simulate({ scenario: { kind: 'periodic', windowsS: [] }, traces })).toThrow(/no flexibility window/);
    expect(() => simulate({ scenario: { kind: 'periodic', windowsS: [HOUR] }, traces: [] })).toThrow(/no trace/);
    expect(() => simulate({ scenario: { kind: 'periodic', windowsS: [40 * 24 * HOUR] }, traces })).toThrow(/no ±960h job fits in the SYN 2024 trace/);
  });
});

describe('outputs', () => {
  const r = simulate({ scenario: { kind: 'periodic', windowsS: [2 * HOUR, 4 * HOUR] }, traces: [synthetic(40, 'AA'), synthetic(40, 'BB')], noise: [0, 0.05], seeds: 3 });

  it('a table with one line per zone and year and one column per window and noise level', () => {
    const lines = formatTable(r.rows).split('\n');
    expect(lines[0]).toMatch(/^zone\s+year\s+jobs\s+±2h noise 0%\s+±4h noise 0%\s+±2h noise 5%\s+±4h noise 5%$/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^AA\s+2024\s+\d+\s+\d+\.\d%/);
    expect(lines[3]).toMatch(/±\d+\.\d\d$/);
  });

  it('a CSV with a header and one line per row', () => {
    const [head, ...body] = toCsv(r.rows).trim().split('\n');
    expect(head).toBe('scenario,zone,year,variant,interruptible,noise,runs,jobs,baseline_kg,shifted_kg,savings_pct,savings_pct_std,savings_pct_min,savings_pct_max');
    expect(body).toHaveLength(8);
    const first = body[0]!.split(',');
    expect(first.slice(0, 7)).toEqual(['periodic', 'AA', '2024', '±2h', 'false', '0', '1']);
    expect(Number(first[10])).toBeCloseTo(r.rows[0]!.savingsPct, 6);
  });

  it('an SVG chart with a panel per variant and the zones on the axis', async () => {
    const svg = await renderSavingsSvg(r.rows, 'test chart');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['test chart', '±2h, noise 0%', '±4h, noise 5%', '>AA<', '>BB<']) expect(svg).toContain(text);
  });
});

describe('runSimulation', () => {
  it('replays any trace file the grid package reads', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'verdant-sim-'));
    const file = path.join(dir, 'trace.csv');
    const curve = synthetic(30).curve;
    const rows = Array.from(curve.values, (v, i) => `${new Date((T0 + i * HOUR) * 1000).toISOString()},${v}`);
    writeFileSync(file, `time,gco2_per_kwh\n${rows.join('\n')}\n`);
    const res = await runSimulation({ scenario: 'periodic', traceFiles: [file], windowsH: [3] });
    const direct = simulate({ scenario: { kind: 'periodic', windowsS: [3 * HOUR] }, traces: [synthetic(30)] });
    expect(res.rows).toHaveLength(1);
    expect(res.rows[0]!.zone).toBe('trace');
    expect(res.rows[0]!.year).toBe(2024);
    expect(res.rows[0]!.savingsPct).toBeCloseTo(direct.rows[0]!.savingsPct, 9);
  });

  it('runs the shipped traces by zone and year', async () => {
    const res = await runSimulation({ scenario: 'periodic', zones: ['NO'], years: [2021], windowsH: [4] });
    expect(res.rows.map((x) => [x.zone, x.year, x.variant])).toEqual([['NO', 2021, '±4h']]);
    expect(res.rows[0]!.savingsPct).toBeGreaterThan(0);
  });

  it('ML with --window: a fixed slack after the original finish, more slack saving more', async () => {
    const res = await runSimulation({ scenario: 'ml', zones: ['ES'], years: [2023], windowsH: [0, 12], ml: { count: 300 } });
    expect(res.rows.map((x) => x.variant)).toEqual(['+0h', '+12h']);
    expect(res.rows[0]!.savingsPct).toBeCloseTo(0, 9);
    expect(res.rows[1]!.savingsPct).toBeGreaterThan(0.5);
  });

  it('names the request field on bad input', async () => {
    await expect(runSimulation({ scenario: 'weekly' as 'ml' })).rejects.toMatchObject({ field: 'scenario' });
    await expect(runSimulation({ scenario: 'periodic', zones: ['XX'], years: [2022] })).rejects.toMatchObject({ field: 'zones', message: expect.stringContaining('no shipped trace for XX 2022') });
    await expect(runSimulation({ scenario: 'periodic', zones: ['ES'], years: [2022], windowsH: [-1] })).rejects.toMatchObject({ field: 'windowsH' });
  });
});
