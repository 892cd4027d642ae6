import { Writable } from 'node:stream';
import { REDACTED_KEYS, Store, VerdantError } from '@verdant/core';
import { pino } from 'pino';
import { serviceUrl } from '@verdant/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaticProvider } from '../../src/static/static-provider.js';
import { ElectricityMapsProvider, FallbackChain, type ForecastModel } from '../../src/providers/index.js';
import { FakeServer, at, fixture } from './fake-server.js';

const TOKEN = 'em-chain-token-3b7f01';
const START = at('2025-03-01T12:20:00Z');
const FAST = { initialDelayS: 0.01, maxDelayS: 0.02, timeoutS: 2, maxAttempts: 2, breakerThreshold: 2, halfOpenAfterS: 3600 };

/** An Electricity Maps stand-in that can be switched to failing; it echoes the token in its errors. */
function electricityMaps(server: FakeServer, state: { failing: boolean }): void {
  const answer = (name: string) => () =>
    state.failing ? { status: 500, json: { message: `internal error for auth-token ${TOKEN}` } } : { json: fixture(`electricitymaps/${name}.json`) };
  server
    .route('/v3/carbon-intensity/latest', answer('latest'))
    .route('/v3/carbon-intensity/history', answer('history'))
    .route('/v3/carbon-intensity/forecast', answer('forecast'))
    .route('/v3/zones', answer('zones'));
}

describe('FallbackChain', () => {
  let server: FakeServer;
  let store: Store;
  let clock: number;
  const state = { failing: false };
  let logLines: string[];
  let chain: FallbackChain;

  const makeChain = (over: Partial<ConstructorParameters<typeof FallbackChain>[0]> = {}) => {
    const logger = pino(
      { level: 'debug', redact: { paths: REDACTED_KEYS, censor: '[redacted]' } },
      new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }),
    );
    const em = new ElectricityMapsProvider({ token: TOKEN, baseUrl: server.url, now: () => clock, resilience: FAST, logger });
    return new FallbackChain({ live: [em], store, static: new StaticProvider({ clock: () => clock }), now: () => clock, maxCacheAgeS: 3 * 3600, logger, ...over });
  };

  beforeEach(async () => {
    server = await FakeServer.start();
    state.failing = false;
    electricityMaps(server, state);
    store = await Store.open({ url: 'sqlite::memory:' });
    clock = START;
    logLines = [];
    chain = makeChain();
  });
  afterEach(async () => {
    await server.close();
    await store.close();
  });

  it('answers live and caches every live answer', async () => {
    const a = await chain.currentAnswer('DE');
    expect(a).toMatchObject({ link: 'live', provider: 'electricitymaps', ageS: 0, failures: [] });
    expect(a.points[0]!.gPerKwh).toBe(302);
    await chain.historyAnswer('DE', START - 24 * 3600, START);
    await chain.forecastAnswer('DE', 6 * 3600);
    const cached = await store.getIntensity('DE', START - 86400, START + 86400);
    expect(cached.filter((p) => p.generatedAt === undefined)).toHaveLength(23);
    expect(cached.filter((p) => p.generatedAt === at('2025-03-01T11:48:00Z'))).toHaveLength(7);
    expect(cached.every((p) => p.fetchedAt === START)).toBe(true);
  });

  it('opens the breaker on repeated failures and falls back to the cache, then the model, then static', async () => {
    await chain.historyAnswer('DE', START - 24 * 3600, START); // fills the cache with a day of history
    await chain.currentAnswer('DE');
    await chain.forecastAnswer('DE', 6 * 3600);
    state.failing = true;
    clock += 600;

    // Two attempts, both 500: the call fails, the breaker opens, the cache answers.
    const fromCache = await chain.currentAnswer('DE');
    expect(fromCache).toMatchObject({ link: 'cache', provider: 'store', ageS: 600 });
    expect(fromCache.points[0]).toMatchObject({ t: at('2025-03-01T12:00:00Z'), gPerKwh: 302, source: 'electricitymaps' });
    expect(fromCache.failures).toEqual([{ link: 'live', provider: 'electricitymaps', error: expect.stringContaining('HTTP 500') }]);
    const hitsWhenOpened = server.requests.length;

    // The breaker is open now: no more requests reach the server.
    const again = await chain.currentAnswer('DE');
    expect(again.link).toBe('cache');
    expect(again.failures[0]!.error).toMatch(/circuit open/);
    expect(server.requests.length).toBe(hitsWhenOpened);
    const cachedForecast = await chain.forecastAnswer('DE', 3 * 3600);
    expect(cachedForecast).toMatchObject({ link: 'cache', ageS: 600 });
    expect(cachedForecast.points.every((p) => p.generatedAt === at('2025-03-01T11:48:00Z'))).toBe(true);

    // Past the cache's age limit the seasonal model forecasts from the cached history.
    clock += 4 * 3600;
    const fromModel = await chain.currentAnswer('DE');
    expect(fromModel).toMatchObject({ link: 'model', provider: 'model:seasonal', ageS: 4 * 3600 + 600 });
    const p = fromModel.points[0]!;
    expect(p.t).toBeLessThanOrEqual(clock);
    expect(p.t + p.resolutionS).toBeGreaterThan(clock);
    expect(p.source).toBe('model:seasonal');
    expect(p.gPerKwh).toBeGreaterThan(100); // the fixture day ranges 270-390 g/kWh
    expect(p.gPerKwh).toBeLessThan(600);
    expect(fromModel.failures.map((f) => f.link)).toEqual(['live', 'cache']);
    const modelForecast = await chain.forecastAnswer('DE', 6 * 3600);
    expect(modelForecast.link).toBe('model');
    expect(modelForecast.points.length).toBeGreaterThanOrEqual(6);

    // With no model and a stale cache, the static yearly average answers.
    const noModel = makeChain({ model: null });
    await noModel.currentAnswer('DE').catch(() => undefined); // its own breaker opens
    const fromStatic = await noModel.currentAnswer('DE');
    expect(fromStatic).toMatchObject({ link: 'static', provider: 'static', ageS: null });
    expect(fromStatic.points[0]!.source).toMatch(/^static:tgwf-co2/);
    expect(fromStatic.failures.map((f) => f.link)).toEqual(['live', 'cache', 'model']);
  });

  it('returns points annotated with their link through the IntensityProvider methods', async () => {
    const p = await chain.current('DE');
    expect(p).toMatchObject({ zone: 'DE', gPerKwh: 302, link: 'live', ageS: 0 });
    state.failing = true;
    const history = await chain.history('DE', START - 3600, START);
    expect(history.every((x) => x.link === 'cache')).toBe(true);
  });

  it('uses a model given to it, fed with sorted single-resolution history', async () => {
    await chain.historyAnswer('DE', START - 24 * 3600, START);
    state.failing = true;
    let seen: number[] = [];
    const flat: ForecastModel = (history, horizonS) => {
      seen = history.map((h) => h.t);
      const last = history.at(-1)!;
      return Array.from({ length: Math.ceil(horizonS / 3600) }, (_, i) => ({ ...last, t: last.t + (i + 1) * 3600, gPerKwh: 111, source: 'model:flat' }));
    };
    const custom = makeChain({ model: flat, modelName: 'model:flat', minModelPoints: 5 });
    const a = await custom.forecastAnswer('DE', 3 * 3600);
    expect(a.link).toBe('model');
    expect(a.provider).toBe('model:flat');
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(a.points.map((x) => x.t)).toEqual([13, 14, 15].map((h) => at(`2025-03-01T${h}:00:00Z`)));
    expect(a.points.every((x) => x.gPerKwh === 111)).toBe(true);
  });

  it('names every link when all of them fail', async () => {
    state.failing = true;
    const err = (await chain.currentAnswer('QQ-NOWHERE').catch((e: unknown) => e)) as VerdantError;
    expect(err).toBeInstanceOf(VerdantError);
    expect(err.field).toBe('zone');
    expect(err.message).toMatch(/live \(electricitymaps\): .*HTTP 500/);
    expect(err.message).toMatch(/cache \(store\): no cached value/);
    expect(err.message).toMatch(/model \(model:seasonal\): 0 cached points/);
    expect(err.message).toMatch(/static \(static\): .*unknown grid zone/);
  });

  it('keeps the token out of logs and errors while it retries and falls back', async () => {
    state.failing = true;
    await chain.currentAnswer('DE').catch((e: unknown) => logLines.push(String((e as Error).message)));
    await chain.currentAnswer('QQ-NOWHERE').catch((e: unknown) => logLines.push(JSON.stringify((e as VerdantError).toJSON())));
    const all = logLines.join('\n');
    expect(all).toMatch(/retrying after/);
    expect(all).toMatch(/circuit opened/);
    expect(all).toContain('[redacted]');
    expect(all).not.toContain(TOKEN);
  });

  it('works without a store: live, then static', async () => {
    const bare = makeChain({ store: undefined });
    state.failing = true;
    const a = await bare.currentAnswer('DE');
    expect(a.link).toBe('static');
    expect(a.failures.map((f) => [f.link, f.error])).toEqual([
      ['live', expect.stringContaining('HTTP 500')],
      ['cache', 'no store configured'],
      ['model', 'no store configured'],
    ]);
  });

  it('skips live providers for zones they do not serve', async () => {
    const a = await chain.currentAnswer('GB-region-13');
    expect(a.link).toBe('static');
    expect(server.requests).toHaveLength(0);
    expect(a.failures.map((f) => f.link)).toEqual(['cache', 'model']);
  });

  it('merges zones from live and static providers', async () => {
    const zones = await chain.zones();
    const de = zones.find((z) => z.zone === 'DE')!;
    expect(de.sources).toContain('electricitymaps');
    expect(de.sources.some((s) => s.startsWith('static:'))).toBe(true);
    expect(zones.some((z) => z.zone === 'US-CAL-CISO')).toBe(true);
  });
});

const pgUrl = serviceUrl('postgres');
describe.skipIf(!pgUrl)('FallbackChain over PostgreSQL', () => {
  it('caches live answers and serves them when the provider fails', async () => {
    const server = await FakeServer.start();
    const state = { failing: false };
    electricityMaps(server, state);
    const store = await Store.open({ url: pgUrl! });
    const zone = `DE-TEST-${process.pid}-${Date.now()}`;
    try {
      const em = new ElectricityMapsProvider({ token: TOKEN, baseUrl: server.url, now: () => START, resilience: FAST });
      const chain = new FallbackChain({ live: [em], store, model: null, now: () => START });
      expect((await chain.currentAnswer(zone)).link).toBe('live');
      state.failing = true;
      const a = await chain.currentAnswer(zone);
      expect(a).toMatchObject({ link: 'cache', ageS: 0 });
      expect(a.points[0]).toMatchObject({ zone, gPerKwh: 302, resolutionS: 3600, signal: 'average' });
    } finally {
      await store.db.deleteFrom('intensity_points').where('zone', '=', zone).execute();
      await store.close();
      await server.close();
    }
  });
});
