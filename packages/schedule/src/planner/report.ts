import { joulesToKwh } from '@verdant/core';
import type { CostCurves } from './objective.js';
import type { NormalizedJob } from './validate.js';
import type { Chunk, JobPlan, Objective } from './types.js';

const sumOver = (chunks: readonly Chunk[], f: (a: number, b: number) => number): number =>
  chunks.reduce((acc, c) => acc + f(c.start, c.end), 0);

/** Scores chunks against the baseline (uninterrupted from the earliest start). */
export function reportPlan(job: NormalizedJob, zone: string, chunks: Chunk[], curves: CostCurves, objective: Objective): JobPlan {
  const baseline: Chunk[] = [{ start: job.earliestStart, end: job.earliestStart + job.durationS }];
  const runS = sumOver(chunks, (a, b) => b - a);
  const energyJ = job.powerW * runS;
  // Power is constant while running: g = kWh-weighted intensity = P * integral(g/kWh dt) / 3.6e6.
  const gOf = (cs: readonly Chunk[]): number => joulesToKwh(job.powerW * sumOver(cs, (a, b) => curves.intensity.integral(a, b)));
  const plan = gOf(chunks);
  const base = gOf(baseline);
  const out: JobPlan = {
    zone,
    start: chunks[0]!.start,
    end: chunks[chunks.length - 1]!.end,
    chunks,
    energyJ,
    emissionsG: plan,
    baselineEmissionsG: base,
    savingG: base - plan,
    savingFraction: base > 0 ? (base - plan) / base : 0,
    objective,
  };
  if (job.id !== undefined) out.id = job.id;
  if (curves.prices) {
    const prices = curves.prices;
    const costOf = (cs: readonly Chunk[]): number => joulesToKwh(job.powerW * sumOver(cs, (a, b) => prices.integral(a, b)));
    out.cost = costOf(chunks);
    out.baselineCost = costOf(baseline);
  }
  return out;
}
