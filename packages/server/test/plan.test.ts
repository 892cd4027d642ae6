import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Store, type IntensityPoint } from '@verdant/core';
import { TraceProvider, loadTrace, shippedTracePath } from '@verdant/grid';
import { buildServer } from '../src/index.js';

const H = 3600;
const DAY = Date.UTC(2023, 2, 1) / 1000;
const iso = (t: number): string => new Date(t * 1000).toISOString();

let store: Store;
let app: FastifyInstance;
const series: Record<string, IntensityPoint[]> = {};

/** Hourly values of a zone over [from, from + hours). */
const hourly = (zone: string, from: number, hours: number): number[] =>
  Array.from({ length: hours }, (_, h) => series[zone]!.find((p) => p.t === from + h * H)!.gPerKwh);

/** Brute force: every whole-hour start of a `len`-hour run inside the window; the cheapest (earliest on ties). */
function bestStart(values: number[], len: number): { start: number; sum: number } {
  let best = { start: 0, sum: Infinity };
  for (let s = 0; s + len <= values.length; s++) {
    const sum = values.slice(s, s + len).reduce((a, b) => a + b, 0);
    if (sum < best.sum - 1e-9) best = { start: s, sum };
  }
  return best;
}

beforeAll(async () => {
  store = await Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-plan-')), 'v.db')}` });
  const traces = await Promise.all(['ES', 'NO'].map((z) => loadTrace(shippedTracePath(z, 2023))));
  for (const t of traces) series[t.zone] = t.points;
  app = await buildServer({ store, intensity: new TraceProvider(traces) });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const post = async (payload: object): Promise<{ status: number; body: Record<string, unknown> & { best: Record<string, unknown>; plans: Array<Record<string, unknown>> } }> => {
  const r = await app.inject({ method: 'POST', url: '/api/plan', payload });
  return { status: r.statusCode, body: r.json() };
};

describe('POST /api/plan', () => {
  it('picks the best region and start over a trace used as a perfect forecast', async () => {
    const r = await post({ regions: ['ES', 'NO'], duration_s: 3 * H, earliest: iso(DAY), deadline: iso(DAY + 24 * H), power_w: 1000 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ earliest_start: iso(DAY), deadline: iso(DAY + 24 * H), notes: [] });
    const expected = ['ES', 'NO'].map((zone) => {
      const values = hourly(zone, DAY, 24);
      const b = bestStart(values, 3);
      // 1 kW for 1 h is 1 kWh: grams = sum of the hourly values.
      return { zone, start: iso(DAY + b.start * H), emissions: b.sum, baseline: values.slice(0, 3).reduce((a, v) => a + v, 0) };
    }).sort((a, b) => a.emissions - b.emissions);
    expect(r.body.plans.map((p) => p.zone)).toEqual(expected.map((e) => e.zone));
    for (const [i, e] of expected.entries()) {
      const p = r.body.plans[i]!;
      expect(p.start).toBe(e.start);
      expect(p.emissions_g as number).toBeCloseTo(e.emissions, 6);
      expect(p.baseline_emissions_g as number).toBeCloseTo(e.baseline, 6);
      expect(p.saving_g as number).toBeCloseTo(e.baseline - e.emissions, 6);
      expect(p.energy_j).toBe(3 * H * 1000);
      expect(p.source).toEqual({ name: `trace:${e.zone}_2023_hourly.csv`, link: 'trace', provider: `trace:${e.zone}_2023_hourly.csv`, age_s: null });
    }
    expect(r.body.best).toEqual(r.body.plans[0]);
  });

  it('splits an interruptible job into the cheapest hours', async () => {
    const r = await post({ regions: ['ES'], duration_s: 3 * H, earliest: iso(DAY), deadline: iso(DAY + 24 * H), power_w: 1000, interruptible: { min_chunk_s: H, pause_overhead_s: 0 } });
    expect(r.status).toBe(200);
    const cheapest = [...hourly('ES', DAY, 24)].sort((a, b) => a - b).slice(0, 3).reduce((a, v) => a + v, 0);
    expect(r.body.best.emissions_g as number).toBeCloseTo(cheapest, 6);
    const chunks = r.body.best.chunks as Array<{ start: string; end: string }>;
    expect(chunks.reduce((s, c) => s + (Date.parse(c.end) - Date.parse(c.start)) / 1000, 0)).toBe(3 * H);
  });

  it('ranks by intensity and reports no grams without a power', async () => {
    const r = await post({ regions: ['aws:eu-south-2'], duration_s: 2 * H, earliest: DAY, deadline: DAY + 12 * H });
    expect(r.status).toBe(200);
    const b = bestStart(hourly('ES', DAY, 12), 2);
    expect(r.body.best).toMatchObject({ zone: 'ES', start: iso(DAY + b.start * H), emissions_g: null, energy_j: null, saving_g: null });
    expect(r.body.best.mean_intensity_g_per_kwh as number).toBeCloseTo(b.sum / 2, 6);
  });

  it('names the body field on bad input', async () => {
    const field = async (payload: object): Promise<unknown> => {
      const r = await post(payload);
      expect(r.status).toBe(400);
      return r.body.field;
    };
    const ok = { regions: ['ES'], duration_s: H, earliest: iso(DAY), deadline: iso(DAY + 6 * H) };
    expect(await field({ regions: ['ES'] })).toBe('duration_s');
    expect(await field({ ...ok, regions: [] })).toBe('regions');
    expect(await field({ ...ok, duration_s: -1 })).toBe('duration_s');
    expect(await field({ ...ok, earliest: 'soon' })).toBe('earliest');
    expect((await post({ ...ok, deadline: 'tomorrow' })).body.error).toMatch(/ISO 8601/);
    expect(await field({ ...ok, colour: 'green' })).toBe('colour');
    expect(await field({ ...ok, regions: ['ATLANTIS'] })).toBe('regions.0');
    expect(await field({ ...ok, deadline: iso(DAY + 1800) })).toBe('deadline');
    expect(await field({ ...ok, power_w: 10, energy_j: 10 })).toBe('power_w');
    expect(await field({ ...ok, earliest: iso(DAY + 400 * 86400), deadline: undefined })).toBe('earliest');
    expect(await field({ ...ok, objective: 'cost' })).toBe('prices');
  });
});
