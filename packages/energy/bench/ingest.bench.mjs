// Sample ingest: batched inserts per second through Store.appendSamples into SQLite (and PostgreSQL when
// VERDANT_TEST_DATABASE_URL names one).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, newId } from '@verdant/core';

const TOTAL = Number(process.env.BENCH_SAMPLES ?? 500_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);

async function bench(label, url) {
  const store = await Store.open({ url });
  const runId = newId('r');
  await store.createRun(
    { id: runId, name: 'bench', status: 'running', command: '[]', cwd: '/', zone: 'DE', intensity_source: 'x', pue: 1, interval_s: 1, started_at: 0, ended_at: null, heartbeat_at: Date.now() / 1000, exit_code: null, pid: null, child_pid: null, host: 'bench', energy_j: 0, emissions_g: 0, meta: '{}' },
    [],
  );
  const batch = [];
  for (let i = 0; i < BATCH; i++) batch.push({ run_id: runId, sensor_id: `gpu:${i % 8}`, t: i, dt: 1, energy_j: 250, power_w: 250, intensity_g_per_kwh: 300, emissions_g: 0.02 });
  const t0 = process.hrtime.bigint();
  for (let n = 0; n < TOTAL; n += BATCH) {
    for (const s of batch) s.t += BATCH;
    await store.appendSamples(batch, { id: runId, energy_j: n, emissions_g: n, heartbeat_at: Date.now() / 1000 });
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await store.close();
  const rate = TOTAL / s;
  console.log(`${label}: ${TOTAL} samples in batches of ${BATCH}: ${(rate / 1000).toFixed(0)}k samples/s`);
  return { store: label, samples: TOTAL, batch: BATCH, seconds: s, samples_per_s: rate };
}

const results = [await bench('sqlite', `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-ingest-')), 'v.db')}`)];
const pg = process.env.VERDANT_TEST_DATABASE_URL;
if (pg) results.push(await bench('postgres', pg));
else console.log('postgres: skipped (set VERDANT_TEST_DATABASE_URL to include it)');
const target = results[0].samples_per_s >= 200_000;
console.log(`target (>= 200k samples/s into SQLite): ${target ? 'met' : 'NOT met'}`);
console.log(JSON.stringify({ results, target_met: target }));
