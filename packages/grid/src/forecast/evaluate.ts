import { invalidInput, type IntensityPoint } from '@verdant/core';
import { persistenceForecast, seasonalNaiveForecast } from './baselines.js';
import { forecast } from './seasonal.js';

export type Forecaster = (history: readonly IntensityPoint[], horizonS: number) => IntensityPoint[];

export interface EvaluationOptions {
  /** Horizons to score, seconds; each is scored over every step from 1 to the horizon. Default [24 h, 72 h]. */
  horizonsS?: number[];
  /** Distance between forecast origins. Default one day. */
  originStepS?: number;
  /** History before the first origin. Default 28 days. */
  warmupS?: number;
  /** History handed to each forecast (the most recent part). Default 70 days. */
  historyS?: number;
  /** Actual values below this are left out of MAPE (it explodes near zero). Default 1 g/kWh. */
  minActual?: number;
  /** Models to compare; default seasonal (this package), persistence and seasonal naive. */
  models?: Record<string, Forecaster>;
}

export interface HorizonScore {
  horizonS: number;
  /** Number of forecast origins. */
  origins: number;
  /** Mean absolute percentage error per model, percent. */
  mape: Record<string, number>;
}

export const DEFAULT_MODELS: Record<string, Forecaster> = {
  seasonal: (h, s) => forecast(h, s),
  persistence: persistenceForecast,
  seasonalNaive: seasonalNaiveForecast,
};

/** Index of the first point at or after t (points sorted). */
function lowerBound(points: readonly IntensityPoint[], t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rolling-origin evaluation: from each origin, every model forecasts from the history before it and is scored
 * by MAPE against the trace over 1..H steps for each horizon H.
 */
export function evaluateForecasts(points: readonly IntensityPoint[], opts: EvaluationOptions = {}): HorizonScore[] {
  const horizons = opts.horizonsS ?? [86400, 3 * 86400];
  const maxH = Math.max(...horizons);
  const step = opts.originStepS ?? 86400;
  const warmup = opts.warmupS ?? 28 * 86400;
  const historyS = opts.historyS ?? 70 * 86400;
  const minActual = opts.minActual ?? 1;
  const models = opts.models ?? DEFAULT_MODELS;
  if (points.length === 0) throw invalidInput('trace', 'no points to evaluate');
  const end = points[points.length - 1]!.t + points[points.length - 1]!.resolutionS;
  const sums = horizons.map(() => Object.fromEntries(Object.keys(models).map((m) => [m, { ape: 0, n: 0 }])));
  let origins = 0;
  for (let o = points[0]!.t + warmup; o + maxH <= end; o += step) {
    const from = lowerBound(points, o - historyS);
    const at = lowerBound(points, o);
    const history = points.slice(from, at);
    const actual = points.slice(at, lowerBound(points, o + maxH));
    origins++;
    for (const [name, model] of Object.entries(models)) {
      const fc = model(history, maxH);
      for (let i = 0; i < actual.length && i < fc.length; i++) {
        const a = actual[i]!.gPerKwh;
        if (!(a >= minActual)) continue;
        const ape = (Math.abs(fc[i]!.gPerKwh - a) / a) * 100;
        const aheadS = actual[i]!.t - o + actual[i]!.resolutionS;
        horizons.forEach((hS, k) => {
          if (aheadS <= hS + 1e-9) {
            sums[k]![name]!.ape += ape;
            sums[k]![name]!.n++;
          }
        });
      }
    }
  }
  return horizons.map((horizonS, k) => ({
    horizonS,
    origins,
    mape: Object.fromEntries(Object.entries(sums[k]!).map(([m, s]) => [m, s.n ? s.ape / s.n : NaN])),
  }));
}
