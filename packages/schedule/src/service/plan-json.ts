import { toIso } from '@verdant/core';
import type { PlanResult, ZonePlan } from './plan-request.js';

/** A zone's plan as JSON for the CLI and the HTTP API: ISO times, SI units, snake_case. */
export function zonePlanJson(p: ZonePlan): Record<string, unknown> {
  return {
    zone: p.zone,
    start: toIso(p.start),
    end: toIso(p.end),
    chunks: p.chunks.map((c) => ({ start: toIso(c.start), end: toIso(c.end) })),
    energy_j: p.energyJ,
    emissions_g: p.emissionsG,
    baseline_emissions_g: p.baselineEmissionsG,
    saving_g: p.savingG,
    saving_fraction: p.savingFraction,
    mean_intensity_g_per_kwh: p.meanIntensityGPerKwh,
    baseline_intensity_g_per_kwh: p.baselineIntensityGPerKwh,
    ...(p.cost !== undefined ? { cost: p.cost, baseline_cost: p.baselineCost ?? null } : {}),
    source: { name: p.source.name, link: p.source.link, provider: p.source.provider, age_s: p.source.ageS },
  };
}

/** The whole result: the planned window, the best plan, every zone's plan (best first) and notes. */
export function planResultJson(r: PlanResult): Record<string, unknown> {
  return { earliest_start: toIso(r.earliestStart), deadline: toIso(r.deadline), best: zonePlanJson(r.best), plans: r.all.map(zonePlanJson), notes: r.notes };
}
