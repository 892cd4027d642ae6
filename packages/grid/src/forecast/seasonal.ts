import { invalidInput, type IntensityPoint } from '@verdant/core';
import { denseHistory, type DenseHistory } from './history.js';
import { dailyProfile, features, FEATURES, levelAt } from './features.js';
import { NormalEquations } from './least-squares.js';

export interface ForecastOptions {
  /** Days of history whose rolling origins fit the weights. Default 56. */
  trainDays?: number;
  /** Stamped on every point as generatedAt; default the end of the history. */
  generatedAt?: number;
}

export const SEASONAL_SOURCE = 'model:seasonal';

/** Upper edges (hours ahead) of the horizon buckets that get their own weights. */
const BUCKET_EDGES_H = [1, 3, 6, 12, 24, 48, 72, 120, 168, Infinity];
/** Used when a bucket has too little history to fit: mostly the daily profile, some week and level. */
const FALLBACK = Float64Array.from([0.25, 0.5, 0.25, 0, 0]);

const bucketOf = (hoursAhead: number): number => BUCKET_EDGES_H.findIndex((e) => hoursAhead <= e);

/**
 * Fits one weight vector per horizon bucket by least squares over rolling origins in the history: at each past
 * origin, predict every step up to the horizon from the data before it and regress on what happened.
 */
function fitWeights(h: DenseHistory, last: number, steps: number, trainDays: number): Float64Array[] {
  const eqs = BUCKET_EDGES_H.map(() => new NormalEquations(FEATURES));
  const stride = Math.max(1, Math.floor(h.day / 8));
  const x = new Float64Array(FEATURES);
  const firstOrigin = Math.max(h.day, last - trainDays * h.day);
  for (let o = last - 1; o >= firstOrigin; o -= stride) {
    const level = levelAt(h.values, o);
    const profileNow = dailyProfile(h, o, o - 1);
    for (let s = 1; s <= steps && o + s <= last; s++) {
      const y = h.values[o + s]!;
      if (Number.isNaN(y) || !features(h, o + s, o, level, profileNow, x)) continue;
      eqs[bucketOf((s * h.res) / 3600)]!.add(x, y);
    }
  }
  return eqs.map((eq) => (eq.rows >= 10 * FEATURES ? (eq.solve() ?? FALLBACK) : FALLBACK));
}

/**
 * Forecasts intensity for `horizonS` after the end of `history` with a seasonal regression: a blend of the
 * recent level, the 7-day mean profile for that time of day, the same time last week, and the profile at the
 * origin (so the blend can carry today's offset from the usual shape), weighted per horizon by least squares
 * on the history itself. Needs at least one day of history; points are stamped source "model:seasonal".
 */
export function forecast(history: readonly IntensityPoint[], horizonS: number, opts: ForecastOptions = {}): IntensityPoint[] {
  if (!Number.isFinite(horizonS) || horizonS <= 0) throw invalidInput('horizonS', `must be a positive duration, got ${horizonS}s`, 'e.g. 24h or 72h');
  const h = denseHistory(history);
  const last = h.values.length - 1;
  if (last + 1 < h.day) throw invalidInput('history', `needs at least one day of history, got ${((last + 1) * h.res) / 3600} h`, 'load a longer trace or history');
  const steps = Math.ceil(horizonS / h.res - 1e-9);
  const weights = fitWeights(h, last, steps, opts.trainDays ?? 56);
  const origin = h.t0 + (last + 1) * h.res;
  const generatedAt = opts.generatedAt ?? origin;
  const level = levelAt(h.values, last);
  const profileNow = dailyProfile(h, last, last - 1);
  const x = new Float64Array(FEATURES);
  const out: IntensityPoint[] = [];
  for (let s = 1; s <= steps; s++) {
    const tau = last + s;
    let y = level;
    if (features(h, tau, last, level, Number.isNaN(profileNow) ? level : profileNow, x)) {
      const w = weights[bucketOf((s * h.res) / 3600)]!;
      y = 0;
      for (let i = 0; i < FEATURES; i++) y += w[i]! * x[i]!;
    }
    const { zone, signal } = h.template;
    out.push({ zone, t: origin + (s - 1) * h.res, resolutionS: h.res, gPerKwh: Math.max(0, y), signal, source: SEASONAL_SOURCE, generatedAt });
  }
  return out;
}
