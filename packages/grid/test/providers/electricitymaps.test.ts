import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ElectricityMapsProvider, ProviderError } from '../../src/providers/index.js';
import { FakeServer, at, fixture, type SeenRequest } from './fake-server.js';

const TOKEN = 'em-test-token-5f2c9a';
const NOW = at('2025-03-01T12:20:00Z');
const FAST = { initialDelayS: 0.01, maxDelayS: 0.05, timeoutS: 2 };

/** Electricity Maps v3 as the tests need it: auth-token header, zone parameter, recorded bodies. */
function electricityMaps(server: FakeServer): void {
  const authed = (body: () => unknown) => (req: SeenRequest) => {
    if (req.headers['auth-token'] !== TOKEN) {
      // Worst case: the server echoes the token it was given.
      return { status: 401, json: { status: 'error', message: `Invalid auth-token ${String(req.headers['auth-token'])}` } };
    }
    if (req.path !== '/v3/zones' && req.query.get('zone') !== 'DE') {
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

  it('reads the latest value with the auth-token header', async () => {
    const p = await em.current('DE');
    expect(p).toEqual({ zone: 'DE', t: at('2025-03-01T12:00:00Z'), resolutionS: 3600, gPerKwh: 302, signal: 'average', source: 'electricitymaps' });
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
