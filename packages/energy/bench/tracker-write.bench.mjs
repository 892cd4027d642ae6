// One periodic store write of the tracker: what `verdant run` pays once a second while watched, every 5 s otherwise (TrackerOptions
// flushEveryS, docs/benchmarks.md). A Tracker over one synchronous counter sensor (CPU and RAM sensors of a real run
// add one sample row each) takes a sample by hand (tick()), then writes it (flush()): one transaction with the
// samples, the totals, the heartbeat, and the meta when it changed. Three cases: the meta unchanged (samples only),
// a note changed (the meta, a small JSON, rewritten), and a progress update (the meta with progress and a
// prediction, as while a training reports progress). Before each write the caches are emptied by a walk through
// BENCH_THRASH_MIB (default 64; 0: hot caches, the best case) of memory, since a second of other work separates two
// writes of a real run. Reported: the median wall time and the mean CPU time of this process (process.cpuUsage)
// per write over BENCH_WRITES (default 400) writes, after 50 unmeasured ones; on SQLite in a scratch file, and on
// PostgreSQL when BENCH_DATABASE_URL names a database (the server's own CPU is not counted there).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WRITES = Number(process.env.BENCH_WRITES ?? 400);
const WARM = 50;
const THRASH_MIB = Number(process.env.BENCH_THRASH_MIB ?? 64);
const big = new Uint8Array(Math.max(1, THRASH_MIB << 20));
let sink = 0;
const thrash = () => {
  if (THRASH_MIB > 0) for (let i = 0; i < big.length; i += 64) sink += big[i]++;
};
const { Store, constantLookup } = await import('@verdant/core');
const { Tracker } = await import('@verdant/energy');

let energy = 0;
const sensor = {
  id: 'cpu:bench',
  kind: 'cpu',
  method: 'bench-counter',
  description: 'a counter that grows 10 J a read',
  estimate: false,
  read: async () => sensor.readNow(),
  readNow: () => ({ t: Date.now() / 1000, energyJ: (energy += 10) }),
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const CASES = {
  samples: () => undefined,
  note: (t, i) => t.note('bench', { i, at: Date.now() / 1000 }),
  progress: (t, i) => t.setProgress({ fraction: (i + 1) / (WRITES + WARM + 1), t: Date.now() / 1000 }),
};

async function measure(url) {
  const out = {};
  for (const [name, change] of Object.entries(CASES)) {
    const store = await Store.open({ url });
    const tracker = new Tracker({ name: `bench-${name}`, sensors: [sensor], lookup: constantLookup(300, 'DE'), intervalS: 3600, store });
    await tracker.start();
    const wall = [];
    let cpuUs = 0;
    for (let i = 0; i < WARM + WRITES; i++) {
      await tracker.tick();
      change(tracker, i);
      thrash();
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await tracker.flush();
      const w = Number(process.hrtime.bigint() - t0) / 1e3;
      const c = process.cpuUsage(c0);
      if (i >= WARM) {
        wall.push(w);
        cpuUs += c.user + c.system;
      }
    }
    await tracker.stop('succeeded', 0);
    await store.close();
    out[name] = { wall_us: Math.round(median(wall)), cpu_us: Math.round(cpuUs / WRITES) };
  }
  return out;
}

const home = mkdtempSync(join(tmpdir(), 'verdant-bench-write-'));
const result = { writes: WRITES, thrash_mib: THRASH_MIB, sqlite: await measure(`sqlite:${join(home, 'v.db')}`) };
rmSync(home, { recursive: true, force: true });
if (process.env.BENCH_DATABASE_URL) result.postgres = await measure(process.env.BENCH_DATABASE_URL);
for (const backend of ['sqlite', 'postgres']) {
  if (!result[backend]) continue;
  for (const [name, r] of Object.entries(result[backend])) console.log(`  ${backend.padEnd(8)} ${name.padEnd(8)} ${String(r.wall_us).padStart(5)} µs a write (median wall), ${String(r.cpu_us).padStart(5)} µs CPU (mean)`);
}
console.log(JSON.stringify({ ...result, sink: sink > 0 }));
process.exit(0);
