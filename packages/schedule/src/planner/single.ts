import { buildCostCurves } from './objective.js';
import { bestChunkedSchedule } from './interruptible.js';
import { bestContiguousStart } from './contiguous.js';
import { reportPlan } from './report.js';
import { intensityCurve, requireCoverage, type StepCurve } from './series.js';
import { normalizeJob } from './validate.js';
import type { Chunk, IntensityPoint, JobPlan, JobSpec, PlanOptions } from './types.js';

/**
 * Plans one job on one zone's intensity series (any fixed resolution; epoch seconds throughout).
 * Non-interruptible: the optimal start in continuous time. Interruptible: the optimal chunk set on a slot grid
 * (exact DP; grids anchored at the earliest start and at the next series step), or the best single run if
 * cheaper. Throws VerdantError on bad input.
 */
export function planJob(job: JobSpec, series: readonly IntensityPoint[], options: PlanOptions = {}): JobPlan {
  const curve = intensityCurve(series);
  return planJobOnCurve(job, curve, series[0]!.zone, options);
}

/** As planJob, with the series already validated (planAcrossZones and the simulator reuse curves). */
export function planJobOnCurve(spec: JobSpec, curve: StepCurve, zone: string, options: PlanOptions = {}): JobPlan {
  const job = normalizeJob(spec);
  requireCoverage(curve, job.earliestStart, job.deadline);
  const objective = options.objective ?? 'carbon';
  const curves = buildCostCurves(curve, objective, options.prices, job.earliestStart, job.deadline);
  const single = bestContiguousStart(curves.weight, job.durationS, job.earliestStart, job.deadline);
  let chunks: Chunk[] = [{ start: single.start, end: single.start + job.durationS }];
  if (job.interruptible) {
    // Two slot grids: one anchored at the earliest start, one at the series' next step boundary (so chunks
    // can line up with the steps when the earliest start does not).
    const res = curve.res;
    const boundary = curve.t0 + Math.ceil((job.earliestStart - curve.t0) / res - 1e-9) * res;
    const anchors = boundary > job.earliestStart + 1e-9 && boundary < job.deadline ? [job.earliestStart, boundary] : [job.earliestStart];
    let bestCost = single.cost;
    for (const from of anchors) {
      const chunked = bestChunkedSchedule(curves.weight, {
        durationS: job.durationS,
        from,
        to: job.deadline,
        minChunkS: job.minChunkS,
        pauseOverheadS: job.pauseOverheadS,
      });
      if (chunked && chunked.cost < bestCost - 1e-9 * Math.abs(bestCost)) {
        bestCost = chunked.cost;
        chunks = chunked.chunks;
      }
    }
  }
  return reportPlan(job, zone, chunks, curves, objective);
}
