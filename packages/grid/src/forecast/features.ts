import type { DenseHistory } from './history.js';

/** Number of regression features: level, daily profile, weekly lag, profile at the origin, intercept. */
export const FEATURES = 5;
/** Days averaged into the daily profile. */
const PROFILE_DAYS = 7;

/** Last finite value at or before index i (NaN if none). */
export function levelAt(v: Float64Array, i: number): number {
  for (let k = i; k >= 0; k--) if (!Number.isNaN(v[k]!)) return v[k]!;
  return NaN;
}

/** Mean of the same time of day over the latest PROFILE_DAYS days observed by `last`, for target index tau. */
export function dailyProfile(h: DenseHistory, tau: number, last: number): number {
  const v = h.values;
  let k = Math.max(1, Math.ceil((tau - last) / h.day));
  let sum = 0;
  let n = 0;
  for (let d = 0; d < PROFILE_DAYS; d++, k++) {
    const i = tau - k * h.day;
    if (i < 0) break;
    const x = v[i]!;
    if (!Number.isNaN(x)) {
      sum += x;
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

/** Same time of the week on the latest week observed by `last`. */
export function weeklyLag(h: DenseHistory, tau: number, last: number): number {
  const i = tau - Math.max(1, Math.ceil((tau - last) / h.week)) * h.week;
  return i >= 0 ? h.values[i]! : NaN;
}

/** Same time of day on the latest day observed by `last` (the seasonal-naive forecast). */
export function dailyLag(h: DenseHistory, tau: number, last: number): number {
  const i = tau - Math.max(1, Math.ceil((tau - last) / h.day)) * h.day;
  return i >= 0 ? h.values[i]! : NaN;
}

/**
 * Features for predicting index tau from data up to index `last` into `out`; false when the level or the
 * profile is unknown. A missing weekly lag falls back to the daily profile.
 */
export function features(h: DenseHistory, tau: number, last: number, level: number, profileNow: number, out: Float64Array): boolean {
  const prof = dailyProfile(h, tau, last);
  if (Number.isNaN(level) || Number.isNaN(prof) || Number.isNaN(profileNow)) return false;
  const week = weeklyLag(h, tau, last);
  out[0] = level;
  out[1] = prof;
  out[2] = Number.isNaN(week) ? prof : week;
  out[3] = profileNow;
  out[4] = 1;
  return true;
}
