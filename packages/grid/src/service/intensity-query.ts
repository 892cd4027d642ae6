import { nowS, type IntensityPoint, type IntensitySignal } from '@verdant/core';
import type { IntensityProvider } from '../provider.js';
import { FallbackChain, type LinkFailure } from '../providers/fallback.js';
import { TraceProvider } from '../trace/trace-provider.js';

/**
 * An answer from any provider with its provenance. For a FallbackChain it is the chain's own
 * IntensityAnswer: `link` is the link that answered (live, cache, model, static); for a bare provider
 * `link` is the provider's name ("trace", ...).
 */
export interface QueryAnswer {
  points: IntensityPoint[];
  link: string;
  provider: string;
  /** Seconds since the data was obtained from its source; null where that is unknown or meaningless (static, traces). */
  ageS: number | null;
  failures: LinkFailure[];
}

export interface QueryOptions {
  signal?: IntensitySignal;
  /** Clock for deciding whether a time is past, present or future. Default: wall clock. */
  now?: () => number;
}

/** Times within this of now count as "now" (a provider's current value answers them). */
const NOW_TOLERANCE_S = 60;

function bare(provider: IntensityProvider, points: IntensityPoint[]): QueryAnswer {
  return { points, link: provider.name, provider: points[0]?.source ?? provider.name, ageS: null, failures: [] };
}

/**
 * The intensity in force at `at` (default now): the provider's current value for now, its history for a
 * past time, its forecast for a future one. `points` holds exactly one point.
 */
export async function queryIntensityAt(provider: IntensityProvider, zone: string, at: number | undefined, opts: QueryOptions = {}): Promise<QueryAnswer> {
  const now = (opts.now ?? nowS)();
  const q = opts.signal ? { signal: opts.signal } : {};
  const t = at ?? now;
  const containing = (points: IntensityPoint[]): IntensityPoint[] => {
    const p = points.find((x) => x.t <= t && t < x.t + x.resolutionS);
    return p ? [p] : [];
  };
  if (Math.abs(t - now) <= NOW_TOLERANCE_S) {
    if (provider instanceof FallbackChain) return provider.currentAnswer(zone, q);
    return bare(provider, [await provider.current(zone, q)]);
  }
  if (t < now) {
    const a = await queryHistory(provider, zone, t, t + 1, opts);
    return { ...a, points: containing(a.points) };
  }
  const a = await queryForecast(provider, zone, t - now + 1, opts);
  return { ...a, points: containing(a.points) };
}

/** Points overlapping [from, to), sorted by time. */
export async function queryHistory(provider: IntensityProvider, zone: string, from: number, to: number, opts: QueryOptions = {}): Promise<QueryAnswer> {
  const q = opts.signal ? { signal: opts.signal } : {};
  if (provider instanceof FallbackChain) return provider.historyAnswer(zone, from, to, q);
  return bare(provider, await provider.history(zone, from, to, q));
}

/** The provider's forecast from now to now + horizonS; no points (and a failure saying why) when it offers none. */
export async function queryForecast(provider: IntensityProvider, zone: string, horizonS: number, opts: QueryOptions = {}): Promise<QueryAnswer> {
  const q = opts.signal ? { signal: opts.signal } : {};
  if (provider instanceof FallbackChain) return provider.forecastAnswer(zone, horizonS, q);
  if (!provider.forecast) return { points: [], link: provider.name, provider: provider.name, ageS: null, failures: [{ link: 'live', provider: provider.name, error: 'offers no forecast' }] };
  return bare(provider, await provider.forecast(zone, horizonS, q));
}

/**
 * A series to plan over for [from, to): history when the window starts in the past or the provider is a trace
 * (a trace is its own perfect forecast), else the forecast from now. Points may extend beyond the window.
 */
export async function querySeries(provider: IntensityProvider, zone: string, from: number, to: number, opts: QueryOptions = {}): Promise<QueryAnswer> {
  const now = (opts.now ?? nowS)();
  if (provider instanceof TraceProvider || from < now - NOW_TOLERANCE_S || to <= now) return queryHistory(provider, zone, from, to, opts);
  const a = await queryForecast(provider, zone, to - now, opts);
  return { ...a, points: a.points.filter((p) => p.t < to && p.t + p.resolutionS > from) };
}
