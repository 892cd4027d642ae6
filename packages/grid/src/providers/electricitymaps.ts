import { z } from 'zod';
import { invalidInput, type IntensityPoint } from '@verdant/core';
import type { IntensityQueryOptions, ZoneInfo } from '../provider.js';
import { LiveProviderBase, defineLiveProvider, envUrl, missingSetting, opt, type LiveProviderCommon, type ProviderSettings } from './base.js';
import { ProviderError } from './errors.js';
import { Redactor } from './redact.js';
import { isoFull, isoSeconds, overlapping, windows } from './time.js';

export const ELECTRICITYMAPS_DEFAULT_URL = 'https://api.electricitymaps.com';
const NAME = 'electricitymaps';
/** /history covers the last 24 h; older ranges go to /past-range, which caps hourly ranges at 10 days. */
const HISTORY_WINDOW_S = 24 * 3600;
const PAST_RANGE_MAX_S = 10 * 86400;
/** The forecast horizons (`horizonHours`) the API accepts. */
const FORECAST_HORIZONS_H = [6, 24, 48, 72] as const;

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
  estimationMethod: z.string().nullable().optional(),
  temporalGranularity: z.string().optional(),
});
type WirePoint = z.infer<typeof pointSchema>;
const latestSchema = pointSchema.extend({ zone: z.string() });
const historySchema = z.object({ zone: z.string(), history: z.array(pointSchema) });
// The zone is on every point; the range answer need not repeat it at the top.
const pastRangeSchema = z.object({ zone: z.string().optional(), data: z.array(pointSchema) });
const forecastSchema = z.object({
  zone: z.string(),
  forecast: z.array(z.object({ carbonIntensity: z.number().nonnegative().nullable(), datetime: isoSeconds })),
  updatedAt: isoSeconds,
});
const zonesSchema = z.record(z.string(), z.object({ zoneName: z.string().optional(), countryName: z.string().optional(), countryCode: z.string().optional() }));

/** A place by coordinates (WGS 84 degrees): the API answers for the zone that contains it. */
export interface GeoLocation {
  lat: number;
  lon: number;
}

export interface ElectricityMapsOptions extends LiveProviderCommon {
  /** The `auth-token` (ELECTRICITYMAPS_TOKEN). */
  token: string;
  /** Default https://api.electricitymaps.com (VERDANT_ELECTRICITYMAPS_URL). */
  baseUrl?: string;
  /** "lifecycle" (the API's default) or "direct" emission factors. */
  emissionFactorType?: 'lifecycle' | 'direct';
  /**
   * Ask for measured values only (`disableEstimations=true`): hours the API would otherwise fill with an
   * estimate come back without a value and are left out. Default false: estimates are returned, flagged
   * `estimated: true` with their `estimationMethod`.
   */
  disableEstimations?: boolean;
}

/**
 * Electricity Maps API v3: average (consumption-based) carbon intensity per zone, in gCO2e/kWh. Every method
 * takes a zone or a `{ lat, lon }` location (points then carry the zone the API answered for); measured
 * points carry the API's `isEstimated`/`estimationMethod` as `estimated`/`estimationMethod`.
 */
export class ElectricityMapsProvider extends LiveProviderBase {
  constructor(private readonly options: ElectricityMapsOptions) {
    if (!options.token) {
      throw new ProviderError(NAME, 'auth', 'no API token', { field: 'ELECTRICITYMAPS_TOKEN', fix: 'set ELECTRICITYMAPS_TOKEN to your Electricity Maps API token' });
    }
    super(NAME, options.baseUrl ?? ELECTRICITYMAPS_DEFAULT_URL, options, new Redactor([options.token]));
  }

  async zones(): Promise<ZoneInfo[]> {
    const body = this.parse('zones', zonesSchema, await this.get('/v3/zones', {}));
    return Object.entries(body).map(([zone, z]) => {
      const country = z.countryCode ?? (/^[A-Z]{2}(-|$)/.test(zone) ? zone.slice(0, 2) : undefined);
      return { zone, name: z.zoneName ?? z.countryName ?? zone, ...(country ? { country } : {}), sources: [NAME] };
    });
  }

  async current(where: string | GeoLocation, opts: IntensityQueryOptions = {}): Promise<IntensityPoint> {
    const at = this.place(where, opts);
    const body = this.parse('carbon-intensity/latest', latestSchema, await this.get('/v3/carbon-intensity/latest', at.params, opts.abortSignal));
    const point = this.toPoint(at.zone ?? body.zone, body);
    if (!point) {
      const why = this.options.disableEstimations ? 'no measured value, and estimations are disabled' : 'carbonIntensity is null';
      throw new ProviderError(NAME, 'malformed', `no current carbon intensity for zone ${at.zone ?? body.zone} (${why})`);
    }
    return point;
  }

  async history(where: string | GeoLocation, from: number, to: number, opts: IntensityQueryOptions = {}): Promise<IntensityPoint[]> {
    const at = this.place(where, opts);
    const points: IntensityPoint[] = [];
    const add = (raw: readonly WirePoint[], bodyZone: string | undefined): void => {
      for (const p of raw) {
        const point = this.toPoint(at.zone ?? p.zone ?? bodyZone, p);
        if (point) points.push(point);
      }
    };
    if (from >= this.now() - HISTORY_WINDOW_S) {
      const body = this.parse('carbon-intensity/history', historySchema, await this.get('/v3/carbon-intensity/history', at.params, opts.abortSignal));
      add(body.history, body.zone);
    } else {
      for (const [a, b] of windows(from, to, PAST_RANGE_MAX_S)) {
        const raw = await this.get('/v3/carbon-intensity/past-range', { ...at.params, start: isoFull(a), end: isoFull(b) }, opts.abortSignal);
        const body = this.parse('carbon-intensity/past-range', pastRangeSchema, raw);
        add(body.data, body.zone);
      }
    }
    return overlapping(points, from, to);
  }

  /** Asks for the smallest forecast horizon the API offers (6, 24, 48 or 72 h) that covers horizonS. */
  async forecast(where: string | GeoLocation, horizonS: number, opts: IntensityQueryOptions = {}): Promise<IntensityPoint[]> {
    const at = this.place(where, opts);
    const hours = Math.ceil(horizonS / 3600);
    const horizonHours = FORECAST_HORIZONS_H.find((h) => h >= hours) ?? FORECAST_HORIZONS_H.at(-1)!;
    const params = { ...at.params, horizonHours: String(horizonHours) };
    const body = this.parse('carbon-intensity/forecast', forecastSchema, await this.get('/v3/carbon-intensity/forecast', params, opts.abortSignal));
    const zone = at.zone ?? body.zone;
    const points: IntensityPoint[] = [];
    for (const f of body.forecast) {
      if (f.carbonIntensity === null) continue;
      points.push({ zone, t: f.datetime, resolutionS: 3600, gPerKwh: f.carbonIntensity, signal: 'average', source: NAME, generatedAt: body.updatedAt });
    }
    const now = this.now();
    return overlapping(points, now, now + horizonS);
  }

  private toPoint(zone: string | undefined, p: WirePoint): IntensityPoint | undefined {
    if (p.carbonIntensity === null) return undefined;
    if (zone === undefined) throw new ProviderError(NAME, 'malformed', 'the answer does not say which zone it is for');
    const resolutionS = GRANULARITY_S[p.temporalGranularity ?? 'hourly'] ?? 3600;
    return {
      zone,
      t: p.datetime,
      resolutionS,
      gPerKwh: p.carbonIntensity,
      signal: 'average',
      source: NAME,
      ...(typeof p.isEstimated === 'boolean' ? { estimated: p.isEstimated } : {}),
      ...(p.estimationMethod ? { estimationMethod: p.estimationMethod } : {}),
    };
  }

  /**
   * The query parameters for a zone or a location, and the zone points are labelled with (undefined for a
   * location: the answer names it). Refuses the marginal signal and impossible coordinates before any request.
   */
  private place(where: string | GeoLocation, opts: IntensityQueryOptions): { params: Record<string, string>; zone: string | undefined } {
    this.checkSignal(opts);
    if (typeof where === 'string') return { params: { zone: where }, zone: where };
    const { lat, lon } = where;
    if (!Number.isFinite(lat) || lat < -90 || lat > 90) {
      throw invalidInput('lat', `must be a latitude between -90 and 90 degrees, got ${lat}`, 'give decimal degrees north, e.g. 52.52');
    }
    if (!Number.isFinite(lon) || lon < -180 || lon > 180) {
      throw invalidInput('lon', `must be a longitude between -180 and 180 degrees, got ${lon}`, 'give decimal degrees east, e.g. 13.405');
    }
    return { params: { lat: String(lat), lon: String(lon) }, zone: undefined };
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
    const url = this.url(path, params);
    if (this.options.emissionFactorType && path.startsWith('/v3/carbon-intensity')) {
      url.searchParams.set('emissionFactorType', this.options.emissionFactorType);
    }
    // Measured endpoints only: a forecast is an estimate by nature.
    if (this.options.disableEstimations && path.startsWith('/v3/carbon-intensity') && !path.endsWith('/forecast')) {
      url.searchParams.set('disableEstimations', 'true');
    }
    const headers = { 'auth-token': this.options.token };
    try {
      return await this.fetchJson(url, signal, headers);
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

/** Settings of the Electricity Maps provider (from ELECTRICITYMAPS_TOKEN and VERDANT_ELECTRICITYMAPS_URL). */
export type ElectricityMapsSettings = ProviderSettings<ElectricityMapsOptions>;

/** Enabled by ELECTRICITYMAPS_TOKEN; second in the chain. */
export const electricityMapsProvider = defineLiveProvider({
  name: NAME,
  order: 20,
  fromEnv(env): ElectricityMapsSettings | undefined {
    const token = env.ELECTRICITYMAPS_TOKEN?.trim();
    return token ? { token, ...opt('baseUrl', envUrl(env, 'VERDANT_ELECTRICITYMAPS_URL')) } : undefined;
  },
  create(s: ElectricityMapsSettings, common) {
    if (!s.token) throw missingSetting('ELECTRICITYMAPS_TOKEN', 'set ELECTRICITYMAPS_TOKEN to your Electricity Maps API token');
    return new ElectricityMapsProvider({ ...s, token: s.token, ...common });
  },
});
