import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, VerdantError } from '@verdant/core';
import { ElectricityMapsProvider, ProviderError } from '../../src/providers/index.js';
import { FakeServer, at, fixture, type SeenRequest } from './fake-server.js';

const TOKEN = 'em-test-token-5f2c9a';
const NOW = at('2025-03-01T12:20:00Z');
const FAST = { initialDelayS: 0.01, maxDelayS: 0.05, timeoutS: 2 };

/** Electricity Maps v3 as the tests need it: auth-token header, zone (or lat/lon inside Germany) parameter, recorded bodies. */
function electricityMaps(server: FakeServer): void {
  const authed = (body: () => unknown) => (req: SeenRequest) => {
    if (req.headers['auth-token'] !== TOKEN) {
      // Worst case: the server echoes the token it was given.
      return { status: 401, json: { status: 'error', message: `Invalid auth-token ${String(req.headers['auth-token'])}` } };
    }
    const inGermany = Math.abs(Number(req.query.get('lat')) - 52.5) < 3 && Math.abs(Number(req.query.get('lon')) - 13.4) < 5;
    if (req.path !== '/v3/zones' && req.query.get('zone') !== 'DE' && !inGermany) {
      return { status: 404, json: { status: 'error', message: `Zone '${req.query.get('zone')}' does not exist.` } };
    }
    return { json: body() };
  };
  server
    .route('/v3/carbon-intensity/latest', authed(() => fixture('electricitymaps/latest.json')))
    .route('/v3/carbon-intensity/history', authed(() => fixture('electricitymaps/history.json')))
    .route('/v3/carbon-intensity/past-range', authed(() => fixture('electricitymaps/past-range.json')))
    .route('/v3/carbon-intensity/forecast', authed(() => fixture('electricitymaps/forecast.json')))
    .route('/v3/zones', authed(() => fixture('electricitymaps/zones.json')));
}

describe('ElectricityMapsProvider', () => {
  let server: FakeServer;
  let em: ElectricityMapsProvider;
  beforeEach(async () => {
    server = await FakeServer.start();
    electricityMaps(server);
    em = new ElectricityMapsProvider({ token: TOKEN, baseUrl: server.url, now: () => NOW, resilience: FAST });
  });
  afterEach(() => server.close());

  it('reads the latest value with the auth-token header, and whether it is an estimate', async () => {
    const p = await em.current('DE');
    expect(p).toEqual({
      zone: 'DE',
      t: at('2025-03-01T12:00:00Z'),
      resolutionS: 3600,
      gPerKwh: 302,
      signal: 'average',
      source: 'electricitymaps',
      estimated: true,
      estimationMethod: 'TIME_SLICER_AVERAGE',
    });
    const [req] = server.hits('/v3/carbon-intensity/latest');
    expect(req!.headers['auth-token']).toBe(TOKEN);
    expect(req!.query.get('zone')).toBe('DE');
  });

  it('asks for direct emission factors when configured', async () => {
    const direct = new ElectricityMapsProvider({ token: TOKEN, baseUrl: server.url, emissionFactorType: 'direct', resilience: FAST });
    await direct.current('DE');
    expect(server.hits('/v3/carbon-intensity/latest')[0]!.query.get('emissionFactorType')).toBe('direct');
  });

  it('serves the last 24 h from /history, skipping hours without a value', async () => {
    const points = await em.history('DE', NOW - 6 * 3600, NOW);
    expect(server.hits('/v3/carbon-intensity/history')).toHaveLength(1);
    expect(points.map((p) => p.t)).toEqual([6, 5, 4, 3, 2, 1, 0].map((h) => at('2025-03-01T12:00:00Z') - h * 3600));
    const all = await em.history('DE', NOW - 24 * 3600, NOW);
    // 24 hours in the body, all overlapping the range, one with carbonIntensity null
    expect(all).toHaveLength(23);
    expect(all.every((p) => p.signal === 'average' && p.source === 'electricitymaps' && p.generatedAt === undefined)).toBe(true);
  });

  it('carries isEstimated and estimationMethod through to every measured point', async () => {
    const recent = await em.history('DE', NOW - 24 * 3600, NOW);
    const estimated = recent.filter((p) => p.estimated === true);
    // The recorded body: the last three hours estimated by TIME_SLICER_AVERAGE, the rest measured.
    expect(estimated.map((p) => p.t)).toEqual([10, 11, 12].map((h) => at('2025-03-01T00:00:00Z') + h * 3600));
    expect(estimated.every((p) => p.estimationMethod === 'TIME_SLICER_AVERAGE')).toBe(true);
    const measured = recent.filter((p) => p.estimated !== true);
    expect(measured).toHaveLength(20);
    expect(measured.every((p) => p.estimated === false && p.estimationMethod === undefined)).toBe(true);
    const past = await em.history('DE', at('2025-01-10T00:00:00Z'), at('2025-01-11T00:00:00Z'));
    expect(past).toHaveLength(24);
    expect(past.every((p) => p.estimated === false)).toBe(true);
  });

  it('asks for measured values only when estimations are disabled, never on forecasts', async () => {
    await em.current('DE');
    expect(server.hits('/v3/carbon-intensity/latest')[0]!.query.has('disableEstimations')).toBe(false);
    const measuredOnly = new ElectricityMapsProvider({ token: TOKEN, baseUrl: server.url, now: () => NOW, resilience: FAST, disableEstimations: true });
    await measuredOnly.current('DE');
    await measuredOnly.history('DE', NOW - 6 * 3600, NOW);
    await measuredOnly.history('DE', at('2025-01-10T00:00:00Z'), at('2025-01-11T00:00:00Z'));
    await measuredOnly.forecast('DE', 6 * 3600);
    const flag = (path: string) => server.hits(path).at(-1)!.query.get('disableEstimations');
    expect(flag('/v3/carbon-intensity/latest')).toBe('true');
    expect(flag('/v3/carbon-intensity/history')).toBe('true');
    expect(flag('/v3/carbon-intensity/past-range')).toBe('true');
    expect(flag('/v3/carbon-intensity/forecast')).toBeNull();
  });

  it('says when an hour has no measured value because estimations are disabled', async () => {
    const measuredOnly = new ElectricityMapsProvider({ token: TOKEN, baseUrl: server.url, resilience: FAST, disableEstimations: true });
    const body = { ...(fixture('electricitymaps/latest.json') as object), carbonIntensity: null, isEstimated: null, estimationMethod: null };
    server.once('/v3/carbon-intensity/latest', { json: body });
    const err = (await measuredOnly.current('DE').catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toContain('estimations are disabled');
  });

  it('reads a past range whose answer has no top-level zone', async () => {
    const { zone: _zone, ...body } = fixture('electricitymaps/past-range.json') as { zone: string; data: unknown[] };
    server.once('/v3/carbon-intensity/past-range', { json: body });
    const points = await em.history('DE', at('2025-01-10T00:00:00Z'), at('2025-01-11T00:00:00Z'));
    expect(points).toHaveLength(24);
    expect(points.every((p) => p.zone === 'DE' && p.source === 'electricitymaps')).toBe(true);
  });

  it('queries by coordinates, labelling points with the zone the API answered for', async () => {
    const berlin = { lat: 52.52, lon: 13.405 };
    expect(await em.current(berlin)).toMatchObject({ zone: 'DE', gPerKwh: 302 });
    const latest = server.hits('/v3/carbon-intensity/latest')[0]!;
    expect(Object.fromEntries(latest.query)).toEqual({ lat: '52.52', lon: '13.405' });
    const history = await em.history(berlin, NOW - 3 * 3600, NOW);
    expect(history.map((p) => p.zone)).toEqual(['DE', 'DE', 'DE', 'DE']);
    // The past-range answer without a top-level zone still names the zone on each point.
    const { zone: _zone, ...body } = fixture('electricitymaps/past-range.json') as { zone: string; data: unknown[] };
    server.once('/v3/carbon-intensity/past-range', { json: body });
    const past = await em.history(berlin, at('2025-01-10T00:00:00Z'), at('2025-01-10T03:00:00Z'));
    expect(past.map((p) => p.zone)).toEqual(['DE', 'DE', 'DE']);
    expect(server.hits('/v3/carbon-intensity/past-range')[0]!.query.get('zone')).toBeNull();
    const forecast = await em.forecast(berlin, 3600);
    expect(forecast[0]).toMatchObject({ zone: 'DE', generatedAt: at('2025-03-01T11:48:00Z') });
  });

  it('refuses impossible coordinates before any request', async () => {
    for (const [where, field] of [
      [{ lat: 91, lon: 0 }, 'lat'],
      [{ lat: 0, lon: -180.5 }, 'lon'],
      [{ lat: Number.NaN, lon: 0 }, 'lat'],
    ] as const) {
      const err = (await em.current(where).catch((e: unknown) => e)) as VerdantError;
      expect(err).toBeInstanceOf(VerdantError);
      expect(err).toMatchObject({ field, exitCode: ExitCode.usage });
    }
    expect(server.requests).toHaveLength(0);
  });

  it('asks for the smallest forecast horizon the API offers that covers the request', async () => {
    for (const hours of [1, 6, 7, 24, 30, 72, 100]) await em.forecast('DE', hours * 3600);
    expect(server.hits('/v3/carbon-intensity/forecast').map((r) => r.query.get('horizonHours'))).toEqual(['6', '6', '24', '24', '48', '72', '72']);
  });

  it('serves older ranges from /past-range in windows of at most 10 days', async () => {
    const from = at('2025-01-10T00:00:00Z');
    const to = from + 25 * 86400;
    const points = await em.history('DE', from, to);
    const reqs = server.hits('/v3/carbon-intensity/past-range');
    expect(reqs.map((r) => [r.query.get('start'), r.query.get('end')])).toEqual([
      ['2025-01-10T00:00:00.000Z', '2025-01-20T00:00:00.000Z'],
      ['2025-01-20T00:00:00.000Z', '2025-01-30T00:00:00.000Z'],
      ['2025-01-30T00:00:00.000Z', '2025-02-04T00:00:00.000Z'],
    ]);
    // the recorded body holds 48 hours; the same hours in every window are kept once
    expect(points).toHaveLength(48);
    expect(points[0]).toMatchObject({ t: from, gPerKwh: expect.any(Number) });
  });

  it('reads forecasts with their generation time, cut to the horizon', async () => {
    const points = await em.forecast('DE', 6 * 3600);
    expect(points[0]!.t).toBe(at('2025-03-01T12:00:00Z'));
    expect(points.at(-1)!.t).toBe(at('2025-03-01T18:00:00Z'));
    expect(points.every((p) => p.generatedAt === at('2025-03-01T11:48:00Z'))).toBe(true);
  });

  it('lists zones with their countries', async () => {
    const zones = await em.zones();
    expect(zones).toContainEqual({ zone: 'DE', name: 'Germany', country: 'DE', sources: ['electricitymaps'] });
    expect(zones.find((z) => z.zone === 'US-CAL-CISO')).toMatchObject({ name: 'California Independent System Operator', country: 'US' });
  });

  it('fails an unknown zone without retrying', async () => {
    const err = await em.current('XX').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).kind).toBe('not-found');
    expect(server.hits('/v3/carbon-intensity/latest')).toHaveLength(1);
  });

  it('reports a refused token by its variable, once, and never shows the token', async () => {
    const wrong = 'wrong-token-8d1e77';
    const bad = new ElectricityMapsProvider({ token: wrong, baseUrl: server.url, resilience: FAST });
    const err = (await bad.current('DE').catch((e: unknown) => e)) as ProviderError;
    expect(err.kind).toBe('auth');
    expect(err.status).toBe(401);
    expect(err.field).toBe('ELECTRICITYMAPS_TOKEN');
    expect(err.describe()).not.toContain(wrong);
    expect(JSON.stringify(err.toJSON())).not.toContain(wrong);
    expect(err.message).toContain('[redacted]');
    expect(server.requests).toHaveLength(1);
  });

  it('waits as long as Retry-After asks on 429, then succeeds', async () => {
    server.once('/v3/carbon-intensity/latest', { status: 429, headers: { 'retry-after': '1' }, json: { message: 'Too many requests' } });
    const p = await em.current('DE');
    expect(p.gPerKwh).toBe(302);
    const [first, second] = server.hits('/v3/carbon-intensity/latest');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('gives up at once when Retry-After is longer than it will wait', async () => {
    const patient = new ElectricityMapsProvider({ token: TOKEN, baseUrl: server.url, resilience: { ...FAST, maxRetryAfterS: 5 } });
    server.once('/v3/carbon-intensity/latest', { status: 429, headers: { 'retry-after': '3600' } });
    const err = (await patient.current('DE').catch((e: unknown) => e)) as ProviderError;
    expect(err.kind).toBe('rate-limit');
    expect(err.retryAfterS).toBe(3600);
    expect(server.requests).toHaveLength(1);
  });

  it('retries 5xx answers with backoff and succeeds', async () => {
    server.once('/v3/carbon-intensity/latest', { status: 502, text: 'Bad Gateway' }, { status: 500, json: { message: 'oops' } });
    expect((await em.current('DE')).gPerKwh).toBe(302);
    expect(server.hits('/v3/carbon-intensity/latest')).toHaveLength(3);
  });

  it('fails after maxAttempts 5xx answers', async () => {
    server.once('/v3/carbon-intensity/latest', ...Array.from({ length: 5 }, () => ({ status: 503 })));
    const err = (await em.current('DE').catch((e: unknown) => e)) as ProviderError;
    expect(err.kind).toBe('server');
    expect(err.status).toBe(503);
    expect(server.requests).toHaveLength(3);
  });

  it('treats a body of the wrong shape as a provider error, not retried', async () => {
    server.once('/v3/carbon-intensity/latest', { json: { zone: 'DE', carbonIntensity: '302', datetime: '2025-03-01T12:00:00.000Z' } });
    const err = (await em.current('DE').catch((e: unknown) => e)) as ProviderError;
    expect(err.kind).toBe('malformed');
    expect(err.message).toMatch(/carbonIntensity/);
    expect(server.requests).toHaveLength(1);
  });

  it('treats a body that is not JSON as malformed', async () => {
    server.once('/v3/carbon-intensity/forecast', { text: '<html>maintenance</html>' });
    await expect(em.forecast('DE', 3600)).rejects.toMatchObject({ kind: 'malformed' });
  });

  it('times out a silent server and retries', async () => {
    const quick = new ElectricityMapsProvider({ token: TOKEN, baseUrl: server.url, resilience: { ...FAST, timeoutS: 0.2 } });
    server.once('/v3/carbon-intensity/latest', { delayMs: 1500, json: fixture('electricitymaps/latest.json') });
    expect((await quick.current('DE')).gPerKwh).toBe(302);
    expect(server.hits('/v3/carbon-intensity/latest')).toHaveLength(2);
    server.once('/v3/carbon-intensity/latest', ...Array.from({ length: 3 }, () => ({ delayMs: 1500 })));
    await expect(quick.current('DE')).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('refuses the marginal signal without a request', async () => {
    await expect(em.current('DE', { signal: 'marginal' })).rejects.toMatchObject({ kind: 'unsupported', field: 'signal' });
    expect(server.requests).toHaveLength(0);
  });

  it('reports an unreachable server as a network error', async () => {
    const url = server.url;
    await server.close();
    const gone = new ElectricityMapsProvider({ token: TOKEN, baseUrl: url, resilience: { ...FAST, maxAttempts: 2 } });
    await expect(gone.current('DE')).rejects.toMatchObject({ kind: 'network' });
    server = await FakeServer.start();
  });
});
