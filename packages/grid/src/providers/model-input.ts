import type { IntensityPoint } from '@verdant/core';

type Cached = IntensityPoint & { fetchedAt: number };

/**
 * Turns cached rows into the history a forecast model accepts: measured points of the most common
 * resolution only, one per start time (the most recently fetched), sorted, on that resolution's grid.
 * Rows from several providers for one zone may overlap; mixed resolutions cannot be modelled together.
 */
export function modelHistory(rows: readonly Cached[]): Cached[] {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r.resolutionS, (counts.get(r.resolutionS) ?? 0) + 1);
  let res = 0;
  let best = 0;
  for (const [k, n] of counts) if (n > best) [res, best] = [k, n];
  const byT = new Map<number, Cached>();
  for (const r of rows) {
    if (r.resolutionS !== res) continue;
    const seen = byT.get(r.t);
    if (!seen || r.fetchedAt > seen.fetchedAt) byT.set(r.t, r);
  }
  const sorted = [...byT.values()].sort((a, b) => a.t - b.t);
  const t0 = sorted[0]?.t ?? 0;
  return sorted.filter((r) => Math.abs((r.t - t0) / res - Math.round((r.t - t0) / res)) < 1e-6);
}
