// Tracker overhead: CPU time of the measuring process per wall-clock second, at 1 Hz and 10 Hz, with the CPU and
// RAM models (procfs) and with RAPL (the sysfs fixture of the tests, through VERDANT_SYSFS_ROOT), writing to a
// SQLite store as `verdant run` does.
//
// Steady state: each configuration runs in a process of its own (as `verdant run` would), measures a `sleep`
// through runCommand, lets start-up settle (BENCH_WARMUP_S, default 15: module loading, the first scan of
// procfs, V8's post-start-up collections), then takes process.cpuUsage() over BENCH_WINDOW_S (default 60).
// BENCH_PARALLEL (default 2) configurations run at a time, each measuring only its own CPU time (six at once
// made each other's wake-ups colder and every figure about twice as high on a 2-core machine).
// "floor" is a process with the same modules and store loaded whose timer does nothing at the same rate: what
// waking Node up costs on this machine.
//
// Whole process: CPU seconds of `verdant run -- sleep BENCH_WHOLE_S` (default 20) minus those of
// `verdant run -- sleep 0`, start-up included, from the parent shell's accounting of the reaped child (10 ms
// resolution), median of BENCH_REPEAT runs (default 3; 0 skips it).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 15);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 60);
const WHOLE_S = Number(process.env.BENCH_WHOLE_S ?? 20);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const PARALLEL = Math.max(1, Number(process.env.BENCH_PARALLEL ?? 2));
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const RAPL_FIXTURE = join(here, '..', 'test', 'fixtures', 'sysfs-rapl');
const TARGET = { 1: 0.001, 10: 0.005 }; // fraction of one core, steady state

/** The sensor sets measured: discovery options and the environment they are discovered in. */
const SETS = {
  models: { only: ['cpu-model', 'ram-model'], env: {} },
  rapl: { only: ['rapl'], env: { VERDANT_SYSFS_ROOT: RAPL_FIXTURE } },
};

// ---- child: one steady-state configuration ----
async function child(set, hz) {
  const { Store, constantLookup } = await import('@verdant/core');
  const { runCommand } = await import('@verdant/energy');
  const home = mkdtempSync(join(tmpdir(), 'verdant-bench-'));
  const store = await Store.open({ url: `sqlite:${join(home, 'v.db')}` });
  let run;
  let sensors = [];
  if (set === 'floor') {
    setInterval(() => undefined, 1000 / hz);
  } else {
    const { only, env } = SETS[set];
    run = await runCommand({
      argv: ['sleep', String(WARMUP_S + WINDOW_S + 5)],
      lookup: constantLookup(300, 'DE'),
      env: { ...process.env, ...env },
      discover: { only },
      onWarning: () => undefined,
      store,
      intervalS: 1 / hz,
      stdio: 'ignore',
    });
    sensors = run.tracker.sensors.map((s) => `${s.id}:${s.method}`);
  }
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  const c = process.cpuUsage(c0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (run) {
    await run.stop('bench done', 1);
    await run.done;
  }
  await store.close();
  rmSync(home, { recursive: true, force: true });
  console.log(JSON.stringify({ set, hz, sensors, cpu_s_per_wall_s: (c.user + c.system) / 1e6 / wall }));
  process.exit(0);
}

function runNode(args, env = process.env) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')}: exit ${code}`))));
  });
}

/** CPU seconds of one `verdant run`, from the waiting shell's cutime + cstime (fields 16, 17 of its stat). */
function wholeRun(set, hz, sleepS) {
  return new Promise((resolve, reject) => {
    const home = mkdtempSync(join(tmpdir(), 'verdant-bench-'));
    const script = `"$0" packages/cli/bin/verdant.js run --interval ${1000 / hz}ms --region DE -- sleep ${sleepS} >/dev/null 2>&1; cat /proc/$$/stat`;
    const p = spawn('sh', ['-c', script, process.execPath], { cwd: root, env: { ...process.env, ...SETS[set].env, VERDANT_HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', () => {
      rmSync(home, { recursive: true, force: true });
      const f = out.slice(out.lastIndexOf(')') + 2).split(' ');
      resolve((Number(f[13]) + Number(f[14])) / 100);
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (x) => `${(x * 100).toFixed(3)}%`;

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]));
} else {
  // In pairs by default: the two sensor sets at 1 Hz, then at 10 Hz, then the two floors.
  const configs = [
    ['models', 1],
    ['rapl', 1],
    ['models', 10],
    ['rapl', 10],
    ['floor', 1],
    ['floor', 10],
  ];
  console.log(`steady state: ${configs.length} configurations, ${PARALLEL} at a time, ${WARMUP_S} s warm-up, ${WINDOW_S} s window`);
  const steady = [];
  for (let i = 0; i < configs.length; i += PARALLEL) {
    const outs = await Promise.all(configs.slice(i, i + PARALLEL).map(([set, hz]) => runNode([fileURLToPath(import.meta.url), '--child', set, String(hz)])));
    steady.push(...outs.map((o) => JSON.parse(o.trim().split('\n').pop())));
  }
  for (const s of steady) {
    const target = s.set === 'floor' ? '' : `  (target < ${pct(TARGET[s.hz])}: ${s.cpu_s_per_wall_s < TARGET[s.hz] ? 'met' : 'NOT met'})`;
    console.log(`  ${s.set.padEnd(6)} ${String(s.hz).padStart(2)} Hz: ${pct(s.cpu_s_per_wall_s)} of one core${target}${s.sensors.length ? `  [${s.sensors.join(', ')}]` : ''}`);
  }

  const whole = [];
  if (REPEAT > 0) console.log(`whole process: verdant run -- sleep ${WHOLE_S} minus verdant run -- sleep 0, CPU s, median of ${REPEAT}`);
  for (const set of REPEAT > 0 ? ['models', 'rapl'] : []) {
    for (const hz of [1, 10]) {
      const long = [];
      const short = [];
      for (let i = 0; i < REPEAT; i++) {
        const [a, b] = await Promise.all([wholeRun(set, hz, WHOLE_S), wholeRun(set, hz, 0)]);
        long.push(a);
        short.push(b);
      }
      const w = { set, hz, sleep_s: WHOLE_S, cpu_s_long: median(long), cpu_s_short: median(short), cpu_s_difference: median(long.map((x, i) => x - short[i])) };
      whole.push(w);
      console.log(
        `  ${set.padEnd(6)} ${String(hz).padStart(2)} Hz: ${w.cpu_s_long.toFixed(2)} - ${w.cpu_s_short.toFixed(2)} = ${w.cpu_s_difference.toFixed(2)} CPU s over ${WHOLE_S} s (${pct(w.cpu_s_difference / WHOLE_S)} of one core)`,
      );
    }
  }
  const measured = steady.filter((s) => s.set !== 'floor');
  const targetMet = measured.every((s) => s.cpu_s_per_wall_s < TARGET[s.hz]);
  console.log(`targets (< 0.1% of one core at 1 Hz, < 0.5% at 10 Hz, steady state): ${targetMet ? 'met' : 'NOT met'}`);
  console.log(JSON.stringify({ warmup_s: WARMUP_S, window_s: WINDOW_S, parallel: PARALLEL, steady, whole_process: whole, target_met: targetMet }));
}
