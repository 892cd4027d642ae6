import type { IntensityPoint } from '@verdant/core';
import { denseHistory } from './history.js';
import { dailyLag, levelAt } from './features.js';

/** Points after the history's end, each from `value(step)`. */
function project(history: readonly IntensityPoint[], horizonS: number, source: string, value: (s: number, last: number) => number): IntensityPoint[] {
  const h = denseHistory(history);
  const last = h.values.length - 1;
  const origin = h.t0 + (last + 1) * h.res;
  const steps = Math.ceil(horizonS / h.res - 1e-9);
  const { zone, signal } = h.template;
  return Array.from({ length: steps }, (_, i) => ({
    zone, t: origin + i * h.res, resolutionS: h.res, gPerKwh: value(i + 1, last), signal, source, generatedAt: origin,
  }));
}

/** Naive persistence: the last observed value held flat. */
export function persistenceForecast(history: readonly IntensityPoint[], horizonS: number): IntensityPoint[] {
  const v = denseHistory(history).values;
  const level = levelAt(v, v.length - 1);
  return project(history, horizonS, 'model:persistence', () => level);
}

/** Seasonal naive: the same time of day on the latest observed day. */
export function seasonalNaiveForecast(history: readonly IntensityPoint[], horizonS: number): IntensityPoint[] {
  const h = denseHistory(history);
  const level = levelAt(h.values, h.values.length - 1);
  return project(history, horizonS, 'model:seasonal-naive', (s, last) => {
    const v = dailyLag(h, last + s, last);
    return Number.isNaN(v) ? level : v;
  });
}
