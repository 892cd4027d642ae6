import { ExitCode, VerdantError, nowS, type IntensityPoint, type IntensitySignal, type Logger, type Store } from '@verdant/core';
import type { IntensityProvider, IntensityQueryOptions, ZoneInfo } from '../provider.js';
import { SEASONAL_SOURCE, forecast as seasonalForecast } from '../forecast/index.js';
import { ProviderError } from './errors.js';
import { modelHistory } from './model-input.js';
import { isLiveProvider } from './live.js';
import { zoneOwner } from './registry.js';

/** Where an answer came from, best first. */
export type ChainLink = 'live' | 'cache' | 'model' | 'static';

export interface LinkFailure {
  link: ChainLink;
  provider: string;
  error: string;
}

/**
 * An answer with its provenance. `ageS` is how long ago the data was obtained from its original source:
 * 0 for live, now - fetch time for cached values, now - newest fetch among the model's inputs, and null
 * for static yearly averages (not fetched at all). `failures` lists the links tried before this one.
 */
export interface IntensityAnswer {
  points: IntensityPoint[];
  link: ChainLink;
  /** The provider (or "store", or the model's name) that produced the points. */
  provider: string;
  ageS: number | null;
  failures: LinkFailure[];
}

/** A point as the chain's IntensityProvider methods return it: the point plus its answer's provenance. */
export type ChainPoint = IntensityPoint & { link: ChainLink; ageS: number | null };

/**
 * A statistical forecast: points for `horizonS` after the end of `history` (sorted, one resolution).
 * The grid package's seasonal `forecast` is the default; `Forecaster`s from its evaluation fit too.
 */
export type ForecastModel = (history: readonly IntensityPoint[], horizonS: number) => IntensityPoint[] | Promise<IntensityPoint[]>;

/** The three questions a chain answers. */
export type ChainQuery = 'current' | 'history' | 'forecast';

/** Told of every answer and every total failure of a chain (createGridMetrics' observer counts them). */
export interface ChainObserver {
  answered(a: { zone: string; query: ChainQuery; link: ChainLink; provider: string; ageS: number | null; failures: readonly LinkFailure[] }): void;
  failed(f: { zone: string; query: ChainQuery; failures: readonly LinkFailure[] }): void;
}

export interface FallbackChainOptions {
  /**
   * Live providers in order of preference. A zone that a registered provider owns (its descriptor's `owns`)
   * is asked of that provider only; ones with handles(zone) are skipped for zones they do not serve.
   */
  live: IntensityProvider[];
  /** Cache of every live answer and the model's history. Without it the chain is live, then static. */
  store?: Store;
  /** Default: the seasonal regression (`forecast` in the grid package); null: no model link. */
  model?: ForecastModel | null;
  /** Name reported for model answers. Default "model:seasonal" (or "model" for a custom model). */
  modelName?: string;
  static?: IntensityProvider;
  /** Cached values older than this (measured: end of interval; forecasts: generation time) are not used. Default 6 h. */
  maxCacheAgeS?: number;
  /** History fed to the model. Default 14 days. */
  modelHistoryS?: number;
  /** Fewer cached points than this and the model is not tried (the model has its own minimum too). Default 12. */
  minModelPoints?: number;
  logger?: Logger;
  now?: () => number;
  /** Told which link answered each query (or that all failed); an observer that throws is ignored. */
  observer?: ChainObserver;
}

type CachedPoint = IntensityPoint & { fetchedAt: number };

/**
 * live provider(s) → cached values in the store → forecast model over cached history → static averages.
 * Every live answer is written to the store. Each call reports which link answered and how old its data
 * is; when every link fails, the error names each link's failure.
 */
export class FallbackChain implements IntensityProvider {
  readonly name = 'chain';
  private readonly now: () => number;
  private readonly maxCacheAgeS: number;
  private readonly modelHistoryS: number;
  private readonly minModelPoints: number;

  constructor(private readonly options: FallbackChainOptions) {
    this.now = options.now ?? nowS;
    this.maxCacheAgeS = options.maxCacheAgeS ?? 6 * 3600;
    this.modelHistoryS = options.modelHistoryS ?? 14 * 86400;
    this.minModelPoints = options.minModelPoints ?? 12;
  }

  /** Zones any link knows; a live provider that cannot list them is skipped. */
  async zones(): Promise<ZoneInfo[]> {
    const byZone = new Map<string, ZoneInfo>();
    for (const p of [...this.options.live, ...(this.options.static ? [this.options.static] : [])]) {
      let list: ZoneInfo[];
      try {
        list = await p.zones();
      } catch (e) {
        this.options.logger?.warn({ provider: p.name }, `${p.name}: cannot list zones: ${message(e)}`);
        continue;
      }
      for (const z of list) {
        const known = byZone.get(z.zone);
        if (known) known.sources = [...new Set([...known.sources, ...z.sources])];
        else byZone.set(z.zone, { ...z, sources: [...z.sources] });
      }
    }
    return [...byZone.values()];
  }

  async current(zone: string, opts: IntensityQueryOptions = {}): Promise<ChainPoint> {
    const a = await this.currentAnswer(zone, opts);
    return { ...a.points[0]!, link: a.link, ageS: a.ageS };
  }

  async history(zone: string, from: number, to: number, opts: IntensityQueryOptions = {}): Promise<ChainPoint[]> {
    const a = await this.historyAnswer(zone, from, to, opts);
    return a.points.map((p) => ({ ...p, link: a.link, ageS: a.ageS }));
  }

  async forecast(zone: string, horizonS: number, opts: IntensityQueryOptions = {}): Promise<ChainPoint[]> {
    const a = await this.forecastAnswer(zone, horizonS, opts);
    return a.points.map((p) => ({ ...p, link: a.link, ageS: a.ageS }));
  }

  /** The intensity in force now; `points` holds exactly one point. */
  currentAnswer(zone: string, opts: IntensityQueryOptions = {}): Promise<IntensityAnswer> {
    const signal = opts.signal ?? 'average';
    return this.resolve(zone, 'current', [
      ...this.liveLinks(zone, async (p) => [await p.current(zone, opts)]),
      this.cacheLink(async (store, now) => {
        const rows = await store.getIntensity(zone, now - this.maxCacheAgeS - 86400, now + 1, { signal });
        const fresh = rows.filter((r) => r.t <= now && (r.generatedAt === undefined ? r.t + r.resolutionS >= now - this.maxCacheAgeS : r.generatedAt >= now - this.maxCacheAgeS));
        // Prefer the newest measured value; else a cached forecast for the interval that holds now.
        const measured = fresh.filter((r) => r.generatedAt === undefined).at(-1);
        const forecast = fresh.filter((r) => r.generatedAt !== undefined && now < r.t + r.resolutionS).sort((x, y) => y.generatedAt! - x.generatedAt!)[0];
        const pick = measured ?? forecast;
        return pick ? [pick] : [];
      }, 'no cached value for the last ' + this.maxCacheAgeS + ' s'),
      this.modelLink(zone, signal, 3600, (points, now) => {
        const p = points.find((x) => x.t <= now && now < x.t + x.resolutionS) ?? points[0];
        return p ? [p] : [];
      }),
      this.staticLink(async (s) => [await s.current(zone, opts)]),
    ]);
  }

  /** Points overlapping [from, to). The model link does not answer history. */
  historyAnswer(zone: string, from: number, to: number, opts: IntensityQueryOptions = {}): Promise<IntensityAnswer> {
    const signal = opts.signal ?? 'average';
    return this.resolve(zone, 'history', [
      ...this.liveLinks(zone, (p) => p.history(zone, from, to, opts)),
      this.cacheLink(async (store) => {
        const rows = await store.getIntensity(zone, from - 86400, to, { signal, forecasts: false });
        return rows.filter((r) => r.t + r.resolutionS > from);
      }, 'no cached values in the range'),
      this.staticLink((s) => s.history(zone, from, to, opts)),
    ]);
  }

  /** Points from now to now + horizonS. */
  forecastAnswer(zone: string, horizonS: number, opts: IntensityQueryOptions = {}): Promise<IntensityAnswer> {
    const signal = opts.signal ?? 'average';
    return this.resolve(zone, 'forecast', [
      ...this.liveLinks(zone, (p) => {
        if (!p.forecast) throw new Error('offers no forecast');
        return p.forecast(zone, horizonS, opts);
      }),
      this.cacheLink(async (store, now) => {
        const rows = await store.getIntensity(zone, now - 86400, now + horizonS, { signal });
        // The newest forecast run that is fresh enough and still covers now, all of its points.
        const runs = rows.filter((r) => r.generatedAt !== undefined && r.generatedAt >= now - this.maxCacheAgeS);
        const newest = Math.max(...runs.map((r) => r.generatedAt!));
        return runs.filter((r) => r.generatedAt === newest && r.t + r.resolutionS > now && r.t < now + horizonS);
      }, 'no fresh cached forecast'),
      this.modelLink(zone, signal, horizonS, (points, now) => points.filter((p) => p.t + p.resolutionS > now && p.t < now + horizonS)),
      // Static averages hold for any future time: their (yearly) points overlapping the horizon.
      this.staticLink((s) => {
        const now = this.now();
        return s.forecast ? s.forecast(zone, horizonS, opts) : s.history(zone, now, now + horizonS, opts);
      }),
    ]);
  }

  // ---- links ----

  private liveLinks(zone: string, ask: (p: IntensityProvider) => Promise<IntensityPoint[]>): Link[] {
    // The chain, not the providers, decides who owns a zone: an owned zone goes to its owner alone.
    const owner = zoneOwner(zone);
    return this.options.live
      .filter((p) => (owner === undefined || p.name === owner) && (!isLiveProvider(p) || p.handles(zone)))
      .map((p) => ({
        link: 'live' as const,
        provider: p.name,
        run: async () => {
          const points = await ask(p);
          await this.cache(points);
          return { points, ageS: 0 };
        },
      }));
  }

  private cacheLink(read: (store: Store, now: number) => Promise<CachedPoint[]>, emptyReason: string): Link {
    return {
      link: 'cache',
      provider: 'store',
      run: async () => {
        const store = this.requireStore();
        const now = this.now();
        const rows = await read(store, now);
        if (rows.length === 0) throw new Error(emptyReason);
        const newestFetch = Math.max(...rows.map((r) => r.fetchedAt));
        return { points: rows.map(stripFetchedAt), ageS: Math.max(0, now - newestFetch) };
      },
    };
  }

  private modelLink(zone: string, signal: IntensitySignal, horizonS: number, pick: (points: IntensityPoint[], now: number) => IntensityPoint[]): Link {
    const model = this.options.model === undefined ? seasonalForecast : this.options.model;
    return {
      link: 'model',
      provider: this.options.modelName ?? (this.options.model === undefined ? SEASONAL_SOURCE : 'model'),
      run: async () => {
        if (!model) throw new Error('no forecast model configured');
        const store = this.requireStore();
        const now = this.now();
        const history = modelHistory(await store.getIntensity(zone, now - this.modelHistoryS, now, { signal, forecasts: false }));
        if (history.length < this.minModelPoints) throw new Error(`${history.length} cached points, the model needs ${this.minModelPoints}`);
        // The model forecasts from the end of its history, which may lie before now: stretch the horizon.
        const last = history.at(-1)!;
        const span = Math.max(horizonS, now + horizonS - (last.t + last.resolutionS));
        const points = pick(await model(history.map(stripFetchedAt), span), now);
        if (points.length === 0) throw new Error('the model returned no points for the period');
        return { points, ageS: Math.max(0, now - Math.max(...history.map((h) => h.fetchedAt))) };
      },
    };
  }

  private staticLink(ask: (s: IntensityProvider) => Promise<IntensityPoint[]>): Link {
    const s = this.options.static;
    return {
      link: 'static',
      provider: s?.name ?? 'static',
      run: async () => {
        if (!s) throw new Error('no static provider configured');
        return { points: await ask(s), ageS: null };
      },
    };
  }

  // ---- machinery ----

  private async resolve(zone: string, what: ChainQuery, links: Link[]): Promise<IntensityAnswer> {
    const failures: LinkFailure[] = [];
    for (const l of links) {
      try {
        const { points, ageS } = await l.run();
        if (points.length === 0) throw new Error('no data for the period');
        if (failures.length) this.options.logger?.info({ zone, link: l.link, provider: l.provider }, `intensity ${what} for ${zone} from ${l.link} (${l.provider})`);
        this.observe((o) => o.answered({ zone, query: what, link: l.link, provider: l.provider, ageS, failures }));
        return { points, link: l.link, provider: l.provider, ageS, failures };
      } catch (e) {
        failures.push({ link: l.link, provider: l.provider, error: message(e) });
        this.options.logger?.warn({ zone, link: l.link, provider: l.provider }, `intensity ${what} for ${zone}: ${l.link} (${l.provider}) failed: ${message(e)}`);
      }
    }
    this.observe((o) => o.failed({ zone, query: what, failures }));
    const detail = failures.map((f) => `${f.link} (${f.provider}): ${f.error}`).join('; ');
    throw new VerdantError(`no carbon intensity ${what} for zone ${zone}: ${detail}`, {
      field: 'zone',
      fix: 'check the zone name and provider credentials, or configure a static fallback',
      exitCode: ExitCode.provider,
    });
  }

  /** Metrics must never cost the caller an answer. */
  private observe(tell: (o: ChainObserver) => void): void {
    const o = this.options.observer;
    if (!o) return;
    try {
      tell(o);
    } catch (e) {
      this.options.logger?.warn(`intensity observer failed: ${message(e)}`);
    }
  }

  private async cache(points: readonly IntensityPoint[]): Promise<void> {
    const store = this.options.store;
    if (!store || points.length === 0) return;
    try {
      await store.putIntensity(points, this.now());
    } catch (e) {
      // A cache that cannot be written must not cost the caller a live answer.
      this.options.logger?.warn(`intensity cache write failed: ${message(e)}`);
    }
  }

  private requireStore(): Store {
    if (!this.options.store) throw new Error('no store configured');
    return this.options.store;
  }
}

interface Link {
  link: ChainLink;
  provider: string;
  run(): Promise<{ points: IntensityPoint[]; ageS: number | null }>;
}

function stripFetchedAt({ fetchedAt: _f, ...p }: CachedPoint): IntensityPoint {
  return p;
}

/** The error's message without the provider-name prefix the chain already reports. */
function message(e: unknown): string {
  if (e instanceof ProviderError) return e.message.replace(`${e.provider}: `, '');
  return e instanceof Error ? e.message : String(e);
}
