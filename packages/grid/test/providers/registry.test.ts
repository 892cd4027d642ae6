import { z } from 'zod';
import { ExitCode, Store, type IntensityPoint } from '@verdant/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IntensityQueryOptions, ZoneInfo } from '../../src/provider.js';
import {
  LiveProviderBase,
  Redactor,
  defineLiveProvider,
  envUrl,
  liveProviderNames,
  missingSetting,
  providerFromEnv,
  providersConfigFromEnv,
  registerLiveProvider,
  type LiveProviderCommon,
} from '../../src/providers/index.js';
import { FakeServer, at, fixture } from './fake-server.js';

const NOW = at('2025-03-01T12:20:00Z');
const FAST = { initialDelayS: 0.01, maxDelayS: 0.02, timeoutS: 2, maxAttempts: 1, breakerThreshold: 2, halfOpenAfterS: 3600 };
const TOKEN = 'gridtest-secret-9d41c7';

/**
 * A live provider written the way a new one would be: one class on the shared base and one descriptor,
 * registered from here. It answers every zone, and owns the "XT-" zones (names only it understands).
 */
class GridTestProvider extends LiveProviderBase {
  constructor(
    private readonly token: string,
    baseUrl: string,
    common: LiveProviderCommon,
  ) {
    super('gridtest', baseUrl, common, new Redactor([token]));
  }
  async zones(): Promise<ZoneInfo[]> {
    return [{ zone: 'XT-1', name: 'Test zone', sources: [this.name] }];
  }
  async current(zone: string, opts: IntensityQueryOptions = {}): Promise<IntensityPoint> {
    const body = this.parse('now', z.object({ g: z.number() }), await this.fetchJson(this.url('now', { zone }), opts.abortSignal, { 'x-token': this.token }));
    return { zone, t: Math.floor(this.now() / 3600) * 3600, resolutionS: 3600, gPerKwh: body.g, signal: 'average', source: this.name };
  }
  async history(): Promise<IntensityPoint[]> {
    return [];
  }
}

const gridTest = defineLiveProvider({
  name: 'gridtest',
  order: 15, // after the UK API, before Electricity Maps
  fromEnv: (env): { token?: string; baseUrl?: string } | undefined => {
    const baseUrl = envUrl(env, 'VERDANT_GRIDTEST_URL');
    return baseUrl ? { baseUrl, ...(env.GRIDTEST_TOKEN ? { token: env.GRIDTEST_TOKEN } : {}) } : undefined;
  },
  create: (s: { token?: string; baseUrl?: string }, common) => {
    if (!s.token) throw missingSetting('GRIDTEST_TOKEN', 'set GRIDTEST_TOKEN');
    return new GridTestProvider(s.token, s.baseUrl!, common);
  },
  owns: (zone) => zone.startsWith('XT-'),
});

describe('registering a live provider from one descriptor', () => {
  let test: FakeServer;
  let em: FakeServer;
  let store: Store;
  let unregister: () => void;
  beforeEach(async () => {
    test = await FakeServer.start();
    test.route('/now', (req) =>
      req.headers['x-token'] === TOKEN && req.query.get('zone') !== 'DE' ? { json: { g: 123 } } : { status: 500, json: { error: `refused token ${String(req.headers['x-token'])}` } },
    );
    em = await FakeServer.start();
    em.route('/v3/carbon-intensity/latest', () => ({ json: fixture('electricitymaps/latest.json') }));
    store = await Store.open({ url: 'sqlite::memory:' });
    unregister = registerLiveProvider(gridTest);
  });
  afterEach(async () => {
    unregister();
    await test.close();
    await em.close();
    await store.close();
  });

  const env = (over: Record<string, string> = {}) => ({
    VERDANT_OFFLINE: '',
    VERDANT_UKGRID_URL: 'http://127.0.0.1:9', // configured, never asked for these zones
    VERDANT_GRIDTEST_URL: test.url,
    GRIDTEST_TOKEN: TOKEN,
    VERDANT_ELECTRICITYMAPS_URL: em.url,
    ELECTRICITYMAPS_TOKEN: 'tok-123456',
    ...over,
  });

  it('is configured from the environment and placed in the chain by its order', () => {
    expect(liveProviderNames()).toEqual(['ukgrid', 'gridtest', 'electricitymaps', 'watttime']);
    expect(providersConfigFromEnv(env()).providers).toMatchObject({ gridtest: { baseUrl: test.url, token: TOKEN } });
    expect(() => providerFromEnv(env({ GRIDTEST_TOKEN: '' }), store)).toThrow(expect.objectContaining({ field: 'GRIDTEST_TOKEN', exitCode: ExitCode.config }));
  });

  it('answers its own zones alone, live, and the answer is cached', async () => {
    const chain = providerFromEnv(env(), store, { now: () => NOW, resilience: FAST });
    expect(await chain.currentAnswer('XT-1')).toMatchObject({ link: 'live', provider: 'gridtest', points: [{ gPerKwh: 123 }], failures: [] });
    expect(test.hits('/now')).toHaveLength(1);
    expect(em.requests).toHaveLength(0);
    expect(await store.getIntensity('XT-1', NOW - 3600, NOW + 1)).toEqual([expect.objectContaining({ gPerKwh: 123, source: 'gridtest' })]);
  });

  it('is asked before the providers after it, and its failure falls through to them with the secret redacted', async () => {
    const chain = providerFromEnv(env(), store, { now: () => NOW, resilience: FAST });
    const a = await chain.currentAnswer('DE');
    expect(a).toMatchObject({ link: 'live', provider: 'electricitymaps' });
    expect(a.failures).toEqual([{ link: 'live', provider: 'gridtest', error: expect.stringContaining('HTTP 500') }]);
    expect(a.failures[0]!.error).not.toContain(TOKEN);
    expect(a.failures[0]!.error).toContain('[redacted]');
  });

  it('keeps its zones from the other providers even when it is not configured', async () => {
    const chain = providerFromEnv(env({ VERDANT_GRIDTEST_URL: '' }), store, { now: () => NOW, resilience: FAST });
    await expect(chain.currentAnswer('XT-1')).rejects.toMatchObject({ exitCode: ExitCode.provider });
    expect(em.requests).toHaveLength(0);
    expect(test.requests).toHaveLength(0);
  });

  it('refuses a second provider of the same name, and is gone once unregistered', () => {
    expect(() => registerLiveProvider(gridTest)).toThrow(expect.objectContaining({ field: 'provider', exitCode: ExitCode.usage }));
    unregister();
    expect(liveProviderNames()).toEqual(['ukgrid', 'electricitymaps', 'watttime']);
    expect(providersConfigFromEnv(env()).providers).not.toHaveProperty('gridtest');
  });
});
