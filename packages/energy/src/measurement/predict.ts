import type { IntensityLookup } from '@verdant/core';
import { emissionsG } from '@verdant/core';

export interface Prediction {
  /** Fraction done when the prediction was made. */
  fraction: number;
  total_duration_s: number;
  remaining_s: number;
  total_energy_j: number;
  total_emissions_g: number;
  /** Wall-clock time at which the run should end, epoch seconds. */
  eta: number;
}

/** Below this much progress a prediction is mostly noise (start-up costs dominate), so none is made. */
export const MIN_FRACTION_FOR_PREDICTION = 0.02;

/**
 * Predicts the run's totals from its progress, as Carbontracker does after its first epochs: the time and
 * energy per unit of progress so far extrapolate to the rest, and the remaining energy is charged at the
 * intensity expected over the remaining hours (the trace or forecast where the lookup knows it).
 */
export function predict(opts: {
  fraction: number;
  startedAt: number;
  now: number;
  energyJ: number;
  emissionsG: number;
  lookup: IntensityLookup;
}): Prediction | undefined {
  const { fraction, startedAt, now } = opts;
  if (fraction < MIN_FRACTION_FOR_PREDICTION) return undefined;
  const elapsed = now - startedAt;
  if (elapsed <= 0) return undefined;
  const total = elapsed / fraction;
  const remaining = Math.max(0, total - elapsed);
  const totalEnergy = opts.energyJ / fraction;
  const remainingEnergy = Math.max(0, totalEnergy - opts.energyJ);
  // Spread the remaining energy evenly over the remaining time, in up to 48 steps.
  const steps = remaining > 0 ? Math.min(48, Math.max(1, Math.ceil(remaining / 1800))) : 0;
  let futureG = 0;
  for (let i = 0; i < steps; i++) {
    const mid = now + ((i + 0.5) * remaining) / steps;
    futureG += emissionsG(remainingEnergy / steps, opts.lookup.at(mid));
  }
  return {
    fraction,
    total_duration_s: total,
    remaining_s: remaining,
    total_energy_j: totalEnergy,
    total_emissions_g: opts.emissionsG + futureG,
    eta: now + remaining,
  };
}
