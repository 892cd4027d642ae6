import { invalidInput, VerdantError } from '@verdant/core';
import { assignmentCost, buildBatchInstance, type BatchInstance } from './batch-model.js';
import { heuristicSchedule } from './heuristic.js';
import { solveBatchLp } from './milp.js';
import { buildCostCurves } from './objective.js';
import { reportPlan } from './report.js';
import { intensityCurve, requireCoverage } from './series.js';
import { normalizeJob } from './validate.js';
import type { IntensityPoint, JobPlan, JobSpec, PlanOptions } from './types.js';

export interface BatchOptions extends PlanOptions {
  /** Units (GPUs, slots) available in every time slot. */
  capacity: number;
  /** 'auto' (default): the MILP up to `milpMaxVariables` start variables, the heuristic beyond. */
  method?: 'auto' | 'milp' | 'heuristic';
  milpMaxVariables?: number;
  /** Wall-clock limit for the MILP, seconds (default 60); past it the best plan found is returned. */
  timeLimitS?: number;
}

export interface BatchPlan {
  method: 'milp' | 'heuristic';
  /** 'optimal': proven optimum; 'time-limit': MILP stopped early; 'heuristic': no proof. */
  status: 'optimal' | 'time-limit' | 'heuristic';
  /** One plan per job, in input order. Jobs start on the series grid and run uninterrupted. */
  plans: JobPlan[];
  /** Objective value of the plan (g CO2e for 'carbon', currency for 'cost', unitless for a mix). */
  objective: number;
  /** Lower bound: the MILP optimum when proven, else the LP relaxation. */
  lowerBound: number;
  /** (objective - lowerBound) / lowerBound: 0 when proven optimal. */
  gap: number;
  emissionsG: number;
  baselineEmissionsG: number;
}

const DEFAULT_MILP_MAX_VARIABLES = 6000;

/** Plans many non-interruptible jobs that share a capacity on one zone's series. */
export async function planBatch(jobs: readonly JobSpec[], series: readonly IntensityPoint[], options: BatchOptions): Promise<BatchPlan> {
  if (jobs.length === 0) throw invalidInput('jobs', 'no jobs to plan', 'give at least one job');
  const curve = intensityCurve(series);
  const norm = jobs.map(normalizeJob);
  const from = Math.min(...norm.map((j) => j.earliestStart));
  const to = Math.max(...norm.map((j) => j.deadline));
  requireCoverage(curve, from, to);
  const objective = options.objective ?? 'carbon';
  const curves = buildCostCurves(curve, objective, options.prices, from, to);
  const inst = buildBatchInstance(norm, curves.weight, options.capacity);
  const vars = inst.jobs.reduce((a, bj) => a + bj.starts.length, 0);
  const method = options.method ?? 'auto';
  const useMilp = method === 'milp' || (method === 'auto' && vars <= (options.milpMaxVariables ?? DEFAULT_MILP_MAX_VARIABLES));

  let choice: Int32Array;
  let status: BatchPlan['status'];
  let lowerBound: number;
  if (useMilp) {
    const exact = await solveBatchLp(inst, { integer: true, timeLimitS: options.timeLimitS ?? 60 });
    choice = exact.choice!;
    status = exact.status;
    lowerBound = exact.status === 'optimal' ? exact.objective : (await solveBatchLp(inst, { integer: false })).objective;
  } else {
    const relaxed = await solveBatchLp(inst, { integer: false });
    lowerBound = relaxed.objective;
    choice = bestHeuristic(inst, relaxed.fractional!);
    status = 'heuristic';
  }
  const value = assignmentCost(inst, choice);
  const plans = inst.jobs.map((bj, j) => {
    const start = inst.t0 + bj.starts[choice[j]!]! * inst.res;
    return reportPlan(bj.job, series[0]!.zone, [{ start, end: start + bj.job.durationS }], curves, objective);
  });
  return {
    method: useMilp ? 'milp' : 'heuristic',
    status,
    plans,
    objective: value,
    lowerBound,
    gap: status === 'optimal' ? 0 : lowerBound > 0 ? (value - lowerBound) / lowerBound : 0,
    emissionsG: plans.reduce((a, p) => a + p.emissionsG, 0),
    baselineEmissionsG: plans.reduce((a, p) => a + p.baselineEmissionsG, 0),
  };
}

/** LP rounding and plain greedy, each improved by local search; the cheaper wins. */
function bestHeuristic(inst: BatchInstance, lp: Float64Array[]): Int32Array {
  const candidates = [heuristicSchedule(inst, lp), heuristicSchedule(inst)].filter((c): c is Int32Array => c !== undefined);
  if (candidates.length === 0) {
    throw new VerdantError('the heuristic could not fit every job into the capacity', {
      field: 'capacity',
      fix: "raise the capacity, widen deadlines, or use the method 'milp' to decide feasibility exactly",
      exitCode: 2,
    });
  }
  return candidates.reduce((a, b) => (assignmentCost(inst, b) < assignmentCost(inst, a) ? b : a));
}
