import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@verdant/core';
import { renderRunReport, summarizeRun } from '@verdant/energy';
import { buildServer } from '../src/index.js';
import { trackedRun } from './tracked-run.js';

let store: Store;
let runId: string;

beforeAll(async () => {
  store = await Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-srv-')), 'v.db')}` });
  runId = await trackedRun(store, 5);
});
afterAll(async () => store.close());

describe('HTTP API', () => {
  it('serves health, runs and one run with the same shape as the CLI', async () => {
    const app = await buildServer({ store });
    expect((await app.inject('/healthz')).json()).toMatchObject({ status: 'ok', store: 'sqlite' });
    const list = (await app.inject('/api/runs')).json();
    expect(list.runs[0]).toMatchObject({ run_id: runId, name: 'train', status: 'succeeded' });
    const { what_if: whatIf, ...one } = (await app.inject(`/api/runs/${runId}`)).json();
    expect(one).toEqual(JSON.parse(JSON.stringify(await summarizeRun(store, runId))));
    expect(whatIf).toMatchObject({ window_s: 86400 });
    expect((await app.inject(`/api/runs/${runId}?what_if=false`)).json()).toEqual(one);
    expect((await app.inject('/api/runs/r_missing')).statusCode).toBe(404);
    expect((await app.inject('/api/runs?limit=0')).statusCode).toBe(400);
    await app.close();
  });

  it('exposes Prometheus totals by name, zone and host, and the series of a run that just ended', async () => {
    const app = await buildServer({ store });
    const res = await app.inject('/metrics');
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const text = res.body;
    expect(text).toMatch(/# TYPE verdant_energy_joules_total counter/);
    expect(text).toMatch(/verdant_energy_joules_total\{name="train",zone="DE",host="[^"]+"\} 1000\n/);
    expect(text).toMatch(/verdant_runs_ended_total\{name="train",zone="DE",host="[^"]+"\} 1\n/);
    expect(text).toContain(`verdant_run_energy_joules_total{run="${runId}",name="train"} 1000`);
    expect(text).toMatch(new RegExp(`verdant_run_emissions_grams_total\\{run="${runId}",name="train"\\} 0\\.0833`));
    expect(text).toMatch(new RegExp(`verdant_run_info\\{run="${runId}",name="train",status="succeeded",zone="DE",host="[^"]+"\\} 1`));
    expect(text).toMatch(/# TYPE verdant_run_power_watts gauge/);
    await app.close();
  });

  it('requires a bearer token beyond loopback, and checks it', async () => {
    await expect(buildServer({ store, host: '0.0.0.0' })).rejects.toThrow(/token is required/);
    const app = await buildServer({ store, host: '0.0.0.0', token: 's3cret-s3cret-s3cret' });
    expect((await app.inject('/api/runs')).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/runs', headers: { authorization: 'Bearer wrong!' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/runs', headers: { authorization: 'Bearer s3cret-s3cret-s3cret' } })).statusCode).toBe(200);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    await app.close();
  });
});

describe('HTML report', () => {
  it('is one self-contained file with a power chart, the breakdown and each method', async () => {
    const html = await renderRunReport((await summarizeRun(store, runId))!, await store.samples(runId));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).toContain('gpu:0');
    expect(html).toContain('fixture');
    expect(html).not.toMatch(/<script|src="http/);
  });
});
