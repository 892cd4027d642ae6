import { LB_PER_MWH_TO_G_PER_KWH } from '@verdant/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, WattTimeProvider } from '../../src/providers/index.js';
import { FakeServer, at, fixture, type Reply, type SeenRequest } from './fake-server.js';

const USER = 'verdant-user';
const PASSWORD = 'pw-s3cret-value';
const NOW = at('2025-03-01T12:20:00Z');
const FAST = { initialDelayS: 0.01, maxDelayS: 0.05, timeoutS: 2 };

type Body = { data: Array<{ point_time: string; value: number }>; meta: Record<string, unknown> };

/** WattTime v3: Basic-auth /login issuing bearer tokens the test can revoke, and the data endpoints. */
class WattTimeFake {
  readonly valid = new Set<string>();
  issued = 0;
  constructor(readonly server: FakeServer) {
    server
      .route('/login', (req) => {
        const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
        if (req.headers.authorization !== expected) return { status: 401, text: 'Unauthorized' };
        const token = `wt-session-token-${++this.issued}`;
        this.valid.add(token);
        return { json: { token } };
      })
      .route('/v3/forecast', this.authed((req) => {
        const body = structuredClone(fixture('watttime/forecast-co2_moer.json')) as Body;
        const hours = Number(req.query.get('horizon_hours') ?? '24');
        body.data = hours === 0 ? body.data.slice(0, 1) : body.data.slice(0, hours * 12);
        body.meta.signal_type = req.query.get('signal_type');
        return { json: body };
      }))
      .route('/v3/historical', this.authed((req) => {
        const body = structuredClone(fixture('watttime/historical-co2_aoer.json')) as Body;
        body.meta.signal_type = req.query.get('signal_type');
        return { json: body };
      }))
      .route('/v3/my-access', this.authed(() => ({ json: fixture('watttime/my-access.json') })))
      .route('/v3/region-from-loc', this.authed(() => ({ json: fixture('watttime/region-from-loc.json') })));
  }

  revokeAll(): void {
    this.valid.clear();
  }

  private authed(handler: (req: SeenRequest) => Reply) {
    return (req: SeenRequest): Reply => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !this.valid.has(token)) return { status: 401, json: { error: 'Unauthorized', message: `token ${token} expired` } };
      const region = req.query.get('region');
      if (region && region !== 'CAISO_NORTH') return { status: 403, json: { error: `no access to region ${region}` } };
      return handler(req);
    };
  }
}

describe('WattTimeProvider', () => {
  let server: FakeServer;
  let fake: WattTimeFake;
  let clock: number;
  let wt: WattTimeProvider;
  beforeEach(async () => {
    server = await FakeServer.start();
    fake = new WattTimeFake(server);
    clock = NOW;
    wt = new WattTimeProvider({ username: USER, password: PASSWORD, baseUrl: server.url, now: () => clock, resilience: FAST });
  });
  afterEach(() => server.close());

  it('logs in with Basic auth, then reads the real-time marginal value in g/kWh', async () => {
    const p = await wt.current('CAISO_NORTH', { signal: 'marginal' });
    expect(p).toEqual({ zone: 'CAISO_NORTH', t: NOW, resolutionS: 300, gPerKwh: 870 * LB_PER_MWH_TO_G_PER_KWH, signal: 'marginal', source: 'watttime' });
    const [req] = server.hits('/v3/forecast');
    expect(req!.headers.authorization).toBe('Bearer wt-session-token-1');
    expect(Object.fromEntries(req!.query)).toEqual({ region: 'CAISO_NORTH', signal_type: 'co2_moer', horizon_hours: '0' });
  });

  it('asks for the marginal signal (co2_moer) when none is given, as WattTime\'s own client does', async () => {
    const now = await wt.current('CAISO_NORTH');
    const past = await wt.history('CAISO_NORTH', at('2025-03-01T10:00:00Z'), at('2025-03-01T11:00:00Z'));
    const next = await wt.forecast('CAISO_NORTH', 3600);
    const signalTypes = [...server.hits('/v3/forecast'), ...server.hits('/v3/historical')].map((r) => r.query.get('signal_type'));
    expect(signalTypes).toEqual(['co2_moer', 'co2_moer', 'co2_moer']);
    expect([now, ...past, ...next].every((p) => p.signal === 'marginal')).toBe(true);
  });

  it('maps the average signal, on request, to co2_aoer and reuses its token', async () => {
    const points = await wt.history('CAISO_NORTH', at('2025-03-01T10:00:00Z'), at('2025-03-01T11:00:00Z'), { signal: 'average' });
    await wt.current('CAISO_NORTH', { signal: 'average' });
    expect(server.hits('/login')).toHaveLength(1);
    const [req] = server.hits('/v3/historical');
    expect(req!.query.get('signal_type')).toBe('co2_aoer');
    expect(req!.query.get('start')).toBe('2025-03-01T10:00:00.000Z');
    expect(req!.query.get('end')).toBe('2025-03-01T11:00:00.000Z');
    expect(points).toHaveLength(12);
    expect(points[0]).toMatchObject({ t: at('2025-03-01T10:00:00Z'), gPerKwh: 700 * LB_PER_MWH_TO_G_PER_KWH, signal: 'average' });
  });

  it('asks for history in windows WattTime accepts', async () => {
    await wt.history('CAISO_NORTH', at('2025-01-01T00:00:00Z'), at('2025-03-01T00:00:00Z'));
    expect(server.hits('/v3/historical').map((r) => r.query.get('start'))).toEqual([
      '2025-01-01T00:00:00.000Z',
      '2025-01-31T00:00:00.000Z',
    ]);
  });

  it('reads forecasts with meta.generated_at, in hours of horizon', async () => {
    const points = await wt.forecast('CAISO_NORTH', 2 * 3600, { signal: 'marginal' });
    expect(server.hits('/v3/forecast')[0]!.query.get('horizon_hours')).toBe('2');
    expect(points).toHaveLength(24);
    expect(points.every((p) => p.generatedAt === NOW && p.signal === 'marginal')).toBe(true);
  });

  it('logs in again when the token is refused (401), then succeeds', async () => {
    await wt.current('CAISO_NORTH');
    fake.revokeAll();
    const p = await wt.current('CAISO_NORTH');
    expect(p.gPerKwh).toBeGreaterThan(0);
    expect(server.hits('/login')).toHaveLength(2);
    expect(server.hits('/v3/forecast').map((r) => r.headers.authorization)).toEqual([
      'Bearer wt-session-token-1',
      'Bearer wt-session-token-1',
      'Bearer wt-session-token-2',
    ]);
  });

  it('renews a token before its 30 minutes run out', async () => {
    await wt.current('CAISO_NORTH');
    clock += 10 * 60;
    await wt.current('CAISO_NORTH');
    expect(server.hits('/login')).toHaveLength(1);
    clock += 20 * 60;
    await wt.current('CAISO_NORTH');
    expect(server.hits('/login')).toHaveLength(2);
    expect(server.hits('/v3/forecast').at(-1)!.headers.authorization).toBe('Bearer wt-session-token-2');
  });

  it('shares one login between concurrent calls', async () => {
    await Promise.all([wt.current('CAISO_NORTH'), wt.current('CAISO_NORTH'), wt.forecast('CAISO_NORTH', 3600)]);
    expect(server.hits('/login')).toHaveLength(1);
  });

  it('reports refused credentials once, by variable, without the password', async () => {
    const bad = new WattTimeProvider({ username: USER, password: 'not-the-password', baseUrl: server.url, resilience: FAST });
    const err = (await bad.current('CAISO_NORTH').catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.kind).toBe('auth');
    expect(err.field).toBe('WATTTIME_PASSWORD');
    expect(err.describe()).not.toContain('not-the-password');
    expect(server.hits('/login')).toHaveLength(1);
    expect(server.hits('/v3/forecast')).toHaveLength(0);
  });

  it('explains a region outside the plan (403)', async () => {
    const err = (await wt.current('PJM_DC').catch((e: unknown) => e)) as ProviderError;
    expect(err).toMatchObject({ kind: 'auth', status: 403, field: 'zone' });
    expect(server.hits('/login')).toHaveLength(1);
  });

  it('refuses units it cannot convert', async () => {
    const body = structuredClone(fixture('watttime/forecast-co2_moer.json')) as Body;
    body.meta.units = 'percentile';
    server.once('/v3/forecast', { json: body });
    await expect(wt.forecast('CAISO_NORTH', 3600)).rejects.toMatchObject({ kind: 'malformed' });
  });

  it('treats a forecast without meta.generated_at as malformed', async () => {
    const body = structuredClone(fixture('watttime/forecast-co2_moer.json')) as Body;
    delete body.meta.generated_at;
    server.once('/v3/forecast', { json: body });
    const err = (await wt.forecast('CAISO_NORTH', 3600).catch((e: unknown) => e)) as ProviderError;
    expect(err.kind).toBe('malformed');
    expect(err.message).toContain('meta.generated_at');
  });

  it('retries a 503 honouring Retry-After', async () => {
    server.once('/v3/forecast', { status: 503, headers: { 'retry-after': '1' } });
    const started = Date.now();
    await wt.current('CAISO_NORTH');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.hits('/v3/forecast')).toHaveLength(2);
  });

  it('lists the regions of the account and finds one by location', async () => {
    const zones = await wt.zones();
    expect(zones.map((z) => z.zone)).toEqual(['CAISO_NORTH', 'PJM_DC']);
    expect(zones[0]).toEqual({ zone: 'CAISO_NORTH', name: 'California ISO Northern', sources: ['watttime'] });
    const region = await wt.regionFromLocation(38.5, -121.5);
    expect(region.zone).toBe('CAISO_NORTH');
    const [req] = server.hits('/v3/region-from-loc');
    expect(Object.fromEntries(req!.query)).toEqual({ latitude: '38.5', longitude: '-121.5', signal_type: 'co2_moer' });
  });

  it('keeps the session token and password out of errors', async () => {
    await wt.current('CAISO_NORTH');
    // A server that echoes the credentials it got in an error body.
    server.once('/v3/forecast', { status: 400, text: `bad request with Bearer wt-session-token-1 and ${PASSWORD}` });
    const err = (await wt.current('CAISO_NORTH').catch((e: unknown) => e)) as ProviderError;
    expect(err.kind).toBe('bad-request');
    expect(err.message).not.toContain('wt-session-token-1');
    expect(err.message).not.toContain(PASSWORD);
  });
});
