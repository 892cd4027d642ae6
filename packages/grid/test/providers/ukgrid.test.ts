import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, UkGridProvider, parseUkZone } from '../../src/providers/index.js';
import { FakeServer, at, fixture } from './fake-server.js';

const NOW = at('2025-03-01T12:10:00Z');
const FAST = { initialDelayS: 0.01, maxDelayS: 0.05, timeoutS: 2 };

/** The Carbon Intensity API's national and regional routes, answering with recorded bodies. */
function ukApi(server: FakeServer): void {
  server
    .route('/intensity', () => ({ json: fixture('ukgrid/intensity.json') }))
    .route(/^\/intensity\/[^/]+\/fw48h$/, () => ({ json: fixture('ukgrid/intensity-fw48h.json') }))
    .route(/^\/intensity\/[^/]+\/[^/]+$/, () => ({ json: fixture('ukgrid/intensity-range.json') }))
    .route('/regional/regionid/13', () => ({ json: fixture('ukgrid/regional-regionid-13.json') }))
    .route('/regional/regionid/18', () => ({ json: fixture('ukgrid/regional-regionid-18.json') }))
    .route('/regional/postcode/RG10', () => ({ json: fixture('ukgrid/regional-postcode-RG10.json') }))
    .route(/^\/regional\/intensity\/[^/]+\/fw48h\/regionid\/13$/, () => ({ json: fixture('ukgrid/regional-fw48h-regionid-13.json') }))
    .route(/^\/regional\/intensity\/[^/]+\/[^/]+\/regionid\/13$/, () => ({ json: fixture('ukgrid/regional-range-regionid-13.json') }))
    .route(/^\/regional\//, () => ({ status: 400, json: { error: { code: '400 Bad Request', message: 'Please enter a valid region' } } }));
}

describe('parseUkZone', () => {
  it('names national, regional and postcode zones', () => {
    expect(parseUkZone('GB')).toEqual({ kind: 'national' });
    expect(parseUkZone('gb-region-13')).toEqual({ kind: 'region', id: 13 });
    expect(parseUkZone('GB-postcode-rg10')).toEqual({ kind: 'postcode', postcode: 'RG10' });
    expect(parseUkZone('GB-postcode-SW1A')).toEqual({ kind: 'postcode', postcode: 'SW1A' });
    expect(parseUkZone('GB-region-18')).toEqual({ kind: 'region', id: 18 });
    expect(parseUkZone('GB-region-19')).toBeUndefined();
    expect(parseUkZone('GB-region-0')).toBeUndefined();
    expect(parseUkZone('GB-postcode-12345')).toBeUndefined();
    expect(parseUkZone('DE')).toBeUndefined();
  });
});

describe('UkGridProvider', () => {
  let server: FakeServer;
  let uk: UkGridProvider;
  beforeEach(async () => {
    server = await FakeServer.start();
    ukApi(server);
    uk = new UkGridProvider({ baseUrl: server.url, now: () => NOW, resilience: FAST });
  });
  afterEach(() => server.close());

  it('reads the national half hour, preferring the measured value', async () => {
    expect(await uk.current('GB')).toEqual({ zone: 'GB', t: at('2025-03-01T12:00:00Z'), resolutionS: 1800, gPerKwh: 179, signal: 'average', source: 'ukgrid' });
  });

  it('reads national history with minute-precision path times, falling back to the forecast where no actual', async () => {
    const points = await uk.history('GB', at('2025-03-01T09:00:00Z'), at('2025-03-01T12:00:00Z'));
    expect(server.hits(/^\/intensity\//)[0]!.path).toBe('/intensity/2025-03-01T09:00Z/2025-03-01T12:00Z');
    expect(points.map((p) => p.gPerKwh)).toEqual([160, 167, 174, 181, 188, 199]);
  });

  it('splits long ranges into 14-day requests', async () => {
    await uk.history('GB', at('2025-01-01T00:00:00Z'), at('2025-02-01T00:00:00Z'));
    expect(server.hits(/^\/intensity\//).map((r) => r.path)).toEqual([
      '/intensity/2025-01-01T00:00Z/2025-01-15T00:00Z',
      '/intensity/2025-01-15T00:00Z/2025-01-29T00:00Z',
      '/intensity/2025-01-29T00:00Z/2025-02-01T00:00Z',
    ]);
  });

  it('forecasts 48 h ahead, cut to the horizon', async () => {
    const points = await uk.forecast('GB', 3 * 3600);
    expect(server.hits(/fw48h$/)[0]!.path).toBe('/intensity/2025-03-01T12:10Z/fw48h');
    expect(points.map((p) => p.t)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => at('2025-03-01T12:00:00Z') + i * 1800));
    expect(points.every((p) => p.generatedAt === at('2025-03-01T12:00:00Z'))).toBe(true);
  });

  it('answers regions and postcodes from the regional routes', async () => {
    expect(await uk.current('GB-region-13')).toMatchObject({ zone: 'GB-region-13', gPerKwh: 172, resolutionS: 1800 });
    expect(await uk.current('GB-postcode-rg10')).toMatchObject({ zone: 'GB-postcode-rg10', gPerKwh: 143 });
    expect(server.hits('/regional/postcode/RG10')).toHaveLength(1);
    const history = await uk.history('GB-region-13', at('2025-03-01T09:00:00Z'), at('2025-03-01T12:00:00Z'));
    expect(server.hits(/^\/regional\/intensity/)[0]!.path).toBe('/regional/intensity/2025-03-01T09:00Z/2025-03-01T12:00Z/regionid/13');
    expect(history.map((p) => p.gPerKwh)).toEqual([120, 125, 130, 135, 140, 145]);
    const forecast = await uk.forecast('GB-region-13', 24 * 3600);
    expect(forecast).toHaveLength(49);
    expect(forecast[0]!.generatedAt).toBe(at('2025-03-01T12:00:00Z'));
  });

  it('lists national and regional zones, region 18 (all of GB) included', async () => {
    const zones = await uk.zones();
    expect(zones).toHaveLength(19);
    expect(zones).toContainEqual({ zone: 'GB-region-13', name: 'London', country: 'GB', sources: ['ukgrid'] });
    expect(zones).toContainEqual({ zone: 'GB-region-18', name: 'GB (all regions)', country: 'GB', sources: ['ukgrid'] });
  });

  it('answers region 18, the regional model for all of GB', async () => {
    expect(uk.handles('GB-region-18')).toBe(true);
    expect(await uk.current('GB-region-18')).toMatchObject({ zone: 'GB-region-18', gPerKwh: 166, resolutionS: 1800 });
    expect(server.hits('/regional/regionid/18')).toHaveLength(1);
  });

  it('rejects zones it does not serve without a request', async () => {
    const err = (await uk.current('GB-region-99').catch((e: unknown) => e)) as ProviderError;
    expect(err).toMatchObject({ kind: 'unsupported', field: 'zone' });
    expect(err.fix).toContain('GB-postcode-');
    await expect(uk.current('GB', { signal: 'marginal' })).rejects.toMatchObject({ kind: 'unsupported', field: 'signal' });
    expect(server.requests).toHaveLength(0);
  });

  it('reports a regional body of the wrong shape as malformed', async () => {
    server.once('/regional/regionid/13', { json: { data: [] } });
    await expect(uk.current('GB-region-13')).rejects.toMatchObject({ kind: 'malformed' });
  });

  it('retries a 503 then succeeds', async () => {
    server.once('/intensity', { status: 503, headers: { 'retry-after': '0' }, text: 'Service Unavailable' });
    expect((await uk.current('GB')).gPerKwh).toBe(179);
    expect(server.hits('/intensity')).toHaveLength(2);
  });
});
