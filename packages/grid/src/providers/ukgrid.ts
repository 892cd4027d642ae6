import { z } from 'zod';
import type { IntensityPoint } from '@verdant/core';
import type { IntensityQueryOptions, ZoneInfo } from '../provider.js';
import { LiveProviderBase, defineLiveProvider, envUrl, opt, type LiveProviderCommon, type ProviderSettings } from './base.js';
import { ProviderError } from './errors.js';
import { isoMinute, isoSeconds, overlapping, windows } from './time.js';

export const UKGRID_DEFAULT_URL = 'https://api.carbonintensity.org.uk';
const NAME = 'ukgrid';
/** Ranged endpoints answer at most 14 days per request. */
const RANGE_MAX_S = 14 * 86400;
const HALF_HOUR_S = 1800;

/** The API's region ids (1-14 DNO regions, 15-17 the nations, 18 "GB": all of Great Britain by the regional model). */
export const UK_REGIONS: Readonly<Record<number, string>> = {
  1: 'North Scotland',
  2: 'South Scotland',
  3: 'North West England',
  4: 'North East England',
  5: 'Yorkshire',
  6: 'North Wales & Merseyside',
  7: 'South Wales',
  8: 'West Midlands',
  9: 'East Midlands',
  10: 'East England',
  11: 'South West England',
  12: 'South England',
  13: 'London',
  14: 'South East England',
  15: 'England',
  16: 'Scotland',
  17: 'Wales',
  18: 'GB (all regions)',
};

const periodSchema = z.object({
  from: isoSeconds,
  to: isoSeconds,
  intensity: z.object({
    forecast: z.number().nonnegative().nullable().optional(),
    actual: z.number().nonnegative().nullable().optional(),
    index: z.string().optional(),
  }),
});
const nationalSchema = z.object({ data: z.array(periodSchema) });
const regionSchema = z.object({
  regionid: z.number().int(),
  shortname: z.string().optional(),
  postcode: z.string().optional(),
  data: z.array(periodSchema),
});
/** Current regional and postcode answers wrap the region in an array; ranged ones do not. */
const regionalCurrentSchema = z.object({ data: z.array(regionSchema).min(1) });
const regionalRangeSchema = z.object({ data: regionSchema });

/** Which part of the UK API a zone names. */
export type UkTarget = { kind: 'national' } | { kind: 'region'; id: number } | { kind: 'postcode'; postcode: string };

/**
 * Verdant zone names for the UK API: "GB" (national), "GB-region-<1..18>" (a DNO region, nation or all of GB),
 * "GB-postcode-<outward code>" such as "GB-postcode-RG10". Returns undefined for anything else.
 */
export function parseUkZone(zone: string): UkTarget | undefined {
  if (/^GB$/i.test(zone)) return { kind: 'national' };
  const region = /^GB-region-(\d{1,2})$/i.exec(zone);
  if (region) {
    const id = Number(region[1]);
    return UK_REGIONS[id] ? { kind: 'region', id } : undefined;
  }
  const pc = /^GB-postcode-([A-Z]{1,2}\d[A-Z\d]?)$/i.exec(zone);
  return pc ? { kind: 'postcode', postcode: pc[1]!.toUpperCase() } : undefined;
}

/**
 * Whether a zone names a part of Great Britain only the UK API serves: a region or postcode zone
 * ("GB-region-…", "GB-postcode-…"). The descriptor declares these its own, so the chain asks no other live
 * provider for them; plain "GB" is everyone's.
 */
export function isUkSubZone(zone: string): boolean {
  return /^GB-(region|postcode)-/i.test(zone);
}

export interface UkGridOptions extends LiveProviderCommon {
  /** Default https://api.carbonintensity.org.uk (VERDANT_UKGRID_URL). */
  baseUrl?: string;
}

/**
 * National Grid ESO Carbon Intensity API for Great Britain: average intensity per half hour, nationally
 * (measured "actual" where published, else the forecast) and per region or postcode (forecast-based
 * estimates), with forecasts 48 h ahead. No key.
 */
export class UkGridProvider extends LiveProviderBase {
  constructor(options: UkGridOptions = {}) {
    super(NAME, options.baseUrl ?? UKGRID_DEFAULT_URL, options);
  }

  override handles(zone: string): boolean {
    return parseUkZone(zone) !== undefined;
  }

  /** National and the 18 regions; postcodes are open-ended ("GB-postcode-<outward code>"). */
  async zones(): Promise<ZoneInfo[]> {
    const regions = Object.entries(UK_REGIONS).map(([id, name]) => ({ zone: `GB-region-${id}`, name, country: 'GB', sources: [NAME] }));
    return [{ zone: 'GB', name: 'Great Britain', country: 'GB', sources: [NAME] }, ...regions];
  }

  async current(zone: string, opts: IntensityQueryOptions = {}): Promise<IntensityPoint> {
    const target = this.target(zone, opts);
    const periods =
      target.kind === 'national'
        ? this.parse('intensity', nationalSchema, await this.get('intensity', opts.abortSignal)).data
        : this.parse('regional', regionalCurrentSchema, await this.get(`regional/${targetPath(target)}`, opts.abortSignal)).data[0]!.data;
    const now = this.now();
    const points = this.toPoints(zone, periods);
    const point = points.find((p) => p.t <= now && now < p.t + p.resolutionS) ?? points.at(-1);
    if (!point) throw new ProviderError(NAME, 'malformed', `no current value for zone ${zone}`);
    return point;
  }

  async history(zone: string, from: number, to: number, opts: IntensityQueryOptions = {}): Promise<IntensityPoint[]> {
    const target = this.target(zone, opts);
    const points: IntensityPoint[] = [];
    for (const [a, b] of windows(from, to, RANGE_MAX_S)) {
      points.push(...this.toPoints(zone, await this.range(target, `${isoMinute(a)}/${isoMinute(b)}`, opts.abortSignal)));
    }
    return overlapping(points, from, to);
  }

  /** Up to 48 h ahead. The API does not say when a forecast was made; it refreshes each half hour. */
  async forecast(zone: string, horizonS: number, opts: IntensityQueryOptions = {}): Promise<IntensityPoint[]> {
    const target = this.target(zone, opts);
    const now = this.now();
    const generatedAt = Math.floor(now / HALF_HOUR_S) * HALF_HOUR_S;
    const periods = await this.range(target, `${isoMinute(now)}/fw48h`, opts.abortSignal);
    const points = periods
      .filter((p) => typeof p.intensity.forecast === 'number')
      .map((p) => ({ zone, t: p.from, resolutionS: p.to - p.from, gPerKwh: p.intensity.forecast as number, signal: 'average' as const, source: NAME, generatedAt }));
    return overlapping(points, now, now + horizonS);
  }

  private async range(target: UkTarget, span: string, signal?: AbortSignal): Promise<Array<z.infer<typeof periodSchema>>> {
    if (target.kind === 'national') return this.parse('intensity', nationalSchema, await this.get(`intensity/${span}`, signal)).data;
    return this.parse('regional/intensity', regionalRangeSchema, await this.get(`regional/intensity/${span}/${targetPath(target)}`, signal)).data.data;
  }

  /** Measured ("actual") where the API has it, its estimate otherwise. */
  private toPoints(zone: string, periods: ReadonlyArray<z.infer<typeof periodSchema>>): IntensityPoint[] {
    const out: IntensityPoint[] = [];
    for (const p of periods) {
      const value = p.intensity.actual ?? p.intensity.forecast;
      if (value === null || value === undefined) continue;
      out.push({ zone, t: p.from, resolutionS: p.to - p.from || HALF_HOUR_S, gPerKwh: value, signal: 'average', source: NAME });
    }
    return out;
  }

  private target(zone: string, opts: IntensityQueryOptions): UkTarget {
    if (opts.signal === 'marginal') {
      throw new ProviderError(NAME, 'unsupported', 'serves average intensity only', { field: 'signal', fix: 'ask for the average signal' });
    }
    const target = parseUkZone(zone);
    if (!target) {
      throw new ProviderError(NAME, 'unsupported', `"${zone}" is not a UK zone`, {
        field: 'zone',
        fix: 'use GB, GB-region-<1..18> or GB-postcode-<outward code> such as GB-postcode-RG10',
      });
    }
    return target;
  }

  private get(path: string, signal?: AbortSignal): Promise<unknown> {
    return this.fetchJson(this.url(path), signal);
  }
}

function targetPath(t: Exclude<UkTarget, { kind: 'national' }>): string {
  return t.kind === 'region' ? `regionid/${t.id}` : `postcode/${t.postcode}`;
}

/** Settings of the UK provider (VERDANT_UKGRID_URL); it needs no key. */
export type UkGridSettings = ProviderSettings<UkGridOptions>;

/** Always enabled (no key) unless offline; first in the chain, and the only live provider asked for GB-region/GB-postcode zones. */
export const ukGridProvider = defineLiveProvider({
  name: NAME,
  order: 10,
  fromEnv: (env): UkGridSettings => ({ ...opt('baseUrl', envUrl(env, 'VERDANT_UKGRID_URL')) }),
  create: (s: UkGridSettings, common) => new UkGridProvider({ ...s, ...common }),
  owns: isUkSubZone,
});
