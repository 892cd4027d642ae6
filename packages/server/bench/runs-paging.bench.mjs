// Paging GET /api/runs (and the samples of a 24-hour run) against the number of stored runs: a store seeded with
// BENCH_RUNS ended runs (default "10000,100000"; names, zones, hosts, statuses and groups repeat, no samples),
// served by `buildServer` over loopback HTTP. For each size and query (the first page newest first, page 20 by
// following next_cursor, filters, a substring search, sorts by energy and by name), the latency of BENCH_REQUESTS
// (default 50) requests one at a time after 5 warm-ups: p50 and p95. Then GET /api/runs/:id/samples?points=1000
// for one run of 86,400 samples × 3 sensors (a day at 1 Hz). SQLite by default; BENCH_DATABASE_URL=postgres://...
// runs the same against an EMPTY PostgreSQL database of your own (it writes 100,000 runs: never a shared one).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Store } from '@verdant/core';
import { testRunRow } from '@verdant/core/testing';
import { buildServer } from '@verdant/server';

const SIZES = (process.env.BENCH_RUNS ?? '10000,100000').split(',').map(Number);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50);
const T0 = 1_700_000_000;
const STATUSES = ['succeeded', 'failed', 'stopped', 'interrupted'];

const row = (i) => {
  const started = T0 + i * 30;
  const length = (i * 37) % 3600;
  return testRunRow({
    id: `r_bench_${String(i).padStart(7, '0')}`,
    name: `train-${i % 97}`,
    status: STATUSES[i % 4],
    command: '["python","train.py"]',
    zone: ['DE', 'FR', 'ES'][i % 3],
    pue: 1.2,
    started_at: started,
    ended_at: started + length,
    heartbeat_at: started + length,
    exit_code: 0,
    pid: null,
    host: `node-${i % 8}`,
    energy_j: (i * 7919) % 100_003,
    emissions_g: ((i * 31) % 1009) / 10,
    group_id: i % 50 === 0 ? `g-${i % 7}` : null,
    task: null,
  });
};

async function seed(store, from, to) {
  for (let i = from; i < to; i += 1000) {
    const rows = [];
    for (let k = i; k < Math.min(to, i + 1000); k++) rows.push(row(k));
    // Direct inserts: the runs are ended and need no run_totals for this benchmark.
    for (let k = 0; k < rows.length; k += 500) await store.db.insertInto('runs').values(rows.slice(k, k + 500)).execute();
  }
  if (store.dialect === 'postgres') await sql`VACUUM ANALYZE runs`.execute(store.db);
}

async function dayRun(store) {
  const id = 'r_bench_day';
  const start = T0 - 200_000;
  const sensors = ['gpu:0', 'gpu:1', 'cpu:package-0'];
  await store.createRun({ ...row(0), id, name: 'day', started_at: start, ended_at: start + 86_400, heartbeat_at: start + 86_400 }, sensors.map((s) => ({ run_id: id, sensor_id: s, kind: s.split(':')[0], method: 'fixture', description: '', estimate: 0 })));
  let batch = [];
  for (let k = 1; k <= 86_400; k++) {
    for (const [j, s] of sensors.entries()) {
      const p = 200 + 100 * Math.sin(k / (300 + j * 50));
      batch.push({ run_id: id, sensor_id: s, t: start + k, dt: 1, energy_j: p, power_w: p, intensity_g_per_kwh: 300, emissions_g: (p * 1.2 * 300) / 3.6e6 });
    }
    if (batch.length >= 30_000) {
      await store.appendSamples(batch);
      batch = [];
    }
  }
  if (batch.length) await store.appendSamples(batch);
  return id;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function timed(url) {
  const t0 = process.hrtime.bigint();
  const res = await fetch(url);
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, body };
}

async function measure(base, path, requests = REQUESTS) {
  for (let i = 0; i < 5; i++) await timed(base + path);
  const times = [];
  for (let i = 0; i < requests; i++) times.push((await timed(base + path)).ms);
  times.sort((a, b) => a - b);
  return { p50_ms: +pct(times, 0.5).toFixed(2), p95_ms: +pct(times, 0.95).toFixed(2) };
}

const url = process.env.BENCH_DATABASE_URL;
const dir = url ? undefined : mkdtempSync(join(tmpdir(), 'verdant-bench-paging-'));
const store = await Store.open({ url: url ?? `sqlite:${join(dir, 'v.db')}` });
const results = { store: store.dialect, sizes: {} };
try {
  let have = 0;
  for (const n of SIZES) {
    await seed(store, have, n);
    have = n;
    const app = await buildServer({ store });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${app.server.address().port}`;
    let cursor = '';
    for (let i = 0; i < 19; i++) cursor = (await timed(`${base}/api/runs?limit=50&cursor=${cursor}`)).body.next_cursor;
    const queries = {
      first_page: '/api/runs?limit=50',
      page_20: `/api/runs?limit=50&cursor=${cursor}`,
      status_zone: '/api/runs?limit=50&status=failed&zone=FR',
      host_since: `/api/runs?limit=50&host=node-3&since=${T0 + n * 10}`,
      search: '/api/runs?limit=50&q=train-5',
      by_energy: '/api/runs?limit=50&sort=energy_j',
      by_name_asc: '/api/runs?limit=50&sort=name&order=asc',
    };
    const figures = {};
    for (const [k, q] of Object.entries(queries)) {
      figures[k] = await measure(base, q);
      console.log(`${store.dialect} ${n} runs ${k.padEnd(12)} p50 ${figures[k].p50_ms} ms  p95 ${figures[k].p95_ms} ms`);
    }
    results.sizes[n] = figures;
    await app.close();
  }
  const day = await dayRun(store);
  const app = await buildServer({ store });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${app.server.address().port}`;
  results.day_run_points_1000 = await measure(base, `/api/runs/${day}/samples?points=1000`, 10);
  console.log(`${store.dialect} 24-h run, 259,200 samples, points=1000: p50 ${results.day_run_points_1000.p50_ms} ms  p95 ${results.day_run_points_1000.p95_ms} ms`);
  await app.close();
} finally {
  await store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(results));
