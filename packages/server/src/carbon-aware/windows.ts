import type { IntensityPoint } from '@verdant/core';

/** The SDK's EmissionsDataDTO: a forecast value over [timestamp, timestamp + duration minutes). */
export interface EmissionsDataDto {
  location: string;
  timestamp: string;
  duration: number;
  value: number;
}

/** Time-weighted mean of a step series over [from, to); NaN where the points do not cover it all. */
export function meanOver(points: readonly IntensityPoint[], from: number, to: number): number {
  let sum = 0;
  let covered = 0;
  for (const p of points) {
    const overlap = Math.min(to, p.t + p.resolutionS) - Math.max(from, p.t);
    if (overlap <= 0) continue;
    sum += p.gPerKwh * overlap;
    covered += overlap;
  }
  return covered >= to - from - 1e-6 && covered > 0 ? sum / covered : NaN;
}

/** Mean over whatever part of [from, to) the points cover (the SDK's average-carbon-intensity); NaN for none. */
export function coveredMean(points: readonly IntensityPoint[], from: number, to: number): number {
  let sum = 0;
  let covered = 0;
  for (const p of points) {
    const overlap = Math.min(to, p.t + p.resolutionS) - Math.max(from, p.t);
    if (overlap <= 0) continue;
    sum += p.gPerKwh * overlap;
    covered += overlap;
  }
  return covered > 0 ? sum / covered : NaN;
}

export interface RollingWindows {
  dataStartAt: number;
  dataEndAt: number;
  windowS: number;
  forecastData: Array<{ t: number; value: number }>;
  optimal: Array<{ t: number; value: number }>;
}

/**
 * The SDK's forecast transformation: a window of `windowS` starting at dataStartAt and at every point start
 * after it, kept while it ends by dataEndAt (and by the end of the data); each window's value is the
 * time-weighted mean intensity over it. The optimal points are every window with the lowest value, in time order.
 */
export function rollingWindows(points: readonly IntensityPoint[], dataStartAt: number, dataEndAt: number, windowS: number): RollingWindows {
  const last = points[points.length - 1];
  const end = Math.min(dataEndAt, last ? last.t + last.resolutionS : dataStartAt);
  const starts = [dataStartAt, ...points.map((p) => p.t).filter((t) => t > dataStartAt)];
  const forecastData: Array<{ t: number; value: number }> = [];
  for (const t of starts) {
    if (t + windowS > end + 1e-6 || t >= end) break;
    const value = windowS > 0 ? meanOver(points, t, t + windowS) : (points.find((p) => p.t <= t && t < p.t + p.resolutionS)?.gPerKwh ?? NaN);
    if (!Number.isNaN(value)) forecastData.push({ t, value });
  }
  const min = Math.min(...forecastData.map((d) => d.value));
  const optimal = forecastData.filter((d) => d.value <= min + 1e-9 * Math.max(1, Math.abs(min)));
  return { dataStartAt, dataEndAt, windowS, forecastData, optimal };
}
