// Cost of the job queue's series on /metrics (collectQueueMetrics) against the number of ENDED jobs: a SQLite
// store with 5 unfinished jobs, then the same plus BENCH_ENDED_JOBS ended ones (default 10000). The read must
// only touch unfinished jobs (index on state), so both figures should match. BENCH_REQUESTS reads (default
// 500) after 50 warm-ups; prints p50/p95 and, last, a JSON line for scripts/bench.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, newId } from '@verdant/core';
import { JobQueue, collectQueueMetrics, parseJobRequest } from '@verdant/schedule';

const ENDED = Number(process.env.BENCH_ENDED_JOBS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);

async function measure(fn) {
  for (let i = 0; i < 50; i++) await fn();
  const t = [];
  for (let i = 0; i < REQUESTS; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { p50_ms: t[Math.floor(REQUESTS / 2)], p95_ms: t[Math.floor(REQUESTS * 0.95)] };
}

const dir = mkdtempSync(join(tmpdir(), 'verdant-queue-metrics-bench-'));
const store = await Store.open({ url: `sqlite:${join(dir, 'v.db')}` });
const results = [];
try {
  const queue = JobQueue.of(store);
  const spec = parseJobRequest({ name: 'bench', argv: ['true'], cwd: tmpdir(), zone: 'DE', durationS: 60, earliestStart: 1 });
  for (let i = 0; i < 5; i++) await queue.add(spec, { plannedStart: 4e9, plannedEnd: 4e9 + 60, zone: 'DE', source: 'bench' });
  const report = async (ended) => {
    const r = { open_jobs: 5, ended_jobs: ended, ...(await measure(() => collectQueueMetrics(store))) };
    console.log(`5 open + ${ended} ended jobs: p50 ${r.p50_ms.toFixed(3)} ms, p95 ${r.p95_ms.toFixed(3)} ms`);
    results.push(r);
  };
  await report(0);
  const t = 1.8e9;
  for (let done = 0; done < ENDED; done += 500) {
    const rows = [];
    for (let i = done; i < Math.min(ENDED, done + 500); i++) {
      rows.push({ id: newId('j'), name: 'old', state: ['succeeded', 'failed', 'cancelled'][i % 3], executor: 'local', spec: JSON.stringify(spec), plan: '{}', planned_start: t, created_at: t, updated_at: t, started_at: t, ended_at: t + 60, owner: null, lease_until: null, attempts: 1, ran_s: 60, resumed_at: null, pid: null, host: null, run_id: null, external_id: null, exit_code: 0, request: null, message: 'done' });
    }
    await store.db.insertInto('jobs').values(rows).execute();
  }
  await report(ENDED);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ results }));
