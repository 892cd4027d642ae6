import { describe, expect, it } from 'vitest';
import type { IntensityPoint } from '@verdant/core';
import { filterByDuration, optimalEntries, rollingAverage } from '../src/carbon-aware/windows.js';

// The cases below are the Carbon Aware SDK's own examples (EmissionsDataExtensions.RollingAverage's remarks,
// ForecastHandlerTests, IntervalHelperTests), so the expected values are the SDK's.
const T0 = Date.UTC(2022, 0, 1) / 1000;
const M = 60;

const series = (values: number[], stepS = 5 * M, t0 = T0): IntensityPoint[] =>
  values.map((gPerKwh, i) => ({ t: t0 + i * stepS, zone: 'westus', gPerKwh, signal: 'average', source: 'test', resolutionS: stepS }));

const lastEnd = (points: IntensityPoint[]): number => points[points.length - 1]!.t + points[points.length - 1]!.resolutionS;

describe('rollingAverage: the SDK RollingAverage', () => {
  it.each([
    [[10, 20, 30, 40, 5], [15, 25, 35, 22.5]],
    [[5, 55, 10, 10, 10], [30, 32.5, 10, 10]],
    [[12, 11, 10, 12, 13], [11.5, 10.5, 11, 12.5]],
  ])('10-minute windows over 5-minute data %j give %j', (values, expected) => {
    const points = series(values);
    const windows = rollingAverage(points, 10 * M, T0, lastEnd(points));
    expect(windows.map((w) => w.value)).toEqual(expected);
    expect(windows.map((w) => w.t)).toEqual(expected.map((_, i) => T0 + i * 5 * M));
    expect(windows.every((w) => w.durationS === 10 * M)).toBe(true);
  });

  it('stops at the first window that would end after dataEndAt (ForecastHandlerTests: 15 and 25)', () => {
    const points = series([10, 20, 30, 40]);
    const end = T0 + 15 * M;
    const windows = rollingAverage(filterByDuration(points, T0, end), 10 * M, T0, end);
    expect(windows.map((w) => [w.t, w.value])).toEqual([
      [T0, 15],
      [T0 + 5 * M, 25],
    ]);
  });

  it('without a window size returns the filtered points as they are (10, 20, 30, 40)', () => {
    const points = series([10, 20, 30, 40]);
    const end = T0 + 15 * M;
    const entries = rollingAverage(filterByDuration(points, T0, end), 0, T0, end);
    expect(entries).toEqual([10, 20, 30, 40].map((value, i) => ({ t: T0 + i * 5 * M, durationS: 5 * M, value })));
  });

  it('steps from dataStartAt by the length of the first point, not from point to point', () => {
    const points = series([100, 200, 300, 400, 500, 600], 3600);
    const start = T0 + 10 * M;
    const windows = rollingAverage(filterByDuration(points, start, lastEnd(points)), 2 * 3600, start, lastEnd(points));
    // 00:10-02:10, 01:10-03:10, 02:10-04:10, 03:10-05:10; 04:10-06:10 would end after the data.
    expect(windows.map((w) => (w.t - T0) / M)).toEqual([10, 70, 130, 190]);
    expect(windows[0]!.value).toBeCloseTo((100 * 50 + 200 * 60 + 300 * 10) / 120, 12);
    expect(windows[3]!.value).toBeCloseTo((400 * 50 + 500 * 60 + 600 * 10) / 120, 12);
  });

  it('returns nothing for no data or a window longer than the data', () => {
    expect(rollingAverage([], 10 * M, T0, T0 + 3600)).toEqual([]);
    const points = series([1, 2, 3]);
    expect(rollingAverage(points, 30 * M, T0, lastEnd(points))).toEqual([]);
  });
});

describe('filterByDuration and optimalEntries', () => {
  it('keeps points that end after the start and begin no later than the end (IntervalHelperTests: 2 of 5)', () => {
    const points = series([1, 2, 3, 4, 5], 30 * M, T0 + 8.5 * 3600);
    const kept = filterByDuration(points, T0 + 9 * 3600 + 40 * M, T0 + 10 * 3600 + 20 * M);
    expect(kept.map((p) => p.gPerKwh)).toEqual([3, 4]);
    // A point that starts exactly at the end stays, as in the SDK.
    expect(filterByDuration(points, T0 + 8.5 * 3600, T0 + 9.5 * 3600).map((p) => p.gPerKwh)).toEqual([1, 2, 3]);
  });

  it('lists every entry with the lowest value, in time order', () => {
    const entries = [5, 3, 7, 3].map((value, i) => ({ t: T0 + i, durationS: 1, value }));
    expect(optimalEntries(entries).map((e) => e.t)).toEqual([T0 + 1, T0 + 3]);
    expect(optimalEntries([])).toEqual([]);
  });
});
