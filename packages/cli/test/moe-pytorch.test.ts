// integrations/python/verdant_moe.py under `verdant run`: a small randomly initialised Mixtral-style MoE trains in
// Debian's torch (/usr/bin/python3); the metrics stored for the run must equal the lab's formulas applied to the
// router logits the script saw. Skipped without torch, except in CI (CI=true), where it fails.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '@verdant/core';
import { MoeStore, applyCapacity, coefficientOfVariation, countPerExpert, marginalEntropy, maxViolation, tokenEntropy, topKRows, type DropPolicy } from '@verdant/moe';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@verdant/core/testing';
import { assertBuilt, runCli, sandbox, startCliCapturing } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const INTEGRATION = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'integrations', 'python');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch && process.env.CI === 'true') throw new Error(`${PYTHON} has no torch but CI=true: .ci/run installs python3-torch`);
if (!hasTorch) console.warn(`[skip] verdant_moe.py test: ${PYTHON} has no torch (apt-get install python3-torch)`);

const SCRIPT = `
import json, sys, torch
from verdant_moe import MoeMonitor
torch.manual_seed(0)
E, D, K, STEPS = 4, 8, 2, 5
class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = torch.nn.Linear(D, E, bias=False)
        self.experts = torch.nn.ModuleList([torch.nn.Linear(D, D) for _ in range(E)])
    def forward(self, x):
        logits = self.gate(x)
        w, idx = torch.topk(torch.softmax(logits, -1), K, dim=-1)
        w = w / w.sum(-1, keepdim=True)
        out = torch.zeros_like(x)
        for j in range(K):
            for e in range(E):
                m = idx[:, j] == e
                if m.any():
                    out[m] += w[m, j:j+1] * self.experts[e](x[m])
        return x + out
class Layer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.block_sparse_moe = Block()
class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList([Layer(), Layer()])
    def forward(self, x):
        for l in self.layers:
            x = l.block_sparse_moe(x)
        return x
model = Model()
seen = []
model.layers[0].block_sparse_moe.gate.register_forward_hook(lambda m, i, o: seen.append([0, o.detach().tolist()]))
model.layers[1].block_sparse_moe.gate.register_forward_hook(lambda m, i, o: seen.append([1, o.detach().tolist()]))
monitor = MoeMonitor(model, num_experts=E, top_k=K, total_steps=STEPS)
assert len(monitor._names) == 2, monitor._names
opt = torch.optim.Adam(model.parameters(), lr=0.05)
dump = []
for step in range(1, STEPS + 1):
    x = torch.randn(24, D)
    loss = (model(x) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
    dump.append(seen); seen = []
    monitor.step(loss=loss.item(), tokens=24)
from verdant_moe import router_metrics
first = torch.tensor(dump[0][0][1])
capped = {p: router_metrics(first, K, capacity_factor=1.0, drop_policy=p) for p in ("position", "probability")}
json.dump({"steps": dump, "capped": capped}, open(sys.argv[1], "w"))
# Wait (a minute at most) until the test has seen the metrics in the store while this process still runs.
import os, time
deadline = time.time() + 60
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.05)
`;

describe.skipIf(!hasTorch)('verdant_moe.py under verdant run', () => {
  beforeAll(assertBuilt);

  it("stores each step's per-layer metrics, equal to the lab's formulas on the same logits", async () => {
    const { home, env } = sandbox([{ id: 'cpu:package-0', kind: 'cpu', powerW: 30 }]);
    const script = join(home, 'train.py');
    const dumpFile = join(home, 'logits.json');
    writeFileSync(script, SCRIPT);
    const marker = join(home, 'seen');
    const cli = startCliCapturing(['run', '--json', '--interval', '200ms', '--', PYTHON, script, dumpFile, marker], { ...env, PYTHONPATH: INTEGRATION, PYTHONDONTWRITEBYTECODE: '1' });
    // Stored while the run goes on: `verdant run` watches the channel.
    const store = await Store.open({ url: `sqlite:${join(home, 'verdant.db')}` });
    try {
      const moe = MoeStore.of(store);
      const live = await waitFor('the metrics to be stored live', async () => (await moe.list()).find((t) => t.source === 'pytorch' && t.stepsDone === 5));
      expect(live.status).toBe('running');
    } finally {
      await store.close();
      writeFileSync(marker, '');
    }
    expect(await cli.exited).toBe(0);
    expect(cli.stderr).not.toMatch(/Traceback|Error/);
    const run = JSON.parse(cli.stdout);
    const show = await runCli(['moe', 'show', run.run_id, '--json'], env);
    expect(show.code).toBe(0);
    const report = JSON.parse(show.stdout);
    expect(report.summary).toMatchObject({ training_id: run.run_id, status: 'succeeded', steps: 5, total_steps: 5, tokens: 120 });
    expect(report.summary.energy_j).toBeCloseTo(run.energy_j, 9);
    expect(report.config).toMatchObject({ source: 'pytorch', topK: 2, layerNames: ['layers.0.block_sparse_moe.gate', 'layers.1.block_sparse_moe.gate'] });
    expect(report.layers).toHaveLength(10);
    const saved = JSON.parse(readFileSync(dumpFile, 'utf8')) as { steps: Array<Array<[number, number[][]]>>; capped: Record<DropPolicy, { loadAfter: number[]; droppedFraction: number; unroutedFraction: number }> };
    const dump = saved.steps;
    const E = 4;
    const K = 2;
    for (const row of report.layers as Array<Record<string, unknown> & { step: number; layer: number }>) {
      const rows = dump[row.step - 1]!.filter(([l]) => l === row.layer).flatMap(([, x]) => x);
      const T = rows.length;
      const logits = rows.flat();
      const probs = new Float64Array(T * E);
      let z = 0;
      for (let t = 0; t < T; t++) {
        const m = Math.max(...rows[t]!);
        const ex = rows[t]!.map((v) => Math.exp(v - m));
        const s = ex.reduce((a, b) => a + b, 0);
        ex.forEach((v, e) => (probs[t * E + e] = v / s));
        z += (m + Math.log(s)) ** 2;
      }
      const selected = topKRows(probs, T, E, K);
      const load = countPerExpert(selected, E);
      expect(row.loadBefore).toEqual(load);
      expect(row.loadAfter).toEqual(load); // dropless
      expect(row.cv as number).toBeCloseTo(coefficientOfVariation(load), 9);
      expect(row.maxVio as number).toBeCloseTo(maxViolation(load), 9);
      expect(row.tokenEntropy as number).toBeCloseTo(tokenEntropy(probs, T, E), 6);
      expect(row.marginalEntropy as number).toBeCloseTo(marginalEntropy(probs, T, E), 6);
      const P = Array.from({ length: E }, (_, e) => { let s = 0; for (let t = 0; t < T; t++) s += probs[t * E + e]!; return s / T; });
      expect(row.auxLoss as number).toBeCloseTo(E * load.reduce((a, l, e) => a + (l / (T * K)) * P[e]!, 0), 6);
      expect(row.zLoss as number).toBeCloseTo(z / T, 5);
      expect(row.droppedFraction).toBe(0);
      expect(logits.length).toBe(T * E);
    }
    // A capacity-limited router: the same drops as the lab's applyCapacity, by position and by probability.
    const rows0 = dump[0]![0]![1];
    const T0 = rows0.length;
    const probs0 = new Float64Array(T0 * E);
    rows0.forEach((row, t) => {
      const m = Math.max(...row);
      const ex = row.map((v) => Math.exp(v - m));
      const s = ex.reduce((a, b) => a + b, 0);
      ex.forEach((v, e) => (probs0[t * E + e] = v / s));
    });
    const sel0 = topKRows(probs0, T0, E, K);
    const priority = Array.from(sel0, (e, i) => probs0[Math.floor(i / K) * E + e]!);
    for (const policy of ['position', 'probability'] as const) {
      const kept = applyCapacity(sel0, T0, K, E, Math.ceil((1.0 * T0 * K) / E), policy, priority);
      const got = saved.capped[policy];
      expect(got.loadAfter).toEqual(countPerExpert(sel0, E, kept));
      expect(got.droppedFraction).toBeGreaterThan(0); // the fixed seed's first batch overfills an expert
      expect(got.droppedFraction).toBeCloseTo(1 - kept.reduce((a, b) => a + b, 0) / (T0 * K), 12);
      let unrouted = 0;
      for (let t = 0; t < T0; t++) if (!kept[t * K] && !kept[t * K + 1]) unrouted++;
      expect(got.unroutedFraction).toBeCloseTo(unrouted / T0, 12);
    }
  }, 120_000);
});
