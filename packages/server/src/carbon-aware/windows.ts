import type { IntensityPoint } from '@verdant/core';

/** The SDK's EmissionsDataDTO: a forecast value over [timestamp, timestamp + duration minutes). */
export interface EmissionsDataDto {
  location: string;
  timestamp: string;
  duration: number;
  value: number;
}

/** One entry of a processed forecast: a data point as forecast, or a rolling-average window. Seconds. */
export interface ForecastEntry {
  t: number;
  durationS: number;
  value: number;
}

const end = (p: IntensityPoint): number => p.t + p.resolutionS;

/** The intensity-seconds of a step series inside [from, to), and how many seconds of it the points cover. */
function overlapSums(points: readonly IntensityPoint[], from: number, to: number): { sum: number; covered: number } {
  let sum = 0;
  let covered = 0;
  for (const p of points) {
    const overlap = Math.min(to, end(p)) - Math.max(from, p.t);
    if (overlap <= 0) continue;
    sum += p.gPerKwh * overlap;
    covered += overlap;
  }
  return { sum, covered };
}

/** Time-weighted mean of a step series over [from, to); NaN where the points do not cover it all. */
function meanOver(points: readonly IntensityPoint[], from: number, to: number): number {
  const { sum, covered } = overlapSums(points, from, to);
  return covered >= to - from - 1e-6 && covered > 0 ? sum / covered : NaN;
}

/** Mean over whatever part of [from, to) the points cover (the SDK's average-carbon-intensity); NaN for none. */
export function coveredMean(points: readonly IntensityPoint[], from: number, to: number): number {
  const { sum, covered } = overlapSums(points, from, to);
  return covered > 0 ? sum / covered : NaN;
}

/**
 * The SDK's IntervalHelper.FilterByDuration: the points that end after `from` and start no later than `to`.
 * A point that starts exactly at `to` is kept, as the SDK keeps it.
 */
export function filterByDuration(points: readonly IntensityPoint[], from: number, to: number): IntensityPoint[] {
  return points.filter((p) => end(p) > from && p.t <= to);
}

/**
 * The SDK's RollingAverage (EmissionsDataExtensions) over points already filtered to the window:
 * - `windowS` 0: the points themselves, each with its own length.
 * - otherwise windows of `windowS` starting at `dataStartAt` (or the first point, if later) and stepping by
 *   the first point's length (06:10, 07:10, … on hourly data), each the time-weighted mean over the window.
 *   A window is kept when the points read so far reach its end; stepping stops at the first window that
 *   would end after `dataEndAt` (the first window is not held to it, as in the SDK) or once the data is used up.
 */
export function rollingAverage(points: readonly IntensityPoint[], windowS: number, dataStartAt: number, dataEndAt: number): ForecastEntry[] {
  const first = points[0];
  if (!first) return [];
  if (windowS === 0) return points.map((p) => ({ t: p.t, durationS: p.resolutionS, value: p.gPerKwh }));
  const tick = first.resolutionS;
  let start = Math.max(dataStartAt, first.t);
  let stop = start + windowS;
  const out: ForecastEntry[] = [];
  const queue: IntensityPoint[] = [];
  let next = 0;
  let last: IntensityPoint | undefined;
  do {
    // Read the points that begin before this window ends.
    while (next < points.length && stop > points[next]!.t) {
      const p = points[next]!;
      if (start <= end(p)) queue.push(p);
      last = p;
      next++;
    }
    if (last && end(last) >= stop) {
      const value = meanOver(queue, start, stop);
      if (!Number.isNaN(value)) out.push({ t: start, durationS: windowS, value });
    }
    start += tick;
    stop = start + windowS;
    if (stop > dataEndAt) break;
    while (queue.length > 0 && end(queue[0]!) < start) queue.shift();
  } while (next < points.length);
  return out;
}

/** The SDK's GetOptimalEmissions: every entry with the lowest value, in time order. */
export function optimalEntries(entries: readonly ForecastEntry[]): ForecastEntry[] {
  if (entries.length === 0) return [];
  const min = Math.min(...entries.map((d) => d.value));
  return entries.filter((d) => d.value <= min + 1e-9 * Math.max(1, Math.abs(min)));
}
