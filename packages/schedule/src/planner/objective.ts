import { invalidInput } from '@verdant/core';
import { regularCurve, requireCoverage, StepCurve } from './series.js';
import type { Objective, PricePoint } from './types.js';

/** The curves a plan is scored with: the objective to minimise, and intensity/price for reporting. */
export interface CostCurves {
  intensity: StepCurve;
  prices?: StepCurve;
  /** What the planner minimises, on the intensity grid (per second of running at the job's power). */
  weight: StepCurve;
}

export function priceCurve(prices: readonly PricePoint[]): StepCurve {
  if (prices.length === 0) throw invalidInput('prices', 'the price series is empty', 'give at least one price point, or use the carbon objective');
  return regularCurve(prices.map((p) => ({ t: p.t, resolutionS: p.resolutionS, value: p.perKwh })), 'prices');
}

/** Price sampled at each intensity slot's start, so both curves share one grid. */
function pricesOnGrid(intensity: StepCurve, prices: StepCurve): StepCurve {
  return intensity.map((_, i) => prices.valueAt(intensity.t0 + i * intensity.res));
}

function validateWeights(o: { carbon: number; cost: number }): void {
  for (const k of ['carbon', 'cost'] as const) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw invalidInput(`objective.${k}`, `weight must be a non-negative number, got ${o[k]}`);
  }
  if (o.carbon + o.cost <= 0) throw invalidInput('objective', 'the weights are both zero', 'give carbon or cost a positive weight');
}

/**
 * Builds the objective curve. For a mix, each curve is divided by its mean over [from, to] so a weight of 1 on
 * each means "a 10% change in either counts the same".
 */
export function buildCostCurves(intensity: StepCurve, objective: Objective, prices: readonly PricePoint[] | undefined, from: number, to: number): CostCurves {
  const price = prices ? priceCurve(prices) : undefined;
  if (price) requireCoverage(price, from, to, 'prices');
  const onGrid = price ? pricesOnGrid(intensity, price) : undefined;
  if (objective === 'carbon') return { intensity, prices: onGrid, weight: intensity };
  if (!onGrid) throw invalidInput('prices', `the ${objective === 'cost' ? 'cost' : 'mixed'} objective needs a price series`, 'pass prices (currency per kWh) or use the carbon objective');
  if (objective === 'cost') return { intensity, prices: onGrid, weight: onGrid };
  validateWeights(objective);
  const mi = intensity.mean(from, to) || 1;
  const mp = onGrid.mean(from, to) || 1;
  const weight = intensity.map((v, i) => (objective.carbon * v) / mi + (objective.cost * onGrid.values[i]!) / mp);
  return { intensity, prices: onGrid, weight };
}
