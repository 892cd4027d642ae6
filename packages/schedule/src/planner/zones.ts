import { invalidInput } from '@verdant/core';
import { intensityCurve } from './series.js';
import { planJobOnCurve } from './single.js';
import type { IntensityPoint, JobPlan, JobSpec, PlanOptions } from './types.js';

export interface ZonePlans {
  /** The plan with the lowest objective (emissions for 'carbon', cost for 'cost'). */
  best: JobPlan;
  /** Every zone's plan, best first. */
  all: JobPlan[];
}

/**
 * Plans the job in every zone and picks the best zone and time. `seriesByZone` maps zone → its series;
 * `pricesByZone` optionally gives each zone its own price series (else options.prices applies to all).
 * The baseline of every plan is its own zone at the earliest start.
 */
export function planAcrossZones(
  job: JobSpec,
  seriesByZone: Readonly<Record<string, readonly IntensityPoint[]>>,
  options: PlanOptions & { pricesByZone?: Readonly<Record<string, PlanOptions['prices']>> } = {},
): ZonePlans {
  const zones = Object.keys(seriesByZone);
  if (zones.length === 0) throw invalidInput('zones', 'no zones to choose from', 'give at least one zone with its series');
  const objective = options.objective ?? 'carbon';
  const all = zones.map((zone) => {
    const prices = options.pricesByZone?.[zone] ?? options.prices;
    return planJobOnCurve(job, intensityCurve(seriesByZone[zone]!, `series.${zone}`), zone, { objective, prices });
  });
  // A mix is normalised across zones by the mean of each signal over all zones' baselines.
  const meanG = all.reduce((a, q) => a + q.baselineEmissionsG, 0) / all.length || 1;
  const meanC = all.reduce((a, q) => a + (q.baselineCost ?? 0), 0) / all.length || 1;
  const score = (p: JobPlan): number => {
    if (objective === 'carbon') return p.emissionsG;
    if (objective === 'cost') return p.cost ?? Infinity;
    return (objective.carbon * p.emissionsG) / meanG + (objective.cost * (p.cost ?? 0)) / meanC;
  };
  all.sort((a, b) => score(a) - score(b) || a.start - b.start);
  return { best: all[0]!, all };
}
