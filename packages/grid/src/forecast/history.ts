import { invalidInput, toIso, type IntensityPoint } from '@verdant/core';

/** History on a dense grid: gaps become NaN so seasonal lags stay index arithmetic. */
export interface DenseHistory {
  t0: number;
  res: number;
  values: Float64Array;
  /** Steps per day and per week at this resolution. */
  day: number;
  week: number;
  template: IntensityPoint;
}

export function denseHistory(history: readonly IntensityPoint[], field = 'history'): DenseHistory {
  const first = history[0];
  if (!first) throw invalidInput(field, 'the history is empty', 'give at least a day of hourly intensity points');
  const res = first.resolutionS;
  if (!(res > 0) || 86400 % res !== 0) {
    throw invalidInput(field, `resolution ${res}s does not divide a day`, 'resample to 5 min, 15 min, 30 min or 1 h');
  }
  const last = history[history.length - 1]!;
  const n = Math.round((last.t - first.t) / res) + 1;
  const values = new Float64Array(n).fill(NaN);
  let prevT = -Infinity;
  for (const p of history) {
    if (p.resolutionS !== res) throw invalidInput(field, `mixed resolutions (${res}s and ${p.resolutionS}s at ${toIso(p.t)})`, 'resample to one resolution');
    if (p.t <= prevT) throw invalidInput(field, `points are not in increasing time order at ${toIso(p.t)}`, 'sort the points and drop duplicates');
    const i = (p.t - first.t) / res;
    if (Math.abs(i - Math.round(i)) > 1e-6) throw invalidInput(field, `${toIso(p.t)} is off the ${res}s grid`, 'align the points to the resolution');
    prevT = p.t;
    values[Math.round(i)] = Number.isFinite(p.gPerKwh) ? p.gPerKwh : NaN;
  }
  return { t0: first.t, res, values, day: 86400 / res, week: 604800 / res, template: last };
}
