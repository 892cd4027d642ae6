import { z } from 'zod';
import { LB_PER_MWH_TO_G_PER_KWH, type IntensityPoint, type IntensitySignal } from '@verdant/core';
import type { IntensityQueryOptions, ZoneInfo } from '../provider.js';
import { LiveProviderBase, defineLiveProvider, envUrl, missingSetting, opt, type LiveProviderCommon, type ProviderSettings } from './base.js';
import { ProviderError } from './errors.js';
import { Redactor } from './redact.js';
import { isoFull, isoSeconds, overlapping, windows } from './time.js';

export const WATTTIME_DEFAULT_URL = 'https://api.watttime.org';
const NAME = 'watttime';
/** Tokens are valid for 30 minutes; renew a little early so a call never races the expiry. */
const TOKEN_LIFETIME_S = 30 * 60;
const TOKEN_MARGIN_S = 120;
/** /v3/historical accepts at most 32 days per request. */
const HISTORICAL_MAX_S = 30 * 86400;
const MAX_HORIZON_H = 72;
const DEFAULT_PERIOD_S = 300;
/**
 * Marginal unless asked otherwise, as WattTime's own client and the Carbon Aware SDK do: every plan has
 * co2_moer, while co2_aoer is not on every plan (a 403 otherwise).
 */
const DEFAULT_SIGNAL: IntensitySignal = 'marginal';

const SIGNAL_TYPE: Record<IntensitySignal, string> = { marginal: 'co2_moer', average: 'co2_aoer' };
/** Factors from the units a response declares to gCO2e/kWh (1 kg/MWh = 1 g/kWh). */
const TO_G_PER_KWH: Record<string, number> = {
  lbs_co2_per_mwh: LB_PER_MWH_TO_G_PER_KWH,
  kg_co2_per_mwh: 1,
  g_co2_per_kwh: 1,
};

const loginSchema = z.object({ token: z.string().min(1) });
const dataPoint = z.object({ point_time: isoSeconds, value: z.number().finite() });
const dataMeta = z.object({
  region: z.string(),
  signal_type: z.string(),
  units: z.string(),
  data_point_period_seconds: z.number().positive().optional(),
});
const historicalSchema = z.object({ data: z.array(dataPoint), meta: dataMeta });
const forecastSchema = z.object({ data: z.array(dataPoint), meta: dataMeta.extend({ generated_at: isoSeconds }) });
const myAccessSchema = z.object({
  signal_types: z.array(
    z.object({
      signal_type: z.string(),
      regions: z.array(z.object({ region: z.string(), region_full_name: z.string().optional() })),
    }),
  ),
});
const regionFromLocSchema = z.object({ region: z.string(), region_full_name: z.string().optional(), signal_type: z.string() });

export interface WattTimeOptions extends LiveProviderCommon {
  /** WATTTIME_USERNAME */
  username: string;
  /** WATTTIME_PASSWORD */
  password: string;
  /** Default https://api.watttime.org (VERDANT_WATTTIME_URL). */
  baseUrl?: string;
}

/**
 * WattTime API v3: marginal (co2_moer, the default when no signal is asked for) and average (co2_aoer, on
 * request) emissions per balancing-authority region (zones are WattTime region codes such as CAISO_NORTH).
 * Values arrive in lbs/MWh and leave in gCO2e/kWh.
 */
export class WattTimeProvider extends LiveProviderBase {
  private token: { value: string; renewAt: number } | undefined;
  private loginInFlight: Promise<string> | undefined;

  constructor(private readonly options: WattTimeOptions) {
    if (!options.username || !options.password) {
      throw new ProviderError(NAME, 'auth', 'no username/password', {
        field: 'WATTTIME_USERNAME',
        fix: 'set WATTTIME_USERNAME and WATTTIME_PASSWORD to your WattTime account',
      });
    }
    super(NAME, options.baseUrl ?? WATTTIME_DEFAULT_URL, options, Redactor.withBasicAuth(options.username, options.password));
  }

  /** Regions this account may query, from /v3/my-access. */
  async zones(): Promise<ZoneInfo[]> {
    const body = this.parse('my-access', myAccessSchema, await this.get('v3/my-access', {}));
    const byRegion = new Map<string, ZoneInfo>();
    for (const st of body.signal_types) {
      for (const r of st.regions) {
        if (!byRegion.has(r.region)) byRegion.set(r.region, { zone: r.region, name: r.region_full_name ?? r.region, sources: [NAME] });
      }
    }
    return [...byRegion.values()];
  }

  /** The region (zone) that contains a point, for a signal type. */
  async regionFromLocation(latitude: number, longitude: number, signal: IntensitySignal = DEFAULT_SIGNAL): Promise<ZoneInfo> {
    const body = this.parse(
      'region-from-loc',
      regionFromLocSchema,
      await this.get('v3/region-from-loc', { latitude: String(latitude), longitude: String(longitude), signal_type: SIGNAL_TYPE[signal] }),
    );
    return { zone: body.region, name: body.region_full_name ?? body.region, sources: [NAME] };
  }

  /** The real-time value: the forecast endpoint with horizon_hours=0 returns just the current point. */
  async current(zone: string, opts: IntensityQueryOptions = {}): Promise<IntensityPoint> {
    const signal = opts.signal ?? DEFAULT_SIGNAL;
    const body = this.parse(
      'forecast',
      forecastSchema,
      await this.get('v3/forecast', { region: zone, signal_type: SIGNAL_TYPE[signal], horizon_hours: '0' }, opts.abortSignal),
    );
    const [first] = this.toPoints(zone, signal, body);
    if (!first) throw new ProviderError(NAME, 'malformed', `no current value for region ${zone}`);
    const { generatedAt: _generatedAt, ...measured } = first;
    return measured;
  }

  async history(zone: string, from: number, to: number, opts: IntensityQueryOptions = {}): Promise<IntensityPoint[]> {
    const signal = opts.signal ?? DEFAULT_SIGNAL;
    const points: IntensityPoint[] = [];
    for (const [a, b] of windows(from, to, HISTORICAL_MAX_S)) {
      const params = { region: zone, start: isoFull(a), end: isoFull(b), signal_type: SIGNAL_TYPE[signal] };
      points.push(...this.toPoints(zone, signal, this.parse('historical', historicalSchema, await this.get('v3/historical', params, opts.abortSignal))));
    }
    return overlapping(points, from, to);
  }

  async forecast(zone: string, horizonS: number, opts: IntensityQueryOptions = {}): Promise<IntensityPoint[]> {
    const signal = opts.signal ?? DEFAULT_SIGNAL;
    const hours = Math.min(MAX_HORIZON_H, Math.max(1, Math.ceil(horizonS / 3600)));
    const body = this.parse(
      'forecast',
      forecastSchema,
      await this.get('v3/forecast', { region: zone, signal_type: SIGNAL_TYPE[signal], horizon_hours: String(hours) }, opts.abortSignal),
    );
    const now = this.now();
    return overlapping(this.toPoints(zone, signal, body), now, now + horizonS);
  }

  private toPoints(zone: string, signal: IntensitySignal, body: z.infer<typeof historicalSchema> & { meta: { generated_at?: number } }): IntensityPoint[] {
    const factor = TO_G_PER_KWH[body.meta.units];
    if (factor === undefined) throw new ProviderError(NAME, 'malformed', `unknown units "${body.meta.units.slice(0, 40)}" (expected lbs_co2_per_mwh)`);
    const resolutionS = body.meta.data_point_period_seconds ?? DEFAULT_PERIOD_S;
    const generatedAt = body.meta.generated_at;
    return body.data.map((d) => ({
      zone,
      t: d.point_time,
      resolutionS,
      gPerKwh: d.value * factor,
      signal,
      source: NAME,
      ...(generatedAt !== undefined ? { generatedAt } : {}),
    }));
  }

  /** One authenticated GET: logs in when there is no fresh token, and once more if the token is refused. */
  private async get(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    const url = this.url(path, params);
    return this.guarded(async (s) => {
      const call = (token: string) => this.request(url, s, { authorization: `Bearer ${token}` });
      try {
        return await call(await this.validToken(s));
      } catch (e) {
        if (!(e instanceof ProviderError && e.kind === 'auth' && e.status === 401)) throw this.explain(e);
        this.options.logger?.info({ provider: NAME }, 'watttime: token refused, logging in again');
        this.token = undefined;
        try {
          return await call(await this.validToken(s));
        } catch (again) {
          throw this.explain(again);
        }
      }
    }, signal);
  }

  private async validToken(signal: AbortSignal): Promise<string> {
    if (this.token && this.now() < this.token.renewAt) return this.token.value;
    // Concurrent callers share one login.
    this.loginInFlight ??= this.login(signal).finally(() => {
      this.loginInFlight = undefined;
    });
    return this.loginInFlight;
  }

  private async login(signal: AbortSignal): Promise<string> {
    const basic = Buffer.from(`${this.options.username}:${this.options.password}`).toString('base64');
    let body: unknown;
    try {
      body = await this.request(this.url('login'), signal, { authorization: `Basic ${basic}` });
    } catch (e) {
      if (e instanceof ProviderError && e.kind === 'auth') {
        // No status on purpose: a refused login must not trigger the re-login path in get().
        throw new ProviderError(NAME, 'auth', `login refused (HTTP ${e.status ?? '?'})`, {
          field: 'WATTTIME_PASSWORD',
          fix: 'check WATTTIME_USERNAME and WATTTIME_PASSWORD',
        });
      }
      throw e;
    }
    const { token } = this.parse('login', loginSchema, body);
    this.redactor.add(token);
    this.token = { value: token, renewAt: this.now() + TOKEN_LIFETIME_S - TOKEN_MARGIN_S };
    return token;
  }

  private explain(e: unknown): unknown {
    if (e instanceof ProviderError && e.kind === 'auth' && e.status === 403) {
      return new ProviderError(NAME, 'auth', e.message.replace(`${NAME}: `, ''), {
        status: 403,
        field: 'zone',
        fix: 'your WattTime plan does not cover this region or signal; list yours with zones()',
      });
    }
    return e;
  }
}

/** Settings of the WattTime provider (from WATTTIME_USERNAME, WATTTIME_PASSWORD and VERDANT_WATTTIME_URL). */
export type WattTimeSettings = ProviderSettings<WattTimeOptions>;

/** Enabled by WATTTIME_USERNAME or WATTTIME_PASSWORD (both needed: one alone names the other); third in the chain. */
export const wattTimeProvider = defineLiveProvider({
  name: NAME,
  order: 30,
  fromEnv(env): WattTimeSettings | undefined {
    const username = env.WATTTIME_USERNAME?.trim();
    const password = env.WATTTIME_PASSWORD;
    if (!username && !password) return undefined;
    return { ...opt('username', username), ...opt('password', password), ...opt('baseUrl', envUrl(env, 'VERDANT_WATTTIME_URL')) };
  },
  create(s: WattTimeSettings, common) {
    if (!s.username) throw missingSetting('WATTTIME_USERNAME', 'set WATTTIME_USERNAME and WATTTIME_PASSWORD to your WattTime account');
    if (!s.password) throw missingSetting('WATTTIME_PASSWORD', 'set WATTTIME_PASSWORD along with WATTTIME_USERNAME');
    return new WattTimeProvider({ ...s, username: s.username, password: s.password, ...common });
  },
});
