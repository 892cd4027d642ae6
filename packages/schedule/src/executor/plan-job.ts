import { isVerdantError, joulesToKwh, stepLookup, toIso, type IntensityPoint } from '@verdant/core';
import { planJob } from '../planner/index.js';
import type { JobPlanSummary } from '../queue/record.js';
import type { JobRequest } from '../queue/request.js';
import { DEFAULT_LOOKAHEAD_S, NOMINAL_POWER_W } from '../service/plan-request.js';
import type { IntensitySource } from './intensity-source.js';

/**
 * Plans when a submitted job should start: the planner's best contiguous window between the earliest start
 * and the deadline (or the default horizon), over the part of the window the series covers. With no usable
 * series the job starts at its earliest start, and the plan says why.
 */
export async function planSubmission(spec: JobRequest, source: IntensitySource | undefined, now: number): Promise<JobPlanSummary> {
  const earliest = Math.max(spec.earliestStart, now);
  const windowEnd = spec.deadline ?? earliest + DEFAULT_LOOKAHEAD_S + spec.durationS;
  const asap = (why: string): JobPlanSummary => ({
    plannedStart: earliest,
    plannedEnd: earliest + spec.durationS,
    zone: spec.zone,
    source: 'none',
    note: `not planned: ${why}; starts at the earliest start`,
  });
  if (!source) return asap('no intensity source');
  let points: IntensityPoint[];
  try {
    points = await source.series(spec.zone, earliest, windowEnd);
  } catch (e) {
    return asap(`no intensity data for ${spec.zone} (${e instanceof Error ? e.message : String(e)})`);
  }
  if (points.length === 0) return asap(`${source.name} has no intensity data for ${spec.zone} from ${toIso(earliest)} to ${toIso(windowEnd)}`);
  if (points[0]!.t > earliest) return asap(`the intensity data for ${spec.zone} from ${source.name} starts at ${toIso(points[0]!.t)}, after the earliest start`);
  const last = points[points.length - 1]!;
  const end = Math.min(windowEnd, last.t + last.resolutionS);
  if (end < earliest + spec.durationS) return asap(`the intensity data for ${spec.zone} from ${source.name} ends at ${toIso(end)}, before the job could finish`);
  try {
    const plan = planJob(
      { durationS: spec.durationS, earliestStart: earliest, deadline: end, powerW: spec.powerW ?? NOMINAL_POWER_W, interruptible: false },
      points,
    );
    const kwh = joulesToKwh(plan.energyJ);
    const summary: JobPlanSummary = {
      plannedStart: plan.start,
      plannedEnd: plan.end,
      zone: spec.zone,
      source: stepLookup(points, plan.start).source || source.name,
      ...(kwh > 0 ? { meanIntensityG: plan.emissionsG / kwh, baselineIntensityG: plan.baselineEmissionsG / kwh } : {}),
      savingFraction: plan.savingFraction,
    };
    if (spec.powerW !== undefined) {
      summary.emissionsG = plan.emissionsG;
      summary.baselineEmissionsG = plan.baselineEmissionsG;
      summary.savingG = plan.savingG;
    }
    return summary;
  } catch (e) {
    if (isVerdantError(e)) return asap(`the intensity data for ${spec.zone} from ${points[0]!.source || source.name} cannot be planned over (${e.message})`);
    throw e;
  }
}
