import { describe, expect, it } from 'vitest';
import { thrown as catchErr } from '@verdant/core/testing';
import { createRng, intensityCurve, planAcrossZones, planJob, type Chunk } from '../src/index.js';
import { bestChunkedSchedule, chunkedScheduleDp } from '../src/planner/interruptible.js';
import { series, slowIntegral } from './planner-helpers.js';

const T0 = 1_700_000_000;
const H = 3600;

describe('planJob, one uninterrupted run', () => {
  it('finds the cheapest window and reports the saving against starting now', () => {
    const pts = series([500, 400, 100, 50, 60, 300, 450]);
    const plan = planJob({ durationS: 2 * H, earliestStart: T0, deadline: T0 + 7 * H, powerW: 1000 }, pts);
    expect(plan.start).toBe(T0 + 3 * H);
    expect(plan.chunks).toEqual([{ start: T0 + 3 * H, end: T0 + 5 * H }]);
    // 1 kW for 1 h at 50 then 60 g/kWh.
    expect(plan.emissionsG).toBeCloseTo(110, 9);
    expect(plan.baselineEmissionsG).toBeCloseTo(900, 9);
    expect(plan.savingG).toBeCloseTo(790, 9);
    expect(plan.savingFraction).toBeCloseTo(790 / 900, 9);
    expect(plan.energyJ).toBeCloseTo(2 * H * 1000, 6);
    expect(plan.zone).toBe('TEST');
  });

  it('matches brute force over fine start times for random partial-slot instances', () => {
    const rand = createRng(7).next;
    for (let trial = 0; trial < 60; trial++) {
      const n = 6 + Math.floor(rand() * 10);
      const pts = series(Array.from({ length: n }, () => Math.round(rand() * 500)));
      // Durations and window edges on a 60 s lattice, not multiples of the hour.
      const dur = 60 * (1 + Math.floor(rand() * 60 * 4));
      const es = T0 + 60 * Math.floor(rand() * 60 * 2);
      const dl = Math.min(T0 + n * H, es + dur + 60 * Math.floor(rand() * 60 * (n - 2)));
      if (dl < es + dur) continue;
      const plan = planJob({ durationS: dur, earliestStart: es, deadline: dl, energyJ: 3.6e6 }, pts);
      let best = Infinity;
      for (let s = es; s + dur <= dl; s += 60) best = Math.min(best, slowIntegral(pts, s, s + dur));
      const power = 3.6e6 / dur;
      expect(plan.emissionsG).toBeCloseTo((power * best) / 3.6e6, 6);
      expect(plan.start).toBeGreaterThanOrEqual(es);
      expect(plan.end).toBeLessThanOrEqual(dl + 1e-9);
    }
  });

  it('optimises cost or a normalised mix when given prices', () => {
    const pts = series([100, 100, 500, 500]);
    const prices = [0.5, 0.5, 0.1, 0.1].map((perKwh, i) => ({ t: T0 + i * H, resolutionS: H, perKwh }));
    const job = { durationS: 2 * H, earliestStart: T0, deadline: T0 + 4 * H, powerW: 1000 };
    expect(planJob(job, pts).start).toBe(T0);
    const byCost = planJob(job, pts, { objective: 'cost', prices });
    expect(byCost.start).toBe(T0 + 2 * H);
    expect(byCost.cost).toBeCloseTo(0.2, 9);
    expect(byCost.baselineCost).toBeCloseTo(1.0, 9);
    // Carbon: 100 vs 500 (x5); price: 0.5 vs 0.1 (x5). Weighting carbon more picks the clean hours.
    expect(planJob(job, pts, { objective: { carbon: 2, cost: 1 }, prices }).start).toBe(T0);
    expect(planJob(job, pts, { objective: { carbon: 1, cost: 2 }, prices }).start).toBe(T0 + 2 * H);
  });
});

/** Every chunk set the DP's model allows, by enumeration of used-slot subsets. */
function bruteChunked(values: number[], dur: number, minChunk: number, overhead: number): number {
  const n = values.length;
  let best = Infinity;
  for (let mask = 1; mask < 1 << n; mask++) {
    const used = [...Array(n).keys()].filter((i) => mask & (1 << i));
    const last = used[used.length - 1]!;
    const runs: number[][] = [];
    for (const i of used) {
      const r = runs[runs.length - 1];
      if (r && r[r.length - 1] === i - 1) r.push(i);
      else runs.push([i]);
    }
    const k = runs.length;
    const need = dur + (k - 1) * overhead - (used.length - 1) * H;
    if (need <= 1e-9 || need > H + 1e-9) continue;
    const runSeconds = runs.map((r) => (r.length - 1) * H + (r.includes(last) ? need : H));
    if (k > 1 && runSeconds.some((s) => s < minChunk - 1e-9)) continue;
    const cost = used.reduce((a, i) => a + values[i]! * (i === last ? need : H), 0);
    best = Math.min(best, cost);
  }
  return best;
}

describe('interruptible jobs', () => {
  it('the DP is optimal against enumeration on small random instances', () => {
    const rand = createRng(42).next;
    for (let trial = 0; trial < 100; trial++) {
      const n = 4 + Math.floor(rand() * 8);
      const values = Array.from({ length: n }, () => Math.round(rand() * 400));
      const dur = Math.round(H * (0.5 + rand() * (n / 2)));
      const minChunk = [0, 1800, H, 2 * H][Math.floor(rand() * 4)]!;
      const overhead = [0, 300, 900, 5400][Math.floor(rand() * 4)]!;
      const curve = intensityCurve(series(values));
      const got = bestChunkedSchedule(curve, { durationS: dur, from: T0, to: T0 + n * H, minChunkS: minChunk, pauseOverheadS: overhead });
      const want = bruteChunked(values, dur, minChunk, overhead);
      if (want === Infinity) {
        expect(got).toBeUndefined();
        continue;
      }
      expect(got).toBeDefined();
      expect(got!.cost).toBeCloseTo(want, 6);
      // The returned chunks really cost what the DP says and respect the rules.
      const pts = series(values);
      const chunks: Chunk[] = got!.chunks;
      expect(chunks.reduce((a, c) => a + slowIntegral(pts, c.start, c.end), 0)).toBeCloseTo(want, 6);
      const run = chunks.reduce((a, c) => a + c.end - c.start, 0);
      expect(run).toBeCloseTo(dur + (chunks.length - 1) * overhead, 6);
      if (chunks.length > 1) for (const c of chunks) expect(c.end - c.start).toBeGreaterThanOrEqual(minChunk - 1e-9);
    }
  });

  it('splits around a dirty peak, pays the pause overhead, and never does worse than one run', () => {
    const pts = series([50, 50, 900, 900, 50, 50]);
    const job = { durationS: 4 * H, earliestStart: T0, deadline: T0 + 6 * H, powerW: 1000, interruptible: { minChunkS: H, pauseOverheadS: 0 } };
    const plan = planJob(job, pts);
    expect(plan.chunks).toEqual([{ start: T0, end: T0 + 2 * H }, { start: T0 + 4 * H, end: T0 + 6 * H }]);
    expect(plan.emissionsG).toBeCloseTo(200, 9);
    const withOverhead = planJob({ ...job, deadline: T0 + 6 * H, interruptible: { minChunkS: H, pauseOverheadS: 1800 } }, series([50, 50, 900, 900, 50, 50, 50]));
    expect(withOverhead.chunks.length).toBe(2);
    expect(withOverhead.energyJ).toBeCloseTo(4.5 * H * 1000, 6);
    const contiguous = planJob({ ...job, interruptible: false }, pts);
    expect(plan.emissionsG).toBeLessThanOrEqual(contiguous.emissionsG);
  });

  it('respects the minimum chunk', () => {
    // One clean hour between dirty ones: with a 2 h minimum chunk it cannot be used alone.
    const pts = series([10, 900, 10, 900, 10, 10]);
    const job = { durationS: 3 * H, earliestStart: T0, deadline: T0 + 6 * H, powerW: 1000, interruptible: { minChunkS: 2 * H, pauseOverheadS: 0 } };
    const plan = planJob(job, pts);
    // Every split leaves a 1 h chunk, so one 3 h run that crosses a dirty hour is the best allowed.
    expect(plan.chunks.length).toBe(1);
    expect(plan.emissionsG).toBeCloseTo(920, 6);
    const free = planJob({ ...job, interruptible: { minChunkS: 0, pauseOverheadS: 0 } }, pts);
    expect(free.emissionsG).toBeCloseTo(30, 6);
  });
  it('lines chunks up with the series steps when the earliest start falls between them', () => {
    const pts = series([900, 10, 10, 900, 10, 10]);
    const job = { durationS: 3 * H, earliestStart: T0 + 1200, deadline: T0 + 6 * H, powerW: 1000, interruptible: { minChunkS: H, pauseOverheadS: 0 } };
    const plan = planJob(job, pts);
    // Only the three clean hours, whole: a grid anchored at 00:20 would straddle the dirty ones.
    expect(plan.emissionsG).toBeCloseTo(30, 9);
    for (const c of plan.chunks) expect([(c.start - T0) % H, (c.end - T0) % H]).toEqual([0, 0]);
  });
});

describe('interruptible jobs whose chunk count is free (no pause overhead, minimum chunk within a slot)', () => {
  /** The chunks' own cost and the model's rules, checked against the series directly. */
  function expectValid(chunks: Chunk[], pts: ReturnType<typeof series>, cost: number, dur: number, from: number, to: number, minChunk: number): void {
    expect(chunks.reduce((a, c) => a + slowIntegral(pts, c.start, c.end), 0)).toBeCloseTo(cost, 5);
    expect(chunks.reduce((a, c) => a + c.end - c.start, 0)).toBeCloseTo(dur, 6);
    expect(chunks[0]!.start).toBeGreaterThanOrEqual(from - 1e-9);
    expect(chunks[chunks.length - 1]!.end).toBeLessThanOrEqual(to + 1e-9);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBeGreaterThan(chunks[i - 1]!.end + 1e-9); // merged when adjacent
    if (chunks.length > 1) for (const c of chunks) expect(c.end - c.start).toBeGreaterThanOrEqual(minChunk - 1e-9);
  }

  it('the cheapest-slots path reaches the DP optimum on random instances', () => {
    const rand = createRng(2024).next;
    let compared = 0;
    for (let trial = 0; trial < 300; trial++) {
      const n = 3 + Math.floor(rand() * 14);
      const values = Array.from({ length: n }, () => Math.round(rand() * 400));
      const pts = series(values);
      const curve = intensityCurve(pts);
      // Windows that start off the grid and end inside a slot; durations on a 60 s lattice.
      const from = T0 + (rand() < 0.5 ? 0 : 60 * Math.floor(rand() * 60));
      const to = T0 + n * H - (rand() < 0.5 ? 0 : 60 * Math.floor(rand() * 60));
      const dur = 60 * (1 + Math.floor(rand() * ((to - from) / 60)));
      const minChunk = [0, 60, 1800, H][Math.floor(rand() * 4)]!;
      const p = { durationS: dur, from, to, minChunkS: minChunk, pauseOverheadS: 0 };
      const fast = bestChunkedSchedule(curve, p);
      const dp = chunkedScheduleDp(curve, p);
      if (dp === undefined) {
        expect(fast).toBeUndefined();
        continue;
      }
      compared++;
      expect(fast).toBeDefined();
      expect(fast!.cost).toBeCloseTo(dp.cost, 6);
      expectValid(fast!.chunks, pts, fast!.cost, dur, from, to, minChunk);
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('merges adjacent slots and extends a chunk when the final part is shorter than the minimum', () => {
    const pts = series([50, 60, 900, 40, 30, 900, 20]);
    const job = { durationS: 4.5 * H, earliestStart: T0, deadline: T0 + 7 * H, powerW: 1000, interruptible: { minChunkS: 0, pauseOverheadS: 0 } };
    const free = planJob(job, pts);
    expect(free.chunks).toEqual([
      { start: T0, end: T0 + 2 * H },
      { start: T0 + 3 * H, end: T0 + 5 * H },
      { start: T0 + 6 * H, end: T0 + 6.5 * H },
    ]);
    expect(free.emissionsG).toBeCloseTo(190, 9);
    // A 1 h minimum: the half-hour tail cannot stand alone, so it ends the chunk it follows.
    const oneHour = planJob({ ...job, interruptible: { minChunkS: H, pauseOverheadS: 0 } }, pts);
    expect(oneHour.chunks).toEqual([
      { start: T0, end: T0 + 2 * H },
      { start: T0 + 3 * H, end: T0 + 5.5 * H },
    ]);
    expect(oneHour.emissionsG).toBeCloseTo(630, 9);
  });

  it('plans windows far beyond the DP table limit', () => {
    const rand = createRng(5).next;
    const n = 800;
    const values = Array.from({ length: n }, () => Math.round(rand() * 500));
    const pts = series(values);
    const curve = intensityCurve(pts);
    const p = { durationS: 400.5 * H, from: T0, to: T0 + n * H, minChunkS: 0, pauseOverheadS: 0 };
    expect(() => chunkedScheduleDp(curve, p)).toThrow(/too many to plan/);
    const got = bestChunkedSchedule(curve, p)!;
    // Reference: for each final slot, sort everything before it and take the 400 cheapest.
    let want = Infinity;
    for (let j = 400; j < n; j++) {
      const before = values.slice(0, j).sort((a, b) => a - b);
      want = Math.min(want, before.slice(0, 400).reduce((a, v) => a + v * H, 0) + values[j]! * 0.5 * H);
    }
    expect(got.cost).toBeCloseTo(want, 3);
    expectValid(got.chunks, pts, want, p.durationS, p.from, p.to, 0);
  });
});

describe('planAcrossZones', () => {
  it('picks the zone and time with the lowest emissions', () => {
    const plans = planAcrossZones(
      { durationS: H, earliestStart: T0, deadline: T0 + 3 * H, powerW: 1000 },
      { A: series([300, 200, 250], T0, H, 'A'), B: series([400, 90, 500], T0, H, 'B'), C: series([120, 110, 100], T0, H, 'C') },
    );
    expect(plans.best.zone).toBe('B');
    expect(plans.best.start).toBe(T0 + H);
    expect(plans.all.map((p) => p.zone)).toEqual(['B', 'C', 'A']);
  });
});

describe('validation', () => {
  const pts = series([100, 200, 300, 400]);
  it('names the deadline field and the earliest feasible deadline', () => {
    const e = catchErr(() => planJob({ durationS: 2 * H, earliestStart: T0, deadline: T0 + H, powerW: 1 }, pts));
    expect(e.field).toBe('deadline');
    expect(e.fix).toContain(new Date((T0 + 2 * H) * 1000).toISOString());
  });
  it('rejects an empty series, one that does not cover the window, and gaps', () => {
    expect(catchErr(() => planJob({ durationS: H, earliestStart: T0, deadline: T0 + 2 * H, powerW: 1 }, [])).field).toBe('series');
    const e = catchErr(() => planJob({ durationS: H, earliestStart: T0, deadline: T0 + 9 * H, powerW: 1 }, pts));
    expect(e.field).toBe('series');
    expect(e.message).toContain('covers');
    const gap = [...series([1, 2]), ...series([3], T0 + 5 * H)];
    expect(catchErr(() => planJob({ durationS: H, earliestStart: T0, deadline: T0 + 2 * H, powerW: 1 }, gap)).message).toContain('not contiguous');
  });
  it('needs power or energy, and prices for the cost objective', () => {
    expect(catchErr(() => planJob({ durationS: H, earliestStart: T0, deadline: T0 + 2 * H }, pts)).field).toBe('powerW');
    expect(catchErr(() => planJob({ durationS: H, earliestStart: T0, deadline: T0 + 2 * H, powerW: 1 }, pts, { objective: 'cost' })).field).toBe('prices');
    expect(catchErr(() => planJob({ durationS: -1, earliestStart: T0, deadline: T0 + 2 * H, powerW: 1 }, pts)).field).toBe('durationS');
    const bad = { durationS: H, earliestStart: T0, deadline: T0 + 2 * H, powerW: 1, interruptible: { minChunkS: -1, pauseOverheadS: 0 } };
    expect(catchErr(() => planJob(bad, pts)).field).toBe('interruptible.minChunkS');
    const both = { durationS: H, earliestStart: T0, deadline: T0 + 2 * H, powerW: 1, energyJ: 3600 };
    expect(catchErr(() => planJob(both, pts)).field).toBe('powerW');
    const overhead = { durationS: H, earliestStart: T0, deadline: T0 + 2 * H, powerW: 1, interruptible: { minChunkS: 0, pauseOverheadS: -1 } };
    expect(catchErr(() => planJob(overhead, pts)).field).toBe('interruptible.pauseOverheadS');
    expect(catchErr(() => planJob({ durationS: H, earliestStart: Number.NaN, deadline: T0 + 2 * H, powerW: 1 }, pts)).field).toBe('earliestStart');
  });
});
