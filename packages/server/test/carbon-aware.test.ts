import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Store, type IntensityPoint } from '@verdant/core';
import { StaticProvider, TraceProvider, loadTrace, parseTrace, providerFromEnv, shippedTracePath, type IntensityProvider } from '@verdant/grid';
import { buildServer } from '../src/index.js';

// A synthetic zone with a clear daily shape and a unique minimum, and the shipped Spanish and Norwegian 2023 traces.
const T0 = Date.UTC(2024, 0, 1) / 1000;
const H = 3600;
const TEST_VALUES = Array.from({ length: 48 }, (_, i) => Math.round(200 + 100 * Math.cos((2 * Math.PI * i) / 24) + i));
const NOW = T0 + 10 * H + 30 * 60; // 10:30 on the first day
const iso = (t: number): string => new Date(t * 1000).toISOString();

let store: Store;
let app: FastifyInstance;
let es: IntensityPoint[];
let no: IntensityPoint[];

/** Integral of the synthetic series over [a, b) divided by its length: the expected window value, computed directly. */
function testMean(a: number, b: number): number {
  let sum = 0;
  for (let i = 0; i < TEST_VALUES.length; i++) {
    const lo = Math.max(a, T0 + i * H);
    const hi = Math.min(b, T0 + (i + 1) * H);
    if (hi > lo) sum += TEST_VALUES[i]! * (hi - lo);
  }
  return sum / (b - a);
}

const valueAt = (points: IntensityPoint[], t: number): number => points.find((p) => p.t === t)!.gPerKwh;

beforeAll(async () => {
  store = await Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-ca-')), 'v.db')}` });
  const csv = ['time,gco2_per_kwh', ...TEST_VALUES.map((v, i) => `${iso(T0 + i * H)},${v}`)].join('\n');
  const test = parseTrace(csv, { name: 'test.csv', zone: 'TEST' });
  const esTrace = await loadTrace(shippedTracePath('ES', 2023));
  const noTrace = await loadTrace(shippedTracePath('NO', 2023));
  es = esTrace.points;
  no = noTrace.points;
  app = await buildServer({ store, intensity: new TraceProvider([test, esTrace, noTrace], { clock: () => NOW }), clock: () => NOW });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('Carbon Aware SDK: /emissions/bylocation(s)', () => {
  it('returns EmissionsData for a location and time range with the SDK field names', async () => {
    const r = await app.inject('/emissions/bylocation?location=ES&time=2023-03-01T00:00:00Z&toTime=2023-03-01T03:00:00Z');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toHaveLength(3);
    for (const [i, d] of body.entries()) {
      expect(Object.keys(d)).toEqual(['location', 'time', 'rating', 'duration']);
      const t = Date.UTC(2023, 2, 1, i) / 1000;
      expect(d).toEqual({ location: 'ES', time: iso(t), rating: valueAt(es, t), duration: '01:00:00' });
    }
    // Older SDK releases spelled the range startTime/endTime on this route.
    const old = await app.inject('/emissions/bylocation?location=ES&startTime=2023-03-01T00:00:00Z&endTime=2023-03-01T03:00:00Z');
    expect(old.json()).toEqual(body);
  });

  it('answers the value in force now without a time, and echoes cloud-region locations', async () => {
    const now = (await app.inject('/emissions/bylocation?location=TEST')).json();
    expect(now).toEqual([{ location: 'TEST', time: iso(T0 + 10 * H), rating: TEST_VALUES[10], duration: '01:00:00' }]);
    const cloud = (await app.inject('/emissions/bylocation?location=aws:eu-south-2&time=2023-03-01T05:00:00Z')).json();
    expect(cloud).toEqual([{ location: 'aws:eu-south-2', time: '2023-03-01T05:00:00.000Z', rating: valueAt(es, Date.UTC(2023, 2, 1, 5) / 1000), duration: '01:00:00' }]);
  });

  it('lists several locations, and the best is the lowest rating among them', async () => {
    const q = 'location=ES&location=NO&time=2023-03-01T00:00:00Z&toTime=2023-03-01T02:00:00Z';
    const all = (await app.inject(`/emissions/bylocations?${q}`)).json();
    expect(all.map((d: { location: string }) => d.location)).toEqual(['ES', 'ES', 'NO', 'NO']);
    const candidates = [0, 1].flatMap((h) => {
      const t = Date.UTC(2023, 2, 1, h) / 1000;
      return [
        { location: 'ES', t, v: valueAt(es, t) },
        { location: 'NO', t, v: valueAt(no, t) },
      ];
    });
    const min = Math.min(...candidates.map((c) => c.v));
    const expected = candidates.filter((c) => c.v === min).map((c) => ({ location: c.location, time: iso(c.t), rating: c.v, duration: '01:00:00' }));
    const best = await app.inject(`/emissions/bylocations/best?${q}`);
    expect(best.statusCode).toBe(200);
    expect(best.json()).toEqual(expected);
  });

  it("adds isEstimated and estimationMethod where the source says whether a value is its estimate", async () => {
    const points: IntensityPoint[] = [
      { zone: 'DE', t: T0, resolutionS: H, gPerKwh: 300, signal: 'average', source: 'stub', estimated: false },
      { zone: 'DE', t: T0 + H, resolutionS: H, gPerKwh: 310, signal: 'average', source: 'stub', estimated: true, estimationMethod: 'TIME_SLICER_AVERAGE' },
      { zone: 'DE', t: T0 + 2 * H, resolutionS: H, gPerKwh: 320, signal: 'average', source: 'stub' },
    ];
    const stub: IntensityProvider = {
      name: 'stub',
      zones: async () => [{ zone: 'DE', name: 'Germany', sources: ['stub'] }],
      current: async () => points[1]!,
      history: async (_zone, from, to) => points.filter((p) => p.t < to && p.t + p.resolutionS > from),
    };
    const server = await buildServer({ store, intensity: stub, clock: () => NOW });
    try {
      const body = (await server.inject(`/emissions/bylocation?location=DE&time=${iso(T0)}&toTime=${iso(T0 + 3 * H)}`)).json();
      expect(body).toEqual([
        { location: 'DE', time: iso(T0), rating: 300, duration: '01:00:00', isEstimated: false },
        { location: 'DE', time: iso(T0 + H), rating: 310, duration: '01:00:00', isEstimated: true, estimationMethod: 'TIME_SLICER_AVERAGE' },
        { location: 'DE', time: iso(T0 + 2 * H), rating: 320, duration: '01:00:00' },
      ]);
    } finally {
      await server.close();
    }
  });

  it('answers 204 when no data lies in the range', async () => {
    const r = await app.inject('/emissions/bylocation?location=TEST&time=2030-01-01T00:00:00Z&toTime=2030-01-02T00:00:00Z');
    expect(r.statusCode).toBe(204);
  });
});

describe('Carbon Aware SDK: forecasts', () => {
  it('current: rolling windows from the first forecast point, optimal points are the minimum, in the EmissionsForecast shape', async () => {
    const r = await app.inject('/emissions/forecasts/current?location=TEST&windowSize=180');
    expect(r.statusCode).toBe(200);
    const [f] = r.json();
    expect(Object.keys(f)).toEqual(['generatedAt', 'requestedAt', 'location', 'dataStartAt', 'dataEndAt', 'windowSize', 'optimalDataPoints', 'forecastData']);
    // The forecast is 24 h: from the point holding now (10:00) to the point holding now + 24 h (34:00-35:00).
    // Windows start at its first point and step by one point (1 h) while they end by 35:00; the defaults echo
    // the first window and the start of the last, as the SDK does.
    expect(f).toMatchObject({ location: 'TEST', requestedAt: iso(NOW), generatedAt: iso(NOW), dataStartAt: iso(T0 + 10 * H), dataEndAt: iso(T0 + 32 * H), windowSize: 180 });
    const starts = Array.from({ length: 32 - 10 + 1 }, (_, k) => T0 + (10 + k) * H);
    expect(f.forecastData.map((d: { timestamp: string }) => d.timestamp)).toEqual(starts.map(iso));
    for (const [k, d] of f.forecastData.entries()) {
      expect(Object.keys(d)).toEqual(['location', 'timestamp', 'duration', 'value']);
      expect(d.location).toBe('TEST');
      expect(d.duration).toBe(180);
      expect(d.value).toBeCloseTo(testMean(starts[k]!, starts[k]! + 3 * H), 9);
    }
    const min = Math.min(...starts.map((s) => testMean(s, s + 3 * H)));
    const optimal = starts.filter((s) => Math.abs(testMean(s, s + 3 * H) - min) < 1e-9);
    expect(f.optimalDataPoints.map((d: { timestamp: string }) => d.timestamp)).toEqual(optimal.map(iso));
    expect(f.optimalDataPoints[0].value).toBeCloseTo(min, 9);
  });

  it('current: dataStartAt and dataEndAt bound the windows; without windowSize the points themselves, windowSize 0', async () => {
    const q = `location=TEST&dataStartAt=${iso(T0 + 12 * H)}&dataEndAt=${iso(T0 + 20 * H)}`;
    const [two] = (await app.inject(`/emissions/forecasts/current?${q}&windowSize=120`)).json();
    expect(two.forecastData.map((d: { timestamp: string }) => d.timestamp)).toEqual([12, 13, 14, 15, 16, 17, 18].map((h) => iso(T0 + h * H)));
    expect(two.dataStartAt).toBe(iso(T0 + 12 * H));
    expect(two.dataEndAt).toBe(iso(T0 + 20 * H));
    const [one] = (await app.inject(`/emissions/forecasts/current?${q}`)).json();
    expect(one.windowSize).toBe(0);
    // The SDK keeps every point that ends after dataStartAt and starts no later than dataEndAt: 12:00 to 20:00 inclusive.
    const kept = TEST_VALUES.slice(12, 21);
    expect(one.forecastData).toEqual(kept.map((v, k) => ({ location: 'TEST', timestamp: iso(T0 + (12 + k) * H), duration: 60, value: v })));
    expect(one.optimalDataPoints).toEqual([{ location: 'TEST', timestamp: iso(T0 + (12 + kept.indexOf(Math.min(...kept))) * H), duration: 60, value: Math.min(...kept) }]);
  });

  it('current: windows step from dataStartAt by the length of the first point (12:10, 13:10, ...)', async () => {
    const q = `location=TEST&dataStartAt=${iso(T0 + 12 * H + 600)}&dataEndAt=${iso(T0 + 20 * H)}&windowSize=120`;
    const [f] = (await app.inject(`/emissions/forecasts/current?${q}`)).json();
    // 17:10-19:10 is the last window that ends by 20:00.
    const starts = [12, 13, 14, 15, 16, 17].map((h) => T0 + h * H + 600);
    expect(f.forecastData.map((d: { timestamp: string }) => d.timestamp)).toEqual(starts.map(iso));
    for (const [k, d] of f.forecastData.entries()) expect(d.value).toBeCloseTo(testMean(starts[k]!, starts[k]! + 2 * H), 9);
    expect(f).toMatchObject({ dataStartAt: iso(T0 + 12 * H + 600), dataEndAt: iso(T0 + 20 * H), windowSize: 120 });
  });

  it('current: echoes the defaults as the SDK does: windowSize 0, dataStartAt the first point, dataEndAt the start of the last', async () => {
    const r = await app.inject('/emissions/forecasts/current?location=TEST');
    expect(r.statusCode).toBe(200);
    const [f] = r.json();
    expect(f).toMatchObject({ requestedAt: iso(NOW), dataStartAt: iso(T0 + 10 * H), dataEndAt: iso(T0 + 34 * H), windowSize: 0 });
    expect(f.forecastData.map((d: { timestamp: string }) => d.timestamp)).toEqual(Array.from({ length: 25 }, (_, k) => iso(T0 + (10 + k) * H)));
    expect(f.forecastData.map((d: { value: number }) => d.value)).toEqual(TEST_VALUES.slice(10, 35));
  });

  it('a window outside the forecast is a 400 on the parameter, not an answer from further data', async () => {
    const range = `'${iso(T0 + 10 * H)}' through '${iso(T0 + 35 * H)}'`;
    const monthAhead = await app.inject(`/emissions/forecasts/current?location=TEST&dataStartAt=${iso(NOW + 30 * 86400)}&dataEndAt=${iso(NOW + 31 * 86400)}`);
    expect(monthAhead.statusCode).toBe(400);
    expect(monthAhead.json().errors).toEqual({
      dataStartAt: [`dataStartAt must be within time range of the forecasted data, ${range}`],
      dataEndAt: [`dataEndAt must be within time range of the forecasted data, ${range}`],
    });
    const late = await app.inject(`/emissions/forecasts/current?location=TEST&dataEndAt=${iso(T0 + 40 * H)}`);
    expect([late.statusCode, late.json().errors]).toEqual([400, { dataEndAt: [`dataEndAt must be within time range of the forecasted data, ${range}`] }]);
    const early = await app.inject(`/emissions/forecasts/current?location=TEST&dataStartAt=${iso(T0 + 9 * H)}`);
    expect([early.statusCode, early.json().errors]).toEqual([400, { dataStartAt: [`dataStartAt must be within time range of the forecasted data, ${range}`] }]);
    // At the very end: inside the range, but nothing is left before the default dataEndAt.
    const atEnd = await app.inject(`/emissions/forecasts/current?location=TEST&dataStartAt=${iso(T0 + 35 * H)}`);
    expect(atEnd.json().errors).toEqual({ dataStartAt: ['dataStartAt must be earlier than dataEndAt'] });
    const reversed = await app.inject(`/emissions/forecasts/current?location=TEST&dataStartAt=${iso(T0 + 14 * H)}&dataEndAt=${iso(T0 + 12 * H)}`);
    expect([reversed.statusCode, reversed.json().errors]).toEqual([400, { dataStartAt: ['dataStartAt must be before dataEndAt'] }]);
    // A back-test reads the 24 h from requestedAt, and its window must lie there too.
    const batch = await app.inject({
      method: 'POST',
      url: '/emissions/forecasts/batch',
      payload: [{ requestedAt: '2023-03-01T00:00:00Z', location: 'ES', dataStartAt: '2023-03-01T12:00:00Z', dataEndAt: '2023-03-03T00:00:00Z' }],
    });
    expect([batch.statusCode, batch.json().errors]).toEqual([
      400,
      { '[0].dataEndAt': ["dataEndAt must be within time range of the forecasted data, '2023-03-01T00:00:00.000Z' through '2023-03-02T00:00:00.000Z'"] },
    ]);
  });

  it('batch: a past requestedAt back-tests over the recorded data', async () => {
    const body = [{ requestedAt: '2023-03-01T00:00:00Z', location: 'ES', dataStartAt: '2023-03-01T00:00:00Z', dataEndAt: '2023-03-02T00:00:00Z', windowSize: 120 }];
    const r = await app.inject({ method: 'POST', url: '/emissions/forecasts/batch', payload: body });
    expect(r.statusCode).toBe(200);
    const [f] = r.json();
    expect(f).toMatchObject({ location: 'ES', generatedAt: '2023-03-01T00:00:00.000Z', requestedAt: '2023-03-01T00:00:00.000Z', windowSize: 120 });
    const day = Date.UTC(2023, 2, 1) / 1000;
    const means = Array.from({ length: 23 }, (_, h) => (valueAt(es, day + h * H) + valueAt(es, day + (h + 1) * H)) / 2);
    expect(f.forecastData).toHaveLength(23);
    const min = Math.min(...means);
    expect(f.optimalDataPoints.map((d: { timestamp: string }) => d.timestamp)).toEqual(means.flatMap((m, h) => (Math.abs(m - min) < 1e-9 ? [iso(day + h * H)] : [])));
  });

  it('batch: every item needs requestedAt', async () => {
    for (const requestedAt of [undefined, null]) {
      const r = await app.inject({ method: 'POST', url: '/emissions/forecasts/batch', payload: [{ requestedAt, location: 'ES', windowSize: 60 }] });
      expect(r.statusCode).toBe(400);
      expect(r.json().errors).toEqual({ '[0].requestedAt': ['The requestedAt field is required.'] });
    }
  });

  it('answers 501 when the source offers no forecasts', async () => {
    const plain = await buildServer({ store, intensity: new StaticProvider() });
    const r = await plain.inject('/emissions/forecasts/current?location=DE');
    expect(r.statusCode).toBe(501);
    expect(r.json()).toMatchObject({ status: 501, title: 'Not Implemented' });
    await plain.close();
  });
});

describe('Carbon Aware SDK: average carbon intensity and locations', () => {
  it('averages measured intensity over the period, one and batch', async () => {
    const r = await app.inject('/emissions/average-carbon-intensity?location=ES&startTime=2023-03-01T00:00:00Z&endTime=2023-03-01T06:00:00Z');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(Object.keys(body)).toEqual(['location', 'startTime', 'endTime', 'carbonIntensity']);
    const day = Date.UTC(2023, 2, 1) / 1000;
    const mean = [0, 1, 2, 3, 4, 5].reduce((a, h) => a + valueAt(es, day + h * H), 0) / 6;
    expect(body.carbonIntensity).toBeCloseTo(mean, 9);
    const batch = await app.inject({
      method: 'POST',
      url: '/emissions/average-carbon-intensity/batch',
      payload: [
        { location: 'ES', startTime: '2023-03-01T00:00:00Z', endTime: '2023-03-01T06:00:00Z' },
        { location: 'TEST', startTime: iso(T0), endTime: iso(T0 + 90 * 60) },
      ],
    });
    const [a, b] = batch.json();
    expect(a.carbonIntensity).toBeCloseTo(mean, 9);
    expect(b).toEqual({ location: 'TEST', startTime: iso(T0), endTime: iso(T0 + 90 * 60), carbonIntensity: (TEST_VALUES[0]! + 0.5 * TEST_VALUES[1]!) / 1.5 });
  });

  it('lists the locations the source serves, with the cloud regions on those grids', async () => {
    const r = (await app.inject('/locations')).json();
    expect(r.TEST).toEqual({ latitude: null, longitude: null, name: 'TEST' });
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['ES', 'NO', 'aws:eu-south-2', 'gcp:europe-southwest1', 'azure:spaincentral']));
    expect(Object.keys(r)).not.toContain('DE');
  });
});

describe('Carbon Aware SDK: validation errors', () => {
  const problem = async (url: string, payload?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await app.inject(payload === undefined ? { url } : { method: 'POST', url, payload: payload as object });
    return { status: r.statusCode, body: r.json() };
  };

  it('names the parameter in ValidationProblemDetails', async () => {
    const missing = await problem('/emissions/bylocation');
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ type: expect.stringContaining('rfc7231'), title: 'One or more validation errors occurred.', status: 400 });
    expect(missing.body.errors).toEqual({ location: ['The location field is required.'] });
    expect((await problem('/emissions/bylocation?location=ES&time=yesterday')).body.errors).toHaveProperty('time');
    expect((await problem('/emissions/bylocations?location=ES&time=2023-03-02T00:00:00Z&toTime=2023-03-01T00:00:00Z')).body.errors).toEqual({ time: ['time must be before toTime'] });
    expect((await problem('/emissions/forecasts/current?location=TEST&windowSize=-5')).body.errors).toHaveProperty('windowSize');
    const unknown = await problem('/emissions/bylocation?location=ATLANTIS');
    expect(unknown.status).toBe(400);
    expect((unknown.body.errors as Record<string, string[]>).location![0]).toMatch(/unknown grid zone "ATLANTIS"/);
    expect((await problem('/emissions/average-carbon-intensity?location=ES&endTime=2023-03-01T06:00:00Z')).body.errors).toEqual({ startTime: ['The startTime field is required.'] });
    expect((await problem('/emissions/forecasts/batch', [{ windowSize: 30 }])).body.errors).toEqual({
      '[0].requestedAt': ['The requestedAt field is required.'],
      '[0].location': ['The location field is required.'],
    });
    expect((await problem('/emissions/average-carbon-intensity/batch', [{ location: 'ES', startTime: '2023-03-02T00:00:00Z', endTime: '2023-03-01T00:00:00Z' }])).body.errors).toEqual({
      '[0].startTime': ['startTime must be before endTime'],
    });
    expect((await problem('/emissions/average-carbon-intensity?location=ES&startTime=2023-03-01T06:00:00Z&endTime=2023-03-01T06:00:00Z')).body.errors).toEqual({ startTime: ['startTime must be before endTime'] });
  });

  it('toTime without time is a 400 on time, before anything is fetched, on a trace and on the default chain', async () => {
    const chain = await buildServer({ store, intensity: providerFromEnv({ VERDANT_OFFLINE: '1' }, store), clock: () => NOW });
    try {
      for (const server of [app, chain]) {
        for (const route of ['/emissions/bylocation?location=ES', '/emissions/bylocations?location=ES&location=NO', '/emissions/bylocations/best?location=ES']) {
          const r = await server.inject(`${route}&toTime=2023-03-01T03:00:00Z`);
          expect([route, r.statusCode, r.json().errors]).toEqual([route, 400, { time: ['time must be defined if toTime is defined'] }]);
        }
      }
      // The older spelling on /emissions/bylocation is answered in its own names.
      const old = await chain.inject('/emissions/bylocation?location=ES&endTime=2023-03-01T03:00:00Z');
      expect([old.statusCode, old.json().errors]).toEqual([400, { startTime: ['startTime must be defined if endTime is defined'] }]);
      const same = await chain.inject('/emissions/bylocation?location=ES&time=2023-03-01T03:00:00Z&toTime=2023-03-01T03:00:00Z');
      expect([same.statusCode, same.json().errors]).toEqual([400, { time: ['time must be before toTime'] }]);
    } finally {
      await chain.close();
    }
  });

  it('keys errors the source raises about a zone by location, never by a CLI flag', async () => {
    // DE is a known zone, but this server's traces have no DE.
    const checks: Array<[string, unknown, string]> = [
      ['/emissions/bylocation?location=DE&time=2023-03-01T00:00:00Z&toTime=2023-03-01T03:00:00Z', undefined, 'location'],
      ['/emissions/forecasts/current?location=TEST&location=DE', undefined, 'location'],
      ['/emissions/average-carbon-intensity?location=DE&startTime=2023-03-01T00:00:00Z&endTime=2023-03-01T06:00:00Z', undefined, 'location'],
      ['/emissions/forecasts/batch', [{ requestedAt: '2023-03-01T00:00:00Z', location: 'ES' }, { requestedAt: '2023-03-01T00:00:00Z', location: 'DE' }], '[1].location'],
      ['/emissions/average-carbon-intensity/batch', [{ location: 'DE', startTime: '2023-03-01T00:00:00Z', endTime: '2023-03-01T06:00:00Z' }], '[0].location'],
    ];
    for (const [url, payload, key] of checks) {
      const r = await problem(url, payload);
      expect([url, r.status, Object.keys(r.body.errors as object)]).toEqual([url, 400, [key]]);
      expect((r.body.errors as Record<string, string[]>)[key]![0]).toMatch(/no trace for zone "DE"/);
    }
  });
});
