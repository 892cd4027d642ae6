// One sample's CPU cost on a machine whose caches other work has emptied since the last sample: what a 10 Hz tracker
// pays on a busy host, where the steady-state figures of tracker-overhead.bench.mjs move with the neighbours.
// A runCommand of `sleep` with the CPU and RAM models (procfs) or RAPL (the test fixture), its timer idle; each sample
// is taken by hand (tracker.tick()) after a walk through BENCH_THRASH_MIB (default 64) of memory, alternating with an
// empty step; reported: the median time of a sample minus that of the empty step, over BENCH_SAMPLES (default 300).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const THRASH_MIB = Number(process.env.BENCH_THRASH_MIB ?? 64);
const here = dirname(fileURLToPath(import.meta.url));
const RAPL_FIXTURE = join(here, '..', 'test', 'fixtures', 'sysfs-rapl');
const SETS = {
  models: { only: ['cpu-model', 'ram-model'], env: {} },
  rapl: { only: ['rapl'], env: { VERDANT_SYSFS_ROOT: RAPL_FIXTURE } },
};

const { Store, constantLookup } = await import('@verdant/core');
const { runCommand } = await import('@verdant/energy');
const big = new Uint8Array(THRASH_MIB << 20);
let sink = 0;
const thrash = () => {
  for (let i = 0; i < big.length; i += 64) sink += big[i]++;
};
const immediate = () => new Promise((r) => setImmediate(r));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = {};
for (const [set, { only, env }] of Object.entries(SETS)) {
  const home = mkdtempSync(join(tmpdir(), 'verdant-bench-'));
  const store = await Store.open({ url: `sqlite:${join(home, 'v.db')}` });
  const run = await runCommand({ argv: ['sleep', '3600'], lookup: constantLookup(300, 'DE'), env: { ...process.env, ...env }, discover: { only }, onWarning: () => undefined, store, intervalS: 3600, stdio: 'ignore' });
  const times = { sample: [], empty: [] };
  for (let i = 0; i < SAMPLES; i++) {
    for (const step of i % 2 ? ['sample', 'empty'] : ['empty', 'sample']) {
      thrash();
      await immediate();
      const t0 = process.hrtime.bigint();
      if (step === 'sample') await run.tracker.tick();
      await immediate();
      times[step].push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
  }
  out[set] = median(times.sample) - median(times.empty);
  console.log(`  ${set.padEnd(6)} ${out[set].toFixed(0)} µs a sample, caches emptied before each (${SAMPLES} samples)`);
  await run.stop('bench done', 1);
  await run.done;
  await store.close();
  rmSync(home, { recursive: true, force: true });
}
console.log(JSON.stringify({ samples: SAMPLES, thrash_mib: THRASH_MIB, us_per_sample: out, sink: sink > 0 }));
process.exit(0);
