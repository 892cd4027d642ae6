import { ExitCode, Store, VerdantError } from '@verdant/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ElectricityMapsProvider,
  UkGridProvider,
  WattTimeProvider,
  createProvider,
  liveProviders,
  providerFromEnv,
  providersConfigFromEnv,
} from '../../src/providers/index.js';
import { FakeServer, at, fixture } from './fake-server.js';

const NOW = at('2025-03-01T12:20:00Z');
const FAST = { initialDelayS: 0.01, maxDelayS: 0.02, timeoutS: 2, maxAttempts: 1 };

describe('providersConfigFromEnv', () => {
  it('reads keys and base-URL overrides', () => {
    const config = providersConfigFromEnv({
      ELECTRICITYMAPS_TOKEN: ' tok-123456 ',
      VERDANT_ELECTRICITYMAPS_URL: 'http://127.0.0.1:9001',
      WATTTIME_USERNAME: 'me',
      WATTTIME_PASSWORD: 'secret-pw',
      VERDANT_UKGRID_URL: 'http://127.0.0.1:9002/',
    });
    expect(config).toEqual({
      providers: {
        electricitymaps: { token: 'tok-123456', baseUrl: 'http://127.0.0.1:9001' },
        watttime: { username: 'me', password: 'secret-pw' },
        ukgrid: { baseUrl: 'http://127.0.0.1:9002/' },
      },
    });
    expect(liveProviders(config).map((p) => p.name)).toEqual(['ukgrid', 'electricitymaps', 'watttime']);
  });

  it('enables only the UK API without keys, and nothing offline', () => {
    expect(liveProviders(providersConfigFromEnv({})).map((p) => p.name)).toEqual(['ukgrid']);
    expect(liveProviders(providersConfigFromEnv({ VERDANT_OFFLINE: '1', ELECTRICITYMAPS_TOKEN: 'tok-123456' }))).toEqual([]);
  });

  it('names a bad base URL by its variable', () => {
    const err = (() => {
      try {
        providersConfigFromEnv({ ELECTRICITYMAPS_TOKEN: 'tok-123456', VERDANT_ELECTRICITYMAPS_URL: 'ftp://example' });
      } catch (e) {
        return e as VerdantError;
      }
    })();
    expect(err).toBeInstanceOf(VerdantError);
    expect(err).toMatchObject({ field: 'VERDANT_ELECTRICITYMAPS_URL', exitCode: ExitCode.config });
  });

  it('names the missing half of WattTime credentials', () => {
    const config = providersConfigFromEnv({ WATTTIME_USERNAME: 'me' });
    expect(() => liveProviders(config)).toThrow(expect.objectContaining({ field: 'WATTTIME_PASSWORD' }));
  });
});

describe('createProvider', () => {
  it('builds each live provider', () => {
    expect(createProvider('ukgrid')).toBeInstanceOf(UkGridProvider);
    expect(createProvider('electricitymaps', { providers: { electricitymaps: { token: 'tok-123456' } } })).toBeInstanceOf(ElectricityMapsProvider);
    expect(createProvider('watttime', { providers: { watttime: { username: 'me', password: 'pw-123456' } } })).toBeInstanceOf(WattTimeProvider);
  });

  it('refuses a provider without its key, and an unknown name', () => {
    expect(() => createProvider('electricitymaps', {})).toThrow(expect.objectContaining({ field: 'ELECTRICITYMAPS_TOKEN', exitCode: ExitCode.config }));
    expect(() => createProvider('nope')).toThrow(expect.objectContaining({ field: 'provider', exitCode: ExitCode.usage }));
  });
});

describe('providerFromEnv', () => {
  let uk: FakeServer;
  let em: FakeServer;
  let store: Store;
  beforeEach(async () => {
    uk = await FakeServer.start();
    uk.route('/intensity', () => ({ json: fixture('ukgrid/intensity.json') }));
    uk.route('/regional/regionid/13', () => ({ json: fixture('ukgrid/regional-regionid-13.json') }));
    em = await FakeServer.start();
    em.route('/v3/carbon-intensity/latest', (req) => (req.headers['auth-token'] === 'tok-123456' ? { json: fixture('electricitymaps/latest.json') } : { status: 401 }));
    store = await Store.open({ url: 'sqlite::memory:' });
  });
  afterEach(async () => {
    await uk.close();
    await em.close();
    await store.close();
  });

  const env = () => ({ VERDANT_UKGRID_URL: uk.url, VERDANT_ELECTRICITYMAPS_URL: em.url, ELECTRICITYMAPS_TOKEN: 'tok-123456' });

  it('routes GB zones to the UK API and others to Electricity Maps, caching both', async () => {
    const chain = providerFromEnv(env(), store, { now: () => NOW, resilience: FAST });
    expect(await chain.currentAnswer('GB')).toMatchObject({ link: 'live', provider: 'ukgrid' });
    expect(await chain.currentAnswer('GB-region-13')).toMatchObject({ link: 'live', provider: 'ukgrid' });
    expect(await chain.currentAnswer('DE')).toMatchObject({ link: 'live', provider: 'electricitymaps' });
    expect(em.requests).toHaveLength(1);
    expect(await store.getIntensity('GB-region-13', NOW - 3600, NOW)).toHaveLength(1);
  });

  it('falls back from the UK API to Electricity Maps for the national zone', async () => {
    uk.once('/intensity', { status: 500 });
    const chain = providerFromEnv(env(), store, { now: () => NOW, resilience: FAST });
    const a = await chain.currentAnswer('GB');
    expect(a).toMatchObject({ link: 'live', provider: 'electricitymaps' });
    expect(a.failures).toEqual([{ link: 'live', provider: 'ukgrid', error: expect.stringContaining('HTTP 500') }]);
  });

  it('answers from static averages when offline', async () => {
    const chain = providerFromEnv({ VERDANT_OFFLINE: 'true' }, store, { now: () => NOW });
    const a = await chain.currentAnswer('FR');
    expect(a).toMatchObject({ link: 'static', ageS: null });
    expect(a.failures.map((f) => f.link)).toEqual(['cache', 'model']);
    expect(uk.requests).toHaveLength(0);
  });
});
