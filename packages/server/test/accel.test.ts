import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Store } from '@verdant/core';
import { TraceProvider, loadTrace, shippedTracePath } from '@verdant/grid';
import { buildServer } from '../src/index.js';

const T0 = Date.UTC(2023, 5, 1) / 1000;
let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  store = await Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-accel-api-')), 'v.db')}` });
  const traces = await Promise.all(['ES', 'US-CAL-CISO'].map((z) => loadTrace(shippedTracePath(z, 2023))));
  app = await buildServer({ store, intensity: new TraceProvider(traces), clock: () => T0 });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('/api/accel', () => {
  it('lists devices and shows one by alias', async () => {
    const r = await app.inject({ url: '/api/accel/devices' });
    expect(r.statusCode).toBe(200);
    expect(r.json().devices.find((d: { id: string }) => d.id === 'h100-sxm')).toMatchObject({ dense_peak_tflops: { bf16: 989.5 }, sparse_peak_tflops: { bf16: 1979 } });
    const one = await app.inject({ url: '/api/accel/devices/Gaudi%20HL-225' });
    expect(one.json().device.id).toBe('gaudi2');
    const bad = await app.inject({ url: '/api/accel/devices/H1OO' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'device' });
  });

  it('imports a SkyPilot vms.csv (malformed row reported by line), lists offers and the import history', async () => {
    const csv = readFileSync(new URL('../../accel/test/fixtures/aws-vms.csv', import.meta.url), 'utf8');
    const r = await app.inject({ method: 'POST', url: '/api/accel/import', payload: { csv, format: 'skypilot', provider: 'aws', retrievedAt: '2023-05-30T00:00:00Z' } });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ rows: 8, offers: 5, errors: 1 });
    expect(r.json().issues[0]).toMatchObject({ line: 6, kind: 'error' });
    const offers = (await app.inject({ url: '/api/accel/offers?device=A100' })).json();
    expect(offers.sample).toBe(false);
    expect(offers.offers.map((o: { instance_type: string }) => o.instance_type)).toEqual(['p4d.24xlarge']);
    expect((await app.inject({ url: '/api/accel/imports' })).json().imports).toHaveLength(1);
    const unknown = await app.inject({ url: '/api/accel/offers?colour=red' });
    expect(unknown.statusCode).toBe(400);
  });

  it('recommends over the trace, and names a bad field', async () => {
    const csv = 'InstanceType,AcceleratorName,AcceleratorCount,Price,SpotPrice,Region\np5.48xlarge,H100,8,98,,eu-south-2\np5.48xlarge,H100,8,90,,us-west-1\n';
    await app.inject({ method: 'POST', url: '/api/accel/import', payload: { csv, format: 'skypilot', provider: 'aws', retrievedAt: T0 } });
    const r = await app.inject({ method: 'POST', url: '/api/accel/recommend', payload: { paramsTotal: '1B', tokens: '5B', earliestStart: T0, deadline: '36h', maxDevices: 16 } });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.front.length).toBeGreaterThan(0);
    expect(body.alternatives.length).toBeLessThanOrEqual(5);
    expect(body.chosen.figures.intensity.source).toMatch(/trace/);
    expect(body.chosen.figures.peak_flops).toMatchObject({ provenance: 'spec' });
    const bad = await app.inject({ method: 'POST', url: '/api/accel/recommend', payload: { paramsTotal: 'lots', tokens: '5B', deadline: '1d' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'paramsTotal' });
    const est = await app.inject({ method: 'POST', url: '/api/accel/estimate', payload: { paramsTotal: 7e9, tokens: 1e9, device: 'h100', count: 1 } });
    expect(est.json().excluded).toMatch(/cannot hold it/);
  });

  it('enters a published profile (checked, field named) that estimate then reports as published, and lists it', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/accel/profiles', payload: { device: 'h100', achievedTflops: 1979, source: 'https://mlcommons.org/' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'achievedFlops' });
    expect((await app.inject({ method: 'POST', url: '/api/accel/profiles', payload: { device: 'h100', achievedTflops: 400 } })).json()).toMatchObject({ field: 'source' });
    const r = await app.inject({ method: 'POST', url: '/api/accel/profiles', payload: { device: 'H100', achievedTflops: 450, powerW: '620W', source: 'https://mlcommons.org/', workload: 'test figure', retrievedAt: '2023-05-30' } });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ device_id: 'h100-sxm', provenance: 'published', achieved_tflops: 450, power_w: 620, retrieved_at: '2023-05-30T00:00:00.000Z' });
    const list = await app.inject({ url: '/api/accel/profiles?device=h100' });
    expect(list.json().profiles).toEqual([expect.objectContaining({ id: r.json().id, in_use: true, workload: 'test figure' })]);
    expect((await app.inject({ url: '/api/accel/profiles?colour=red' })).statusCode).toBe(400);
    const est = await app.inject({ method: 'POST', url: '/api/accel/estimate', payload: { paramsTotal: '1B', tokens: '5B', device: 'h100', count: 8 } });
    expect(est.json().figures.utilization).toMatchObject({ provenance: 'published' });
    expect(est.json().figures.device_power_w).toMatchObject({ provenance: 'published', value: 620 });
  });

  it('compares devices per zone and start with zones given', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/accel/compare', payload: { paramsTotal: '1B', tokens: '5B', devices: ['h100', 'b200'], count: 8, zones: ['ES'], starts: ['2023-06-01T00:00Z', '2023-06-01T12:00Z'] } });
    expect(r.statusCode).toBe(200);
    const rows = r.json().rows;
    expect(rows.map((x: { device_id: string; zone: string }) => `${x.device_id} ${x.zone}`)).toEqual(['h100-sxm ES', 'h100-sxm ES', 'b200 *']);
    expect(rows[0]).toMatchObject({ start: '2023-06-01T00:00:00.000Z', excluded: null });
    expect(rows[0].emissions_g).toBeGreaterThan(0);
    const bad = await app.inject({ method: 'POST', url: '/api/accel/compare', payload: { paramsTotal: '1B', tokens: '5B', devices: ['h100'], zones: [], starts: ['2023-06-01T00:00Z'] } });
    expect(bad.json()).toMatchObject({ field: 'zones' });
  });
});
