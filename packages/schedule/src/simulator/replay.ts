import { planJobOnCurve, type Chunk, type Interruptible, type StepCurve } from '../planner/index.js';
import type { SimJob } from './workloads.js';

/** Totals of one replay, as ∫ intensity dt summed over jobs, in (gCO2e/kWh)·s (× power W / 3.6e6 = grams). */
export interface ReplayTotals {
  jobs: number;
  baseline: number;
  shifted: number;
}

/** What the scheduler decided for one job (kept only when a caller asks for it, e.g. in tests). */
export interface JobDecision {
  job: SimJob;
  chunks: Chunk[];
}

/**
 * Replays jobs: each is planned by the single-job planner on the (possibly noisy) forecast and then measured on
 * the true curve, as is the baseline run at its nominal start. Constant power cancels out of the savings ratio.
 */
export function replay(
  jobs: readonly SimJob[],
  truth: StepCurve,
  forecast: StepCurve,
  zone: string,
  interruptible: Interruptible | false,
  onDecision?: (d: JobDecision) => void,
): ReplayTotals {
  let baseline = 0;
  let shifted = 0;
  for (const job of jobs) {
    const plan = planJobOnCurve(
      { durationS: job.durationS, earliestStart: job.earliestS, deadline: job.deadlineS, powerW: 1, interruptible },
      forecast,
      zone,
    );
    baseline += truth.integral(job.nominalStartS, job.nominalStartS + job.durationS);
    for (const c of plan.chunks) shifted += truth.integral(c.start, c.end);
    onDecision?.({ job, chunks: plan.chunks });
  }
  return { jobs: jobs.length, baseline, shifted };
}
