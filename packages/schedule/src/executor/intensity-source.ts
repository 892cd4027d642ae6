import { stepLookup, type IntensityPoint } from '@verdant/core';
import { querySeries, type IntensityProvider } from '@verdant/grid';

/**
 * Where the scheduler reads intensity: a series to plan over and the value in force now for the pause
 * policy. Injectable so tests (and simulations) can drive it with synthetic series.
 */
export interface IntensitySource {
  readonly name: string;
  /** Points covering [from, to) for the zone, sorted by time (forecast, trace or history). */
  series(zone: string, from: number, to: number): Promise<IntensityPoint[]>;
  /** Intensity in force at t, gCO2e/kWh. */
  current(zone: string, t: number): Promise<number>;
}

/** A source over fixed points (a trace, a synthetic series); `points` may be one series or one per zone. */
export function pointsSource(points: readonly IntensityPoint[] | Readonly<Record<string, readonly IntensityPoint[]>>, name = 'series'): IntensitySource {
  const forZone = (zone: string): readonly IntensityPoint[] => {
    const pts = Array.isArray(points) ? (points as readonly IntensityPoint[]) : (points as Record<string, readonly IntensityPoint[]>)[zone];
    if (!pts || pts.length === 0) throw new Error(`no intensity points for zone ${zone}`);
    return pts;
  };
  return {
    name,
    series: async (zone, from, to) => forZone(zone).filter((p) => p.t + p.resolutionS > from && p.t < to),
    current: async (zone, t) => stepLookup(forZone(zone), t).gPerKwh,
  };
}

/**
 * A source over a grid provider: the series `querySeries` picks (the forecast for a window ahead, history
 * for a past one or a trace), falling back to history when the provider has no forecast for the window.
 */
export function providerSource(provider: IntensityProvider): IntensitySource {
  return {
    name: provider.name,
    async series(zone, from, to) {
      const { points } = await querySeries(provider, zone, from, to);
      return points.length ? points : provider.history(zone, from, to);
    },
    current: async (zone) => (await provider.current(zone)).gPerKwh,
  };
}
