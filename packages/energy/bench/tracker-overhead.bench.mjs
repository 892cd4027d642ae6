// Tracker overhead: CPU time of the tracking process per wall-clock second of tracking, at 1 Hz and 10 Hz,
// with the sensors discovered on this machine and the SQLite store (samples written as in `verdant run`).
// Steady state (start-up excluded) is measured in-process; the whole `verdant run` process, start-up
// included, is measured from its parent's accounting of the reaped child (cutime + cstime).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, constantLookup, readEnv } from '@verdant/core';
import { discoverSensors, runCommand } from '@verdant/energy';

const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 20);

async function steadyState(hz) {
  const home = mkdtempSync(join(tmpdir(), 'verdant-bench-'));
  const store = await Store.open({ url: `sqlite:${join(home, 'v.db')}` });
  const env = readEnv();
  let rootPid;
  const sensors = await discoverSensors({ env: process.env, sysfsRoot: env.sysfsRoot, procfsRoot: env.procfsRoot, rootPid: () => rootPid, warn: () => {} });
  const run = await runCommand({ argv: ['sleep', String(WINDOW_S + 4)], lookup: constantLookup(300, 'DE'), sensors, store, intervalS: 1 / hz, stdio: 'ignore' });
  rootPid = run.pid;
  await new Promise((r) => setTimeout(r, 2000)); // past start-up
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  const c = process.cpuUsage(c0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  await run.stop('bench done', 1);
  await run.done;
  await store.close();
  return { hz, sensors: sensors.map((s) => `${s.id}:${s.method}`), cpu_s_per_wall_s: (c.user + c.system) / 1e6 / wall };
}

function wholeProcess(hz) {
  const home = mkdtempSync(join(tmpdir(), 'verdant-bench-'));
  // The shell waits for `verdant run`; its own /proc stat then holds the reaped child's CPU time.
  const script = `node packages/cli/bin/verdant.js run --interval ${1000 / hz}ms --region DE -- sleep ${WINDOW_S} >/dev/null 2>&1; cat /proc/$$/stat`;
  const t0 = Date.now();
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, VERDANT_HOME: home } });
  const wall = (Date.now() - t0) / 1000;
  const f = r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[13]) + Number(f[14]); // cutime, cstime (fields 16, 17)
  return { hz, wall_s: wall, cpu_s: ticks / 100, cpu_s_per_wall_s: ticks / 100 / wall };
}

const out = { window_s: WINDOW_S, steady: [], whole_process: [] };
for (const hz of [1, 10]) {
  const s = await steadyState(hz);
  out.steady.push(s);
  console.log(`steady state ${hz} Hz: ${(s.cpu_s_per_wall_s * 100).toFixed(3)}% of one core (sensors: ${s.sensors.join(', ')})`);
}
for (const hz of [1, 10]) {
  const w = wholeProcess(hz);
  out.whole_process.push(w);
  console.log(`whole process ${hz} Hz over ${w.wall_s.toFixed(1)} s, start-up included: ${w.cpu_s.toFixed(2)} CPU s = ${(w.cpu_s_per_wall_s * 100).toFixed(2)}% of one core`);
}
out.target_met = out.steady[0].cpu_s_per_wall_s < 0.005;
console.log(`target (< 0.5% of one core at 1 Hz, steady state): ${out.target_met ? 'met' : 'NOT met'}`);
console.log(JSON.stringify(out));
