import { isVerdantError, nowS, type IntensitySignal } from '@verdant/core';
import type { IntensityProvider } from '../provider.js';
import { FallbackChain } from '../providers/fallback.js';
import { listCloudRegions } from '../zones/cloud-regions.js';
import { queryForecast, queryHistory, queryIntensityAt, type QueryAnswer } from './intensity-query.js';

/** One point of a zone's timeline: measured (history) or forecast, with where it came from. */
export interface TimelinePoint {
  t: number;
  resolution_s: number;
  g_per_kwh: number;
  /** The dataset or API that produced it ("electricitymaps", "trace:ES-2023", "model:seasonal", "static:…"). */
  source: string;
  forecast: boolean;
  /** A forecast's generation time, epoch seconds; null for measured values. */
  generated_at: number | null;
  /** When the data was obtained from its source (now minus its age), epoch seconds; null where unknown (static, traces). */
  fetched_at: number | null;
}

/** One part of a timeline (history, or forecast) and the link of the provider chain that answered it. */
export interface TimelinePart {
  /** History before now, or the forecast after it. */
  forecast: boolean;
  /**
   * The span its points cover (the first point's start to the last one's end, within what was asked): a
   * forecast of 24 h asked for 48 h ends at +24 h. A part without points keeps the span that was asked for.
   */
  from: number;
  to: number;
  /** The chain's link that answered (live, cache, model, static), or the provider's name outside a chain (trace, static). */
  link: string;
  /** The provider, dataset or model that produced the points. */
  source: string;
  /** Whether a better link failed first (the answer is a fallback). */
  fallback: boolean;
  /** Seconds since the data was obtained; null where unknown or meaningless (static, traces). */
  age_s: number | null;
  /** Why better links failed, or why this part has no points. */
  failures: Array<{ link: string; provider: string; error: string }>;
  points: number;
}

export interface Timeline {
  zone: string;
  from: number;
  to: number;
  points: TimelinePoint[];
  parts: TimelinePart[];
}

export interface TimelineOptions {
  now?: () => number;
  signal?: IntensitySignal;
}

/**
 * A zone's intensity over [from, to): the history up to now and the forecast after it, each part with its
 * provenance (the chain link that answered, its source, whether it is a fallback, its age). A part that no
 * link could answer has no points and says why in `failures`; nothing is filled in.
 */
export async function intensityTimeline(provider: IntensityProvider, zone: string, from: number, to: number, options: TimelineOptions = {}): Promise<Timeline> {
  const now = (options.now ?? nowS)();
  const q = { now: () => now, ...(options.signal ? { signal: options.signal } : {}) };
  const points: TimelinePoint[] = [];
  const parts: TimelinePart[] = [];
  const add = async (forecast: boolean, a: number, b: number, ask: () => Promise<QueryAnswer>): Promise<void> => {
    let answer: QueryAnswer;
    try {
      answer = await ask();
    } catch (e) {
      if (!isVerdantError(e)) throw e;
      parts.push({ forecast, from: a, to: b, link: 'none', source: 'none', fallback: true, age_s: null, failures: [{ link: 'all', provider: provider.name, error: e.message }], points: 0 });
      return;
    }
    const inside = answer.points.filter((p) => p.t < b && p.t + p.resolutionS > a && (forecast ? p.t + p.resolutionS > now : p.t < now));
    const fetchedAt = answer.ageS === null ? null : now - answer.ageS;
    for (const p of inside) {
      points.push({
        t: p.t,
        resolution_s: p.resolutionS,
        g_per_kwh: p.gPerKwh,
        source: p.source,
        forecast,
        generated_at: p.generatedAt ?? (forecast ? now : null),
        fetched_at: fetchedAt,
      });
    }
    const covered = inside.length
      ? { from: Math.max(a, Math.min(...inside.map((p) => p.t))), to: Math.min(b, Math.max(...inside.map((p) => p.t + p.resolutionS))) }
      : { from: a, to: b };
    parts.push({
      forecast,
      ...covered,
      link: answer.link,
      // The datasets the points name ("static:tgwf-co2/…", "trace:ES-2023"), else the provider that answered.
      source: [...new Set(inside.map((p) => p.source))].join(', ') || answer.provider,
      fallback: provider instanceof FallbackChain ? answer.link !== 'live' : false,
      age_s: answer.ageS,
      failures: answer.failures.map((f) => ({ link: f.link, provider: f.provider, error: f.error })),
      points: inside.length,
    });
  };
  if (from < now) await add(false, from, Math.min(to, now), () => queryHistory(provider, zone, from, Math.min(to, now), q));
  if (to > now) {
    const start = Math.max(from, now);
    await add(true, start, to, () => queryForecast(provider, zone, to - now, q));
  }
  // A point that straddles now may come in both parts: the measured one wins.
  const seen = new Set<number>();
  const merged = points
    .sort((a, b) => a.t - b.t || Number(a.forecast) - Number(b.forecast))
    .filter((p) => (seen.has(p.t) ? false : (seen.add(p.t), true)));
  return { zone, from, to, points: merged, parts };
}

/** The intensity in force now in a zone, with its source and age; null (and why) when no link answers. */
export async function intensityNow(
  provider: IntensityProvider,
  zone: string,
  options: TimelineOptions = {},
): Promise<{ t: number; g_per_kwh: number; source: string; link: string; age_s: number | null } | { error: string }> {
  const now = (options.now ?? nowS)();
  try {
    const a = await queryIntensityAt(provider, zone, undefined, { now: () => now, ...(options.signal ? { signal: options.signal } : {}) });
    const p = a.points[0];
    if (!p) return { error: `no intensity for ${zone} at ${new Date(now * 1000).toISOString()}` };
    return { t: p.t, g_per_kwh: p.gPerKwh, source: p.source, link: a.link, age_s: a.ageS };
  } catch (e) {
    if (!isVerdantError(e)) throw e;
    return { error: e.message };
  }
}

export interface ZoneChoice {
  id: string;
  name?: string;
  kind: 'zone' | 'cloud-region';
  /** The grid zone a cloud region draws from. */
  zone?: string;
  /** One of the user's configured zones (VERDANT_ZONES / VERDANT_REGION). */
  configured: boolean;
}

/**
 * The zones to offer in a picker: the user's own (configured, first, in their order), then every zone the
 * provider knows, then the cloud regions with the zone each draws from.
 */
export async function zoneChoices(provider: IntensityProvider, configured: readonly string[]): Promise<ZoneChoice[]> {
  const out: ZoneChoice[] = [];
  const seen = new Set<string>();
  const known = await provider.zones().catch(() => []);
  const names = new Map(known.map((z) => [z.zone, z.name]));
  const regions = listCloudRegions();
  const regionById = new Map(regions.map((r) => [r.id, r]));
  for (const id of configured) {
    if (seen.has(id)) continue;
    seen.add(id);
    const region = regionById.get(id);
    const name = region ? region.location : names.get(id);
    out.push({ id, ...(name ? { name } : {}), kind: region ? 'cloud-region' : 'zone', ...(region ? { zone: region.zone } : {}), configured: true });
  }
  for (const z of [...known].sort((a, b) => a.zone.localeCompare(b.zone))) {
    if (seen.has(z.zone)) continue;
    seen.add(z.zone);
    out.push({ id: z.zone, name: z.name, kind: 'zone', configured: false });
  }
  for (const r of regions) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push({ id: r.id, name: r.location, kind: 'cloud-region', zone: r.zone, configured: false });
  }
  return out;
}
