import { invalidInput, joulesToKwh, toIso } from '@verdant/core';
import type { StepCurve } from './series.js';
import type { NormalizedJob } from './validate.js';

/** One job's options in a batch: start slots it may take and the objective cost of each. */
export interface BatchJob {
  job: NormalizedJob;
  /** Slots the job occupies once started (ceil(duration / resolution)). */
  len: number;
  /** Candidate start slots, ascending. */
  starts: Int32Array;
  /** Objective cost of each candidate start. */
  costs: Float64Array;
}

/** A capacity-constrained batch on the series grid: at most `capacity` units busy in any slot. */
export interface BatchInstance {
  t0: number;
  res: number;
  nSlots: number;
  capacity: number;
  jobs: BatchJob[];
}

/** Builds the discrete instance: starts on the series grid, windows honoured, costs from the weight curve. */
export function buildBatchInstance(jobs: readonly NormalizedJob[], weight: StepCurve, capacity: number): BatchInstance {
  if (!Number.isInteger(capacity) || capacity < 1) throw invalidInput('capacity', `must be a positive integer, got ${capacity}`);
  const res = weight.res;
  const out: BatchJob[] = jobs.map((job, j) => {
    const name = job.id ?? `jobs[${j}]`;
    if (job.units > capacity) throw invalidInput(`${name}.units`, `needs ${job.units} units but the capacity is ${capacity}`, 'raise the capacity or split the job');
    const len = Math.ceil(job.durationS / res - 1e-9);
    const first = Math.max(0, Math.ceil((job.earliestStart - weight.t0) / res - 1e-9));
    const last = Math.floor((job.deadline - job.durationS - weight.t0) / res + 1e-9);
    if (last < first) {
      throw invalidInput(
        `${name}.deadline`,
        `${name} has no start on the ${res}s grid between ${toIso(job.earliestStart)} and ${toIso(job.deadline)}`,
        `set its deadline to ${toIso(weight.t0 + first * res + job.durationS)} or later`,
      );
    }
    const starts = new Int32Array(last - first + 1);
    const costs = new Float64Array(last - first + 1);
    for (let t = first; t <= last; t++) {
      const a = weight.t0 + t * res;
      starts[t - first] = t;
      costs[t - first] = joulesToKwh(job.powerW * weight.integral(a, a + job.durationS));
    }
    return { job, len, starts, costs };
  });
  return { t0: weight.t0, res, nSlots: weight.length, capacity, jobs: out };
}

/** Objective of an assignment (index into each job's candidate list). */
export function assignmentCost(inst: BatchInstance, choice: ArrayLike<number>): number {
  let sum = 0;
  for (let j = 0; j < inst.jobs.length; j++) sum += inst.jobs[j]!.costs[choice[j]!]!;
  return sum;
}

/** True when the assignment never uses more than the capacity in a slot. */
export function isFeasible(inst: BatchInstance, choice: ArrayLike<number>): boolean {
  const load = new Int32Array(inst.nSlots);
  for (let j = 0; j < inst.jobs.length; j++) {
    const bj = inst.jobs[j]!;
    const s = bj.starts[choice[j]!]!;
    for (let u = s; u < s + bj.len; u++) if ((load[u] = load[u]! + bj.job.units) > inst.capacity) return false;
  }
  return true;
}
