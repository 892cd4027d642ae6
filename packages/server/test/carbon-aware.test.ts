import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Store, type IntensityPoint } from '@verdant/core';
import { StaticProvider, TraceProvider, loadTrace, parseTrace, shippedTracePath } from '@verdant/grid';
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

  it('answers 204 when no data lies in the range', async () => {
    const r = await app.inject('/emissions/bylocation?location=TEST&time=2030-01-01T00:00:00Z&toTime=2030-01-02T00:00:00Z');
    expect(r.statusCode).toBe(204);
  });
});

describe('Carbon Aware SDK: forecasts', () => {
  it('current: rolling windows from now, optimal points are the minimum, in the EmissionsForecast shape', async () => {
    const r = await app.inject('/emissions/forecasts/current?location=TEST&windowSize=180');
    expect(r.statusCode).toBe(200);
    const [f] = r.json();
    expect(Object.keys(f)).toEqual(['generatedAt', 'requestedAt', 'location', 'dataStartAt', 'dataEndAt', 'windowSize', 'optimalDataPoints', 'forecastData']);
    expect(f).toMatchObject({ location: 'TEST', requestedAt: iso(NOW), generatedAt: iso(NOW), dataStartAt: iso(NOW), dataEndAt: iso(T0 + 35 * H), windowSize: 180 });
    // The default horizon is 24 h (the point holding now + 24 h ends at 35:00). Windows start now (10:30) and
    // at every later hour, and must end by the end of the data.
    const starts = [NOW, ...Array.from({ length: 32 - 11 + 1 }, (_, k) => T0 + (11 + k) * H)];
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

  it('current: dataStartAt and dataEndAt bound the windows; windowSize defaults to one data point', async () => {
    const q = `location=TEST&dataStartAt=${iso(T0 + 12 * H)}&dataEndAt=${iso(T0 + 20 * H)}`;
    const [two] = (await app.inject(`/emissions/forecasts/current?${q}&windowSize=120`)).json();
    expect(two.forecastData.map((d: { timestamp: string }) => d.timestamp)).toEqual([12, 13, 14, 15, 16, 17, 18].map((h) => iso(T0 + h * H)));
    expect(two.dataStartAt).toBe(iso(T0 + 12 * H));
    expect(two.dataEndAt).toBe(iso(T0 + 20 * H));
    const [one] = (await app.inject(`/emissions/forecasts/current?${q}`)).json();
    expect(one.windowSize).toBe(60);
    expect(one.forecastData.map((d: { value: number }) => d.value)).toEqual(TEST_VALUES.slice(12, 20));
    expect(one.optimalDataPoints).toEqual([{ location: 'TEST', timestamp: iso(T0 + 12 * H + (TEST_VALUES.slice(12, 20).indexOf(Math.min(...TEST_VALUES.slice(12, 20))) * H)), duration: 60, value: Math.min(...TEST_VALUES.slice(12, 20)) }]);
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
    expect((await problem('/emissions/bylocations?location=ES&time=2023-03-02T00:00:00Z&toTime=2023-03-01T00:00:00Z')).body.errors).toHaveProperty('toTime');
    expect((await problem('/emissions/forecasts/current?location=TEST&windowSize=-5')).body.errors).toHaveProperty('windowSize');
    const unknown = await problem('/emissions/bylocation?location=ATLANTIS');
    expect(unknown.status).toBe(400);
    expect((unknown.body.errors as Record<string, string[]>).location![0]).toMatch(/unknown grid zone "ATLANTIS"/);
    expect((await problem('/emissions/average-carbon-intensity?location=ES&endTime=2023-03-01T06:00:00Z')).body.errors).toEqual({ startTime: ['The startTime field is required.'] });
    expect((await problem('/emissions/forecasts/batch', [{ windowSize: 30 }])).body.errors).toEqual({ '[0].location': ['The location field is required.'] });
    expect((await problem('/emissions/average-carbon-intensity/batch', [{ location: 'ES', startTime: '2023-03-02T00:00:00Z', endTime: '2023-03-01T00:00:00Z' }])).body.errors).toHaveProperty(['[0].endTime']);
  });
});
