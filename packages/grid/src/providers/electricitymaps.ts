import { z } from 'zod';
import { nowS, type IntensityPoint, type Logger } from '@verdant/core';
import type { IntensityQueryOptions, ZoneInfo } from '../provider.js';
import { ProviderError } from './errors.js';
import { getJson, parseBody, withSlash } from './http.js';
import type { LiveProvider } from './live.js';
import { Redactor } from './redact.js';
import { Resilience, type ResilienceOptions } from './resilience.js';
import { isoFull, isoSeconds, overlapping, windows } from './time.js';
import { isUkSubZone } from './ukgrid.js';

export const ELECTRICITYMAPS_DEFAULT_URL = 'https://api.electricitymaps.com';
const NAME = 'electricitymaps';
/** /history covers the last 24 h; older ranges go to /past-range, which caps hourly ranges at 10 days. */
const HISTORY_WINDOW_S = 24 * 3600;
const PAST_RANGE_MAX_S = 10 * 86400;

const GRANULARITY_S: Record<string, number> = {
  '5_minutes': 300,
  '15_minutes': 900,
  hourly: 3600,
  daily: 86400,
};

const pointSchema = z.object({
  zone: z.string().optional(),
  // null when the zone has no value for that hour
  carbonIntensity: z.number().nonnegative().nullable(),
  datetime: isoSeconds,
  updatedAt: isoSeconds.optional(),
  emissionFactorType: z.string().optional(),
  isEstimated: z.boolean().nullable().optional(),
  temporalGranularity: z.string().optional(),
});
const latestSchema = pointSchema.extend({ zone: z.string() });
const historySchema = z.object({ zone: z.string(), history: z.array(pointSchema) });
const pastRangeSchema = z.object({ zone: z.string(), data: z.array(pointSchema) });
const forecastSchema = z.object({
  zone: z.string(),
  forecast: z.array(z.object({ carbonIntensity: z.number().nonnegative().nullable(), datetime: isoSeconds })),
  updatedAt: isoSeconds,
});
const zonesSchema = z.record(z.string(), z.object({ zoneName: z.string().optional(), countryName: z.string().optional(), countryCode: z.string().optional() }));

export interface ElectricityMapsOptions {
  /** The `auth-token` (ELECTRICITYMAPS_TOKEN). */
  token: string;
  /** Default https://api.electricitymaps.com (VERDANT_ELECTRICITYMAPS_URL). */
  baseUrl?: string;
  /** "lifecycle" (the API's default) or "direct" emission factors. */
  emissionFactorType?: 'lifecycle' | 'direct';
  resilience?: ResilienceOptions;
  logger?: Logger;
  now?: () => number;
}

/** Electricity Maps API v3: average (consumption-based) carbon intensity per zone, in gCO2e/kWh. */
export class ElectricityMapsProvider implements LiveProvider {
  readonly name = NAME;
  private readonly baseUrl: URL;
  private readonly redactor: Redactor;
  private readonly resilience: Resilience;
  private readonly now: () => number;

  constructor(private readonly options: ElectricityMapsOptions) {
    if (!options.token) {
      throw new ProviderError(NAME, 'auth', 'no API token', { field: 'ELECTRICITYMAPS_TOKEN', fix: 'set ELECTRICITYMAPS_TOKEN to your Electricity Maps API token' });
    }
    this.baseUrl = withSlash(new URL(options.baseUrl ?? ELECTRICITYMAPS_DEFAULT_URL));
    this.redactor = new Redactor([options.token]);
    this.resilience = new Resilience(NAME, options.resilience, options.logger, this.redactor);
    this.now = options.now ?? nowS;
  }

  /** Every zone except the UK API's own regional and postcode zones. */
  handles(zone: string): boolean {
    return !isUkSubZone(zone);
  }

  get circuitOpen(): boolean {
    return this.resilience.circuitOpen;
  }

  async zones(): Promise<ZoneInfo[]> {
    const body = parseBody(NAME, 'zones', zonesSchema, await this.get('/v3/zones', {}));
    return Object.entries(body).map(([zone, z]) => {
      const country = z.countryCode ?? (/^[A-Z]{2}(-|$)/.test(zone) ? zone.slice(0, 2) : undefined);
      return { zone, name: z.zoneName ?? z.countryName ?? zone, ...(country ? { country } : {}), sources: [NAME] };
    });
  }

  async current(zone: string, opts: IntensityQueryOptions = {}): Promise<IntensityPoint> {
    this.checkSignal(opts);
    const body = parseBody(NAME, 'carbon-intensity/latest', latestSchema, await this.get('/v3/carbon-intensity/latest', { zone }, opts.abortSignal));
    const point = this.toPoint(zone, body);
    if (!point) throw new ProviderError(NAME, 'malformed', `no current carbon intensity for zone ${zone} (carbonIntensity is null)`);
    return point;
  }

  async history(zone: string, from: number, to: number, opts: IntensityQueryOptions = {}): Promise<IntensityPoint[]> {
    this.checkSignal(opts);
    const raw: Array<z.infer<typeof pointSchema>> = [];
    if (from >= this.now() - HISTORY_WINDOW_S) {
      raw.push(...parseBody(NAME, 'carbon-intensity/history', historySchema, await this.get('/v3/carbon-intensity/history', { zone }, opts.abortSignal)).history);
    } else {
      for (const [a, b] of windows(from, to, PAST_RANGE_MAX_S)) {
        const body = await this.get('/v3/carbon-intensity/past-range', { zone, start: isoFull(a), end: isoFull(b) }, opts.abortSignal);
        raw.push(...parseBody(NAME, 'carbon-intensity/past-range', pastRangeSchema, body).data);
      }
    }
    const points = raw.map((p) => this.toPoint(zone, p)).filter((p): p is IntensityPoint => p !== undefined);
    return overlapping(points, from, to);
  }

  async forecast(zone: string, horizonS: number, opts: IntensityQueryOptions = {}): Promise<IntensityPoint[]> {
    this.checkSignal(opts);
    const body = parseBody(NAME, 'carbon-intensity/forecast', forecastSchema, await this.get('/v3/carbon-intensity/forecast', { zone }, opts.abortSignal));
    const points: IntensityPoint[] = [];
    for (const f of body.forecast) {
      if (f.carbonIntensity === null) continue;
      points.push({ zone, t: f.datetime, resolutionS: 3600, gPerKwh: f.carbonIntensity, signal: 'average', source: NAME, generatedAt: body.updatedAt });
    }
    const now = this.now();
    return overlapping(points, now, now + horizonS);
  }

  private toPoint(zone: string, p: z.infer<typeof pointSchema>): IntensityPoint | undefined {
    if (p.carbonIntensity === null) return undefined;
    const resolutionS = GRANULARITY_S[p.temporalGranularity ?? 'hourly'] ?? 3600;
    return { zone, t: p.datetime, resolutionS, gPerKwh: p.carbonIntensity, signal: 'average', source: NAME };
  }

  private checkSignal(opts: IntensityQueryOptions): void {
    if (opts.signal === 'marginal') {
      throw new ProviderError(NAME, 'unsupported', 'serves average (consumption) intensity only', {
        field: 'signal',
        fix: 'ask for the average signal, or use WattTime for marginal emissions',
      });
    }
  }

  private async get(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    if (this.options.emissionFactorType && path.startsWith('/v3/carbon-intensity')) {
      url.searchParams.set('emissionFactorType', this.options.emissionFactorType);
    }
    const headers = { 'auth-token': this.options.token };
    try {
      return await this.resilience.execute((s) => getJson({ provider: NAME, url, headers, signal: s, redactor: this.redactor }), signal);
    } catch (e) {
      if (e instanceof ProviderError && e.kind === 'auth') {
        throw new ProviderError(NAME, 'auth', e.message.replace(`${NAME}: `, ''), {
          ...(e.status !== undefined ? { status: e.status } : {}),
          field: 'ELECTRICITYMAPS_TOKEN',
          fix: 'check the token in ELECTRICITYMAPS_TOKEN and that your plan covers this zone and endpoint',
        });
      }
      throw e;
    }
  }
}
