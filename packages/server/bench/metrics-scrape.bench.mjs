// Scrape cost of GET /metrics against the number of stored runs: a store seeded with BENCH_RUNS finished runs
// (default "10,10000"; each with 2 sensors and BENCH_SAMPLES samples per sensor, default 20), plus 2 live runs
// and 5 runs ended in the last minutes, served by `buildServer` over loopback HTTP. Reports the page size, the
// latency of one request at a time (p50/p95 of BENCH_REQUESTS, default 500) and the throughput of 20
// concurrent clients. SQLite by default; BENCH_DATABASE_URL=postgres://... runs the same against an EMPTY
// PostgreSQL database of your own (it writes thousands of runs: never point it at a shared one), vacuumed
// after seeding as autovacuum would.
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Store, newId } from '@verdant/core';
import { testRunRow } from '@verdant/core/testing';
import { buildServer } from '@verdant/server';

const SIZES = (process.env.BENCH_RUNS ?? '10,10000').split(',').map(Number);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
const CONCURRENCY = 20;
const CONCURRENT_S = 3;
// 10 (name, zone, host) combinations, all present from the first 10 runs on, so the totals have as many
// series at every size and any growth of the page or its cost comes from the number of runs.
const NAMES = ['train-a', 'train-b', 'eval', 'finetune', 'sweep'];
const ZONES = ['DE', 'FR'];
const HOSTS = ['node-a', 'node-b'];

const row = (id, i, overrides) =>
  testRunRow({ id, name: NAMES[i % NAMES.length], command: '["python","train.py"]', zone: ZONES[i % 2], pue: 1.2, pid: null, host: HOSTS[i % 2], ...overrides });

async function addRun(store, i, { startedAt, endedAt, live }) {
  const id = newId('r');
  const sensors = ['gpu:0', 'cpu:package-0'];
  const now = Date.now() / 1000;
  await store.createRun(
    row(id, i, live ? { started_at: startedAt, heartbeat_at: now, interval_s: 3600, pid: process.pid, host: hostname() } : { started_at: startedAt, heartbeat_at: startedAt }),
    sensors.map((s) => ({ run_id: id, sensor_id: s, kind: s.split(':')[0], method: 'fixture', description: '', estimate: 0 })),
  );
  const samples = [];
  const dt = ((endedAt ?? now) - startedAt) / SAMPLES;
  for (let k = 1; k <= SAMPLES; k++) for (const s of sensors) samples.push({ run_id: id, sensor_id: s, t: startedAt + k * dt, dt, energy_j: 250 * dt, power_w: 250, intensity_g_per_kwh: 300, emissions_g: (250 * dt * 1.2 * 300) / 3.6e6 });
  const energy = 2 * SAMPLES * 250 * dt * 1.2;
  await store.appendSamples(samples, { id, energy_j: energy, emissions_g: (energy * 300) / 3.6e6, heartbeat_at: live ? now : endedAt });
  if (!live) await store.updateRun(id, { status: 'succeeded', exit_code: 0, ended_at: endedAt, heartbeat_at: endedAt, energy_j: energy, emissions_g: (energy * 300) / 3.6e6 });
}

/** Adds finished runs `from`..`to`-1, spread over the last month (all ended a day ago or more). */
async function seedFinished(store, from, to) {
  const now = Date.now() / 1000;
  for (let i = from; i < to; i++) {
    const startedAt = now - 30 * 86400 + ((i * 7919) % 10_000) / 10_000 * 29 * 86400;
    await addRun(store, i, { startedAt, endedAt: startedAt + 600 });
  }
}

/** 5 runs ended in the last minutes and 2 live ones (this process, so the reaper leaves them running). */
async function seedRecent(store) {
  const now = Date.now() / 1000;
  for (let i = 0; i < 5; i++) await addRun(store, i, { startedAt: now - 900, endedAt: now - 60 * (i + 1) });
  for (let i = 0; i < 2; i++) await addRun(store, i, { startedAt: now - 300, live: true });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function scrape(url) {
  const t0 = process.hrtime.bigint();
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${body.slice(0, 200)}`);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes: Buffer.byteLength(body) };
}

async function measure(store, label, n, seedS) {
  const app = await buildServer({ store });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address();
  const target = `http://127.0.0.1:${port}/metrics`;
  let bytes = 0;
  for (let i = 0; i < 50; i++) bytes = (await scrape(target)).bytes; // warm-up (JIT, prepared statements)
  const times = [];
  for (let i = 0; i < REQUESTS; i++) times.push((await scrape(target)).ms);
  times.sort((a, b) => a - b);
  const conc = [];
  const until = Date.now() + CONCURRENT_S * 1000;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < until) conc.push((await scrape(target)).ms);
  }));
  const wallS = (Date.now() - t0) / 1000;
  conc.sort((a, b) => a - b);
  await app.close();
  const r = {
    store: label, stored_runs: n + 7, samples_per_sensor: SAMPLES, seed_s: seedS, page_bytes: bytes,
    p50_ms: pct(times, 0.5), p95_ms: pct(times, 0.95),
    concurrent_clients: CONCURRENCY, concurrent_req_per_s: conc.length / wallS, concurrent_p50_ms: pct(conc, 0.5),
  };
  console.log(
    `${label}, ${r.stored_runs} runs: page ${(bytes / 1024).toFixed(1)} KB; one at a time p50 ${r.p50_ms.toFixed(2)} ms, p95 ${r.p95_ms.toFixed(2)} ms; ` +
      `${CONCURRENCY} clients ${r.concurrent_req_per_s.toFixed(0)} req/s, p50 ${r.concurrent_p50_ms.toFixed(1)} ms (seeded in ${seedS.toFixed(1)} s)`,
  );
  return r;
}

/** One store, grown through the sizes in ascending order (the same 7 recent and live runs throughout). */
async function bench(label, url) {
  const store = await Store.open({ url });
  const out = [];
  let seeded = 0;
  for (const n of [...SIZES].sort((a, b) => a - b)) {
    const s0 = Date.now();
    if (seeded === 0) await seedRecent(store);
    await seedFinished(store, seeded, n);
    seeded = n;
    // A bulk load leaves PostgreSQL's status index full of dead 'running' entries (each run was updated to
    // 'succeeded') until autovacuum passes, which it does within a minute or so; measure that steady state.
    if (store.dialect === 'postgres') await sql`VACUUM ANALYZE runs`.execute(store.db);
    out.push(await measure(store, label, n, (Date.now() - s0) / 1000));
  }
  await store.close();
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'verdant-metrics-bench-'));
const results = await bench('sqlite', `sqlite:${join(dir, 'v.db')}`);
rmSync(dir, { recursive: true, force: true });
const pg = process.env.BENCH_DATABASE_URL;
if (pg) results.push(...(await bench('postgres', pg)));
else console.log('postgres: skipped (set BENCH_DATABASE_URL to an empty database of your own to include it)');
const largest = results.filter((r) => r.store === 'sqlite').sort((a, b) => b.stored_runs - a.stored_runs)[0];
const met = largest.stored_runs >= 10_000 ? largest.p50_ms < 5 : null;
console.log(`target (< 5 ms p50 with 10,000 stored runs, SQLite): ${met === null ? 'not measured (fewer runs)' : met ? 'met' : 'NOT met'}`);
console.log(JSON.stringify({ results, target_met: met }));
