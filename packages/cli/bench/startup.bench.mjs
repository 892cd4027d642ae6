#!/usr/bin/env node
// CLI start-up: wall time of `verdant --help`, `verdant --version` and `verdant runs list` (SQLite store with a
// few runs), each run BENCH_RUNS times (default 20) alternating with a bare `node -e 0`, so both see the same
// machine load. Reports medians and the ratio to the bare start; target: every command under 3x.
// The launcher is run directly (`node packages/cli/bin/verdant.js`), as an installed `verdant` on the PATH is;
// `npx verdant` adds npm's own start-up on top. Build first (`npm run build`).
// Usage: node packages/cli/bench/startup.bench.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WARMUP = 2;
const TARGET = 3;
const BIN = new URL('../bin/verdant.js', import.meta.url).pathname;

const home = mkdtempSync(join(tmpdir(), 'verdant-startup-'));
const env = { ...process.env, VERDANT_HOME: home, VERDANT_DATABASE_URL: '', VERDANT_OFFLINE: '1', VERDANT_LOG_LEVEL: '' };

/** Wall time of one process, ms; fails the bench on a non-zero exit. */
function time(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// A store with a few measured runs, so `runs list` reads and prints rows.
let seeded = 0;
for (let i = 0; i < 3; i++) {
  const r = spawnSync(process.execPath, [BIN, 'run', '--name', `seed-${i}`, '--region', 'DE', '--', process.execPath, '-e', '0'], { env, stdio: 'ignore' });
  if (r.status === 0) seeded++;
}

const commands = [
  { name: '--help', args: [BIN, '--help'] },
  { name: '--version', args: [BIN, '--version'] },
  { name: 'runs list', args: [BIN, 'runs', 'list'] },
];
const baseline = [];
const samples = Object.fromEntries(commands.map((c) => [c.name, []]));
for (let round = 0; round < WARMUP + RUNS; round++) {
  for (const c of commands) {
    const bare = time(['-e', '0']);
    const ms = time(c.args);
    if (round < WARMUP) continue;
    baseline.push(bare);
    samples[c.name].push(ms);
  }
}
rmSync(home, { recursive: true, force: true });

const bareMs = median(baseline);
const out = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  runs: RUNS,
  seeded_runs: seeded,
  node_e_0_ms: Number(bareMs.toFixed(1)),
  commands: commands.map((c) => {
    const ms = median(samples[c.name]);
    return { command: `verdant ${c.name}`, median_ms: Number(ms.toFixed(1)), ratio: Number((ms / bareMs).toFixed(2)), target_met: ms / bareMs < TARGET };
  }),
};
out.target_met = out.commands.every((c) => c.target_met);
console.log(`node -e 0: ${bareMs.toFixed(1)} ms (median of ${baseline.length}, alternating with the commands)`);
for (const c of out.commands) console.log(`${c.command.padEnd(18)} ${c.median_ms.toFixed(1).padStart(7)} ms  ${c.ratio.toFixed(2)}x  ${c.target_met ? 'met' : 'NOT met'} (target < ${TARGET}x)`);
console.log(JSON.stringify(out));
