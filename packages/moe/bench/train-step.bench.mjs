// Training-step throughput of the reference MoE language model (issue 10: 4 layers, d_model 256, 4 heads, 8
// experts of FFN width 1024 in every layer, GShard top-2, capacity factor 1.25, sequence 128, batch 16, bytes)
// and of the dense model of equal active parameters (FFN width 2048): the lab (TensorFlow.js wasm, one thread)
// against PyTorch (Debian's python3-torch under /usr/bin/python3, its default threads) on the same CPU, one
// process at a time. Tokens/s of full steps (forward, backward, AdamW) after BENCH_WARMUP steps (default 1) over
// BENCH_STEPS steps (default 3); J/token from Verdant's tracker on that process tree over the timed steps.
// BENCH_TORCH_THREADS sets PyTorch's threads (its default here is one per physical core). The torch columns are
// skipped, with a message, where /usr/bin/python3 has no torch.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { constantLookup } from '@verdant/core';
import { sensorsForTree, track } from '@verdant/energy';

const STEPS = process.env.BENCH_STEPS ?? '3';
const WARMUP = process.env.BENCH_WARMUP ?? '1';
const PYTHON = '/usr/bin/python3';
const here = (f) => fileURLToPath(new URL(f, import.meta.url));

/** Run one side in a child process; measure its tree's energy from its "warm" line to its exit. */
async function side(label, command, args) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  let last = '';
  let warm;
  const warmSeen = new Promise((resolve) => (warm = resolve));
  lines.on('line', (l) => {
    if (l === 'warm') warm(true);
    else last = l;
  });
  exited.then(() => warm(false));
  if (!(await warmSeen)) throw new Error(`${label}: exited before warming up`);
  const sensors = await sensorsForTree(() => child.pid, { env: process.env, warn: () => undefined });
  const { result: code, snapshot } = await track(() => exited, { name: `bench ${label}`, lookup: constantLookup(0, 'bench'), sensors, intervalS: 1 });
  if (code !== 0) throw new Error(`${label}: exit ${code}`);
  const r = JSON.parse(last);
  const tokens = Number(STEPS) * 16 * 128;
  return { ...r, energy_j: snapshot.energyJ, j_per_token: snapshot.energyJ / tokens };
}

const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const results = {};
for (const dense of [false, true]) {
  const model = dense ? 'dense' : 'moe';
  const flags = ['--steps', STEPS, '--warmup', WARMUP, ...(dense ? ['--dense'] : [])];
  results[`lab_${model}`] = await side(`lab ${model}`, process.execPath, [here('./lm-step.mjs'), ...flags]);
  const threads = process.env.BENCH_TORCH_THREADS ? ['--threads', process.env.BENCH_TORCH_THREADS] : [];
  if (hasTorch) results[`torch_${model}`] = await side(`torch ${model}`, PYTHON, [here('./torch_lm.py'), ...flags, ...threads]);
}
if (!hasTorch) console.log(`torch: skipped (${PYTHON} has no torch; install Debian's python3-torch to compare)`);
for (const [k, r] of Object.entries(results)) {
  console.log(`${k.padEnd(12)} ${r.tokens_per_s.toFixed(0).padStart(6)} tokens/s  ${r.step_s.toFixed(2)} s/step  ${(r.j_per_token * 1000).toFixed(2)} mJ/token`);
}
const ratio = hasTorch ? results.lab_moe.tokens_per_s / results.torch_moe.tokens_per_s : null;
if (ratio !== null) console.log(`lab / torch (MoE): ${ratio.toFixed(2)}x; target >= 0.5x: ${ratio >= 0.5 ? 'met' : 'NOT met'}`);
console.log(JSON.stringify({ steps: Number(STEPS), warmup: Number(WARMUP), results, lab_over_torch: ratio, target_met: ratio === null ? null : ratio >= 0.5 }));
