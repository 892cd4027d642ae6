// The MoE layer on the wasm engine: routing losses at known points, drops through the residual, dropless and
// expert-choice behaviour, the noisy router, the aux-free bias, and option checks.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isVerdantError } from '@verdant/core';
import type * as tfjs from '@tensorflow/tfjs';
import { thrown } from '@verdant/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, type Engine } from '../src/engine.js';
import { MoeLayer, type MoeLayerOptions } from '../src/layer.js';
import { layerMetrics } from '../src/metrics.js';
import { Rng } from '../src/rng.js';

let engine: Engine;
let tf: Engine['tf'];
beforeAll(async () => {
  engine = await initEngine();
  tf = engine.tf;
});

const D = 6;
/** The field named by the VerdantError `f` throws (core's `thrown`: anything else it throws, or nothing, fails). */
const fieldOf = (f: () => unknown): string | undefined => thrown(f).field;
function input(T: number, seed = 1): tfjs.Tensor2D {
  return tf.tensor2d(new Rng(seed).normals(T * D), [T, D]);
}
function layer(router: MoeLayerOptions['router'], extra: Partial<MoeLayerOptions> = {}): MoeLayer {
  return new MoeLayer(engine, { dModel: D, dHidden: 8, experts: 4, router, seed: 3, initStd: 0.5, ...extra });
}

describe('engine', () => {
  it('runs on wasm, with the binaries from the installed package and no install step', () => {
    expect(tf.getBackend()).toBe('wasm');
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts?.[hook]).toBeUndefined();
  });

  it('segment sum (gather\'s gradient) works on wasm', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const s = engine.scatterAddRows(x, [2, 0, 2], 3);
    expect(Array.from(s.dataSync())).toEqual([3, 4, 0, 0, 6, 8]);
    const g = tf.grad((v: tfjs.Tensor) => tf.sum(tf.mul(engine.gatherRows(v as tfjs.Tensor2D, [1, 1, 0]), tf.tensor2d([1, 1, 2, 2, 3, 3], [3, 2]))))(tf.zeros([2, 2]));
    expect(Array.from(g.dataSync())).toEqual([3, 3, 3, 3]);
  });

  it('linear: the explicit-transpose gradient equals the stock matMul gradient', () => {
    const rng = new Rng(5);
    const x = tf.tensor2d(rng.normals(15), [5, 3]);
    const w = tf.tensor2d(rng.normals(12), [3, 4]);
    const dy = tf.tensor2d(rng.normals(20), [5, 4]);
    const ours = tf.grads((a: tfjs.Tensor, b: tfjs.Tensor) => tf.sum(tf.mul(engine.linear(a as tfjs.Tensor2D, b as tfjs.Tensor2D), dy)))([x, w]);
    const stock = tf.grads((a: tfjs.Tensor, b: tfjs.Tensor) => tf.sum(tf.mul(tf.matMul(a as tfjs.Tensor2D, b as tfjs.Tensor2D), dy)))([x, w]);
    for (let i = 0; i < 2; i++) {
      const a = ours[i]!.dataSync();
      const b = stock[i]!.dataSync();
      for (let j = 0; j < b.length; j++) expect(a[j]).toBeCloseTo(b[j]!, 5);
    }
  });

  it('rejects an unknown backend and a second backend', async () => {
    expect(() => initEngine({ backend: 'gpu' as never })).toThrow(/backend/);
    expect(() => initEngine({ backend: 'cpu' })).toThrow(/already runs on "wasm"/);
    await expect(initEngine({ backend: 'wasm' })).resolves.toBe(engine);
  });
});

describe('MoE layer', () => {
  it('at a uniform router the balance loss is 1 and the z-loss (ln E)²', () => {
    const l = layer({ kind: 'topk' });
    l.wRouter.assign(tf.zeros([D, 4]));
    const { routing } = l.forward(input(8));
    expect(routing.auxLoss).toBeCloseTo(1, 5);
    expect(routing.zLoss).toBeCloseTo(Math.log(4) ** 2, 5);
  });

  it('a token every expert dropped gets 0 from the layer (it passes through the residual)', () => {
    const l = layer({ kind: 'switch', capacityFactor: 0.25 }); // capacity ceil(0.25·16/4) = 1
    const T = 16;
    const { y, routing } = l.forward(input(T));
    expect(routing.capacity).toBe(1);
    const rows = y.arraySync();
    let dropped = 0;
    for (let t = 0; t < T; t++) {
      const norm = rows[t]!.reduce((s, v) => s + Math.abs(v), 0);
      if (routing.kept[t]) expect(norm).toBeGreaterThan(0);
      else {
        dropped++;
        expect(norm).toBe(0);
      }
    }
    expect(dropped).toBeGreaterThanOrEqual(T - 4);
    const m = layerMetrics(routing);
    expect(m.droppedFraction).toBe(dropped / T);
    expect(routing.loadAfter.every((c) => c <= 1)).toBe(true);
  });

  it('dropless mode keeps every assignment', () => {
    const { routing } = layer({ kind: 'topk', capacityFactor: null }).forward(input(32));
    expect(routing.capacity).toBeNull();
    expect(routing.kept.every((v) => v === 1)).toBe(true);
    expect(routing.loadAfter).toEqual(routing.loadBefore);
    expect(routing.loadBefore.reduce((a, b) => a + b)).toBe(64);
  });

  it('expert choice drops nothing and fills every expert to capacity', () => {
    const { routing } = layer({ kind: 'expert-choice', capacityFactor: 2 }).forward(input(16));
    expect(routing.capacity).toBe(8);
    const m = layerMetrics(routing);
    expect(m.droppedFraction).toBe(0);
    expect(routing.loadBefore).toEqual([8, 8, 8, 8]);
    expect(m.expertsPerToken).toBe(2);
  });

  it('expert choice sees the future: a later token can take an earlier token\'s slot', () => {
    const l = layer({ kind: 'expert-choice', capacityFactor: 0.5 }); // T 8, E 4: capacity 1
    const T = 8;
    const x = input(T, 7);
    const first = l.forward(x);
    const picked = first.routing.selected[0]!; // expert 0's one token
    expect(picked).toBeLessThan(T - 1);
    // The last token becomes a scaled copy of the picked one: expert 0 now prefers it.
    const rows = x.arraySync();
    rows[T - 1] = rows[picked]!.map((v) => 10 * v);
    const second = l.forward(tf.tensor2d(rows));
    expect(second.routing.selected[0]).toBe(T - 1);
    expect(second.y.arraySync()[picked]).not.toEqual(first.y.arraySync()[picked]);
  });

  it('the noisy router adds noise only in training, the same for the same seed', () => {
    const l = layer({ kind: 'noisy-topk' });
    const x = input(8);
    const clean = l.forward(x).routing.logits;
    const a = l.forward(x, { training: true, rng: new Rng(9) }).routing.logits;
    const b = l.forward(x, { training: true, rng: new Rng(9) }).routing.logits;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(clean));
    expect(Array.from(l.forward(x).routing.logits)).toEqual(Array.from(clean));
    expect(fieldOf(() => l.forward(x, { training: true }))).toBe('rng');
  });

  it('the aux-free bias brings MaxVio down with no loss at all', () => {
    const l = layer({ kind: 'aux-free', biasUpdateRate: 0.02 });
    // A skewed router: inputs around +1 and expert 0's weights raised make expert 0 everyone's favourite.
    const w = l.wRouter.arraySync();
    for (const row of w) row[0] = row[0]! + 1;
    l.wRouter.assign(tf.tensor2d(w));
    const x = tf.add(input(64, 4), 1) as tfjs.Tensor2D;
    const first = layerMetrics(l.forward(x).routing).maxVio;
    let last = first;
    for (let step = 0; step < 60; step++) {
      const { routing } = l.forward(x);
      last = layerMetrics(routing).maxVio;
      l.afterStep(routing);
    }
    expect(first).toBeGreaterThan(0.5);
    expect(last).toBeLessThan(first / 2);
    expect(l.bias[0]).toBeLessThan(0);
  });

  it('the same seed gives the same weights', () => {
    const a = layer({ kind: 'gshard' });
    const b = layer({ kind: 'gshard' });
    const c = layer({ kind: 'gshard' }, { seed: 4 });
    expect(Array.from(a.expertWeights[2]!.w1.dataSync())).toEqual(Array.from(b.expertWeights[2]!.w1.dataSync()));
    expect(Array.from(a.wRouter.dataSync())).not.toEqual(Array.from(c.wRouter.dataSync()));
  });

  it('rejects bad layer options before building anything', () => {
    const field = (o: Partial<MoeLayerOptions>) => {
      try {
        new MoeLayer(engine, { dModel: 4, dHidden: 4, experts: 4, router: { kind: 'switch' }, ...o });
      } catch (e) {
        if (isVerdantError(e)) return `${e.field}|${e.fix ?? ''}`;
        throw e;
      }
      return 'ok';
    };
    expect(field({})).toBe('ok');
    expect(field({ experts: 0 })).toMatch(/^moe\.experts\|/);
    expect(field({ dModel: 2.5 })).toMatch(/^moe\.dModel\|/);
    expect(field({ activation: 'tanh' as never })).toMatch(/^moe\.activation\|use "gelu" or "relu"/);
    expect(field({ initStd: 0 })).toMatch(/^moe\.initStd\|/);
    expect(field({ router: { kind: 'switch', seqAuxLossCoef: 1 } })).toMatch(/^moe\.router\.seqAuxLossCoef\|remove it/);
    expect(field({ router: { kind: 'topk', k: 5 } })).toMatch(/^moe\.router\.k\|/);
    const l = layer({ kind: 'aux-free' });
    expect(fieldOf(() => l.forward(input(8), { sequenceLength: 3 }))).toBe('sequenceLength');
  });
});
