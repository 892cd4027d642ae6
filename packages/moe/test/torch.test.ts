// The same MoE layer, weights and input in the lab (TensorFlow.js, wasm, float32) and in PyTorch (float64, the
// script beside this file): router outputs, losses and gradients agree to 1e-4 relative, for every router, noise off.
// Needs Debian's python3-torch for /usr/bin/python3; outside CI the test skips without it, in CI it fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, type Engine } from '../src/engine.js';
import { MoeLayer, type RoutingRecord } from '../src/layer.js';
import { Rng } from '../src/rng.js';
import { topKRows, type RouterOptions } from '../src/router.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = new URL('./torch/moe_layer.py', import.meta.url).pathname;
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch && process.env.CI === 'true') {
  throw new Error(`${PYTHON} has no torch: CI must install Debian's python3-torch`);
}

const T = 16;
const D = 8;
const H = 12;
const E = 4;

interface Case {
  name: string;
  router: RouterOptions;
  sequenceLength?: number;
  bias?: number[];
}

const CASES: Case[] = [
  { name: 'switch, capacity by position', router: { kind: 'switch', capacityFactor: 0.75, zLossCoef: 0.01 } },
  { name: 'switch, capacity by probability', router: { kind: 'switch', capacityFactor: 0.75, dropPolicy: 'probability' } },
  { name: 'top-2 pre-softmax, unnormalised, capacity', router: { kind: 'topk', k: 2, softmax: 'pre', normalize: false, capacityFactor: 0.75 } },
  { name: 'top-2 pre-softmax renormalised (Mixtral), dropless', router: { kind: 'topk', softmax: 'pre', zLossCoef: 0.01 } },
  { name: 'top-2 post-softmax (Mixtral), capacity by probability', router: { kind: 'topk', capacityFactor: 0.75, dropPolicy: 'probability' } },
  { name: 'gshard top-2, capacity', router: { kind: 'gshard', capacityFactor: 0.75, zLossCoef: 0.001 } },
  { name: 'expert choice', router: { kind: 'expert-choice', capacityFactor: 1.5, zLossCoef: 0.01 } },
  {
    name: 'aux-free with bias and sequence-wise loss',
    router: { kind: 'aux-free', seqAuxLossCoef: 0.1, biasUpdateRate: 0.01, zLossCoef: 0.01 },
    sequenceLength: 8,
    bias: [0.3, -0.2, 0.05, -0.1],
  },
  { name: 'noisy top-k (noise off)', router: { kind: 'noisy-topk', auxLossCoef: 0.05 } },
];

interface LabResult {
  routing: RoutingRecord;
  y: Float32Array;
  routingLoss: number;
  loss: number;
  grads: { x: Float32Array; wRouter: Float32Array; experts: Record<'w1' | 'b1' | 'w2' | 'b2', Float32Array>[] };
  biasAfter: number[] | null;
}

interface TorchResult {
  selected: number[];
  kept: number[];
  logits: number[];
  probs: number[];
  gates: number[];
  loadBefore: number[];
  y: number[];
  aux: number;
  z: number;
  seqAux: number;
  loss: number;
  biasAfter: number[] | null;
  grads: { x: number[]; wRouter: number[]; experts: Record<'w1' | 'b1' | 'w2' | 'b2', number[]>[] };
}

/** max |a − b| / max |b|: the error relative to the tensor's scale. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

const TOL = 1e-4;

describe.skipIf(!hasTorch)('MoE layer against PyTorch', () => {
  let engine: Engine;
  let dir: string;
  const lab: LabResult[] = [];
  let torch: TorchResult[] = [];

  beforeAll(async () => {
    engine = await initEngine({ backend: 'wasm' });
    const tf = engine.tf;
    dir = mkdtempSync(join(tmpdir(), 'verdant-moe-torch-'));
    const rng = new Rng(7);
    const payload: unknown[] = [];
    CASES.forEach((c, i) => {
      const layer = new MoeLayer(engine, { dModel: D, dHidden: H, experts: E, router: c.router, seed: 100 + i, initStd: 0.5 });
      if (c.bias) layer.bias = Float32Array.from(c.bias);
      // Non-zero expert biases so their gradients and values are exercised.
      for (const w of layer.expertWeights) {
        w.b1.assign(tf.tensor1d(rng.normals(H, 0.1)));
        w.b2.assign(tf.tensor1d(rng.normals(D, 0.1)));
      }
      const xs = rng.normals(T * D);
      const rs = rng.normals(T * D);
      const x = tf.variable(tf.tensor2d(xs, [T, D]));
      const r = tf.tensor2d(rs, [T, D]);
      let routing: RoutingRecord | undefined;
      let y: Float32Array | undefined;
      let routingLoss = 0;
      const vars = [x, ...layer.variables()];
      const { value, grads } = tf.variableGrads(() => {
        const out = layer.forward(x as unknown as import('@tensorflow/tfjs').Tensor2D, { sequenceLength: c.sequenceLength });
        routing = out.routing;
        y = out.y.dataSync() as Float32Array;
        routingLoss = out.loss.dataSync()[0]!;
        return tf.add(tf.sum(tf.mul(out.y, r)), out.loss) as import('@tensorflow/tfjs').Scalar;
      }, vars);
      const g = (v: import('@tensorflow/tfjs').Variable) => {
        const t = grads[v.name];
        return t ? (t.dataSync() as Float32Array) : new Float32Array(v.size);
      };
      const layerBias = layer.router.kind === 'aux-free' ? (layer.afterStep(routing!), Array.from(layer.bias)) : null;
      lab.push({
        routing: routing!,
        y: y!,
        routingLoss,
        loss: value.dataSync()[0]!,
        grads: {
          x: g(x),
          wRouter: g(layer.wRouter),
          experts: layer.expertWeights.map((w) => ({ w1: g(w.w1), b1: g(w.b1), w2: g(w.w2), b2: g(w.b2) })),
        },
        biasAfter: layerBias,
      });
      payload.push({
        router: layer.router,
        T, d: D, h: H, E,
        seqLen: c.sequenceLength ?? T,
        activation: layer.activation,
        x: Array.from(xs),
        r: Array.from(rs),
        wRouter: Array.from(layer.wRouter.dataSync()),
        experts: layer.expertWeights.map((w) => ({
          w1: Array.from(w.w1.dataSync()), b1: Array.from(w.b1.dataSync()), w2: Array.from(w.w2.dataSync()), b2: Array.from(w.b2.dataSync()),
        })),
        bias: c.bias ?? new Array(E).fill(0),
      });
    });
    writeFileSync(join(dir, 'in.json'), JSON.stringify({ cases: payload }));
    const run = spawnSync(PYTHON, [SCRIPT, join(dir, 'in.json'), join(dir, 'out.json')], { encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(`torch reference failed (exit ${run.status}): ${run.stderr}`);
    torch = (JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { results: TorchResult[] }).results;
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  CASES.forEach((c, i) => {
    it(c.name, () => {
      const a = lab[i]!;
      const b = torch[i]!;
      // Same decisions: the same experts chosen, the same assignments dropped.
      expect(Array.from(a.routing.selected)).toEqual(b.selected);
      expect(Array.from(a.routing.kept)).toEqual(b.kept);
      expect(a.routing.loadBefore).toEqual(b.loadBefore);
      expect(relErr(a.routing.logits, b.logits)).toBeLessThan(TOL);
      expect(relErr(a.routing.probs, b.probs)).toBeLessThan(TOL);
      expect(relErr(a.routing.gates, b.gates)).toBeLessThan(TOL);
      expect(relErr(a.y, b.y)).toBeLessThan(TOL);
      expect(relErr([a.routing.zLoss], [b.z])).toBeLessThan(TOL);
      if (a.routing.k !== null) expect(relErr([a.routing.auxLoss], [b.aux])).toBeLessThan(TOL);
      if (c.router.kind === 'aux-free') expect(relErr([a.routing.seqAuxLoss], [b.seqAux])).toBeLessThan(TOL);
      expect(relErr([a.loss], [b.loss])).toBeLessThan(TOL);
      expect(relErr(a.grads.x, b.grads.x)).toBeLessThan(TOL);
      expect(relErr(a.grads.wRouter, b.grads.wRouter)).toBeLessThan(TOL);
      a.grads.experts.forEach((ge, e) => {
        for (const key of ['w1', 'b1', 'w2', 'b2'] as const) {
          expect(relErr(ge[key], b.grads.experts[e]![key]), `expert ${e} ${key}`).toBeLessThan(TOL);
        }
      });
      if (b.biasAfter) expect(relErr(a.biasAfter!, b.biasAfter)).toBeLessThan(TOL);
    });
  });

  it('the cases exercise drops, the selection bias and a non-zero router gradient', () => {
    // Guards against a check that passes because nothing happens.
    CASES.forEach((c, i) => {
      const r = lab[i]!.routing;
      const capped = c.router.kind !== 'expert-choice' && c.router.capacityFactor === 0.75; // 0.75: fewer slots than assignments
      expect(r.kept.includes(0), c.name).toBe(capped);
    });
    const auxFree = lab[CASES.findIndex((c) => c.router.kind === 'aux-free')]!.routing;
    const unbiased = topKRows(Float32Array.from(auxFree.logits, (l) => 1 / (1 + Math.exp(-l))), T, E, 2);
    expect(Array.from(auxFree.selected)).not.toEqual(Array.from(unbiased));
    expect(lab.every((l) => l.routing.zLoss > 0)).toBe(true);
    expect(lab.every((l) => l.grads.wRouter.some((v) => v !== 0))).toBe(true);
  });
});
