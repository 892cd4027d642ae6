// Scenario II (ML jobs, Wiesner et al. 2021) replayed over a year for the four shipped zones, against the
// BUILT @verdant/schedule (run `npm run build` first). Target: the whole replay under 10 s.
// Usage: node packages/schedule/bench/simulate.bench.mjs [year]
import { cpus } from 'node:os';
import { loadShippedTrace, simulate, SHIPPED_ZONES, formatTable } from '@verdant/schedule';

const year = Number(process.argv[2] ?? 2023);
const TARGET_S = 10;

const t0 = performance.now();
const traces = await Promise.all(SHIPPED_ZONES.map((z) => loadShippedTrace(z, year)));
const loadS = (performance.now() - t0) / 1000;

function timed(label, options) {
  const start = performance.now();
  const result = simulate({ traces, ...options });
  const seconds = (performance.now() - start) / 1000;
  const jobs = result.rows.reduce((a, r) => a + r.jobs * r.runs, 0);
  console.log(`\n${label}: ${seconds.toFixed(2)} s for ${jobs} planned jobs (${((seconds / jobs) * 1e6).toFixed(0)} µs/job)`);
  console.log(formatTable(result.rows));
  return { seconds, jobs };
}

const ml = { kind: 'ml', deadlines: [{ kind: 'next-workday' }] };
const main = timed('non-interruptible, next-workday deadline, perfect forecast', { scenario: ml });
const noisy = timed('non-interruptible, next-workday, 10% forecast noise x 10 seeds', { scenario: ml, noise: [0.1], seeds: 10 });
// Interruptible planning: a tenth of the jobs, kept from when the exact chunk DP made it costly (the fast path
// for min chunk 0 and no pause overhead now plans them in ~70 µs each).
const split = timed('interruptible, next-workday, 339 jobs per zone', {
  scenario: { ...ml, workload: { count: 339 } },
  interruptible: { minChunkS: 0, pauseOverheadS: 0 },
});

console.log(`\nloading 4 traces: ${loadS.toFixed(2)} s; scenario II over ${year} for 4 zones: ${main.seconds.toFixed(2)} s (target < ${TARGET_S} s) on ${cpus().length} cores, Node ${process.version}`);
console.log(
  JSON.stringify({
    year,
    zones: SHIPPED_ZONES.length,
    load_s: +loadS.toFixed(3),
    scenario2_s: +main.seconds.toFixed(3),
    scenario2_jobs: main.jobs,
    scenario2_noise10_10seeds_s: +noisy.seconds.toFixed(3),
    scenario2_noise10_10seeds_jobs: noisy.jobs,
    interruptible_s: +split.seconds.toFixed(3),
    interruptible_jobs: split.jobs,
    interruptible_us_per_job: Math.round((split.seconds / split.jobs) * 1e6),
    target_s: TARGET_S,
    met: main.seconds < TARGET_S,
  }),
);
