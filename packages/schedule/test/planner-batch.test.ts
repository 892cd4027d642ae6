import { describe, expect, it } from 'vitest';
import { isVerdantError } from '@verdant/core';
import { createRng, intensityCurve, planBatch, type JobSpec } from '../src/index.js';
import { assignmentCost, buildBatchInstance, isFeasible, type BatchInstance } from '../src/planner/batch-model.js';
import { heuristicSchedule } from '../src/planner/heuristic.js';
import { solveBatchLp } from '../src/planner/milp.js';
import { normalizeJob } from '../src/planner/validate.js';
import { series } from './planner-helpers.js';

const T0 = 1_700_000_000;
const H = 3600;

function randomJobs(rand: () => number, count: number, slots: number): JobSpec[] {
  return Array.from({ length: count }, (_, j) => {
    const dur = H * (1 + Math.floor(rand() * 3)) - (rand() < 0.3 ? 1200 : 0);
    const es = T0 + H * Math.floor(rand() * (slots / 2));
    const slack = H * Math.floor(rand() * 4);
    return { id: `j${j}`, durationS: dur, earliestStart: es, deadline: Math.min(T0 + slots * H, es + Math.ceil(dur / H) * H + slack), powerW: 100 + Math.round(rand() * 400), units: rand() < 0.2 ? 2 : 1 };
  }).filter((j) => j.deadline >= j.earliestStart + Math.ceil(j.durationS / H) * H);
}

/** Exhaustive search over every combination of candidate starts. */
function exhaustive(inst: BatchInstance): number {
  let best = Infinity;
  const choice = new Int32Array(inst.jobs.length);
  const go = (j: number): void => {
    if (j === inst.jobs.length) {
      if (isFeasible(inst, choice)) best = Math.min(best, assignmentCost(inst, choice));
      return;
    }
    for (let c = 0; c < inst.jobs[j]!.starts.length; c++) {
      choice[j] = c;
      go(j + 1);
    }
  };
  go(0);
  return best;
}

describe('multi-job planning', () => {
  it('the MILP matches exhaustive search on tiny random instances, and the LP bounds it from below', async () => {
    const rand = createRng(3).next;
    let checked = 0;
    for (let trial = 0; trial < 25; trial++) {
      const slots = 8;
      const pts = series(Array.from({ length: slots }, () => Math.round(50 + rand() * 450)));
      const jobs = randomJobs(rand, 4, slots);
      const capacity = 2 + Math.floor(rand() * 2);
      const inst = buildBatchInstance(jobs.map(normalizeJob), intensityCurve(pts), capacity);
      const want = exhaustive(inst);
      if (want === Infinity) {
        await expect(solveBatchLp(inst, { integer: true })).rejects.toMatchObject({ field: 'capacity' });
        continue;
      }
      const got = await solveBatchLp(inst, { integer: true });
      expect(got.status).toBe('optimal');
      expect(isFeasible(inst, got.choice!)).toBe(true);
      expect(assignmentCost(inst, got.choice!)).toBeCloseTo(want, 6);
      const lp = await solveBatchLp(inst, { integer: false });
      expect(lp.objective).toBeLessThanOrEqual(want + 1e-6);
      const h = heuristicSchedule(inst, lp.fractional);
      if (h) {
        expect(isFeasible(inst, h)).toBe(true);
        expect(assignmentCost(inst, h)).toBeGreaterThanOrEqual(want - 1e-6);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('planBatch respects capacity and deadlines and reports the gap it claims', async () => {
    const rand = createRng(11).next;
    const slots = 48;
    const pts = series(Array.from({ length: slots }, (_, i) => 200 + 150 * Math.sin((2 * Math.PI * i) / 24) + rand() * 40));
    const jobs = Array.from({ length: 30 }, (_, j): JobSpec => {
      const es = T0 + H * Math.floor(rand() * 20);
      return { id: `j${j}`, durationS: H * (1 + Math.floor(rand() * 4)), earliestStart: es, deadline: es + 24 * H, powerW: 300 };
    });
    const exact = await planBatch(jobs, pts, { capacity: 4, method: 'milp' });
    const heur = await planBatch(jobs, pts, { capacity: 4, method: 'heuristic' });
    expect(exact.status).toBe('optimal');
    expect(heur.status).toBe('heuristic');
    for (const plan of [exact, heur]) {
      expect(plan.plans).toHaveLength(30);
      plan.plans.forEach((p, j) => {
        expect(p.id).toBe(`j${j}`);
        expect(p.start).toBeGreaterThanOrEqual(jobs[j]!.earliestStart);
        expect(p.end).toBeLessThanOrEqual(jobs[j]!.deadline);
      });
      for (let u = 0; u < slots; u++) {
        const t = T0 + u * H;
        expect(plan.plans.filter((p) => p.start <= t && t < p.end).length).toBeLessThanOrEqual(4);
      }
      expect(plan.emissionsG).toBeCloseTo(plan.objective, 6);
      expect(plan.emissionsG).toBeLessThanOrEqual(plan.baselineEmissionsG);
    }
    expect(heur.objective).toBeGreaterThanOrEqual(exact.objective - 1e-6);
    expect(heur.gap).toBeCloseTo((heur.objective - heur.lowerBound) / heur.lowerBound, 12);
    expect(heur.lowerBound).toBeLessThanOrEqual(exact.objective + 1e-6);
    expect((heur.objective - exact.objective) / exact.objective).toBeLessThanOrEqual(heur.gap + 1e-12);
  });

  it('capacity really binds: with one unit the jobs cannot all take the clean hour', async () => {
    const pts = series([500, 10, 500, 500]);
    const jobs = [0, 1].map((j): JobSpec => ({ id: `j${j}`, durationS: H, earliestStart: T0, deadline: T0 + 4 * H, powerW: 1000 }));
    const one = await planBatch(jobs, pts, { capacity: 1 });
    expect(one.emissionsG).toBeCloseTo(510, 6);
    expect(new Set(one.plans.map((p) => p.start)).size).toBe(2);
    const two = await planBatch(jobs, pts, { capacity: 2 });
    expect(two.emissionsG).toBeCloseTo(20, 6);
  });

  it('names the capacity when the jobs cannot fit, and the deadline when a job has no grid start', async () => {
    const pts = series([1, 1, 1]);
    const jobs = [0, 1].map((): JobSpec => ({ durationS: 2 * H, earliestStart: T0, deadline: T0 + 3 * H, powerW: 1 }));
    await expect(planBatch(jobs, pts, { capacity: 1 })).rejects.toMatchObject({ field: 'capacity' });
    const off = [{ durationS: H, earliestStart: T0 + 600, deadline: T0 + H + 1200, powerW: 1 }];
    const err = await planBatch(off, pts, { capacity: 1 }).catch((e: unknown) => e);
    expect(isVerdantError(err) && err.field).toBe('jobs[0].deadline');
  });
});
