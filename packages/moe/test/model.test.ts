// The decoder-only LM, AdamW and the training step on the wasm engine, at tiny sizes.
import { thrown } from '@verdant/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, type Engine } from '../src/engine.js';
import { MoeLm, denseBaseline, type LmOptions } from '../src/model.js';
import { AdamW, learningRate, resolveAdamW } from '../src/optim.js';
import { Rng } from '../src/rng.js';
import { encodeBytes, evalLoss, sampleBatch, trainStep } from '../src/train.js';

let engine: Engine;
beforeAll(async () => {
  engine = await initEngine();
});

const TINY: LmOptions = {
  vocab: 256, seqLen: 16, dModel: 16, heads: 2, layers: 2, seed: 1,
  ffn: { kind: 'moe', experts: 4, dHidden: 16, router: { kind: 'topk' } },
};
const TEXT = encodeBytes('the quick brown fox jumps over the lazy dog. '.repeat(40));

/** The field named by the VerdantError `f` throws (core's `thrown`: anything else it throws, or nothing, fails). */
const fieldOf = (f: () => unknown): string | undefined => thrown(f).field;

describe('language model', () => {
  it('is causal: a later token does not change earlier logits (dense and dropless top-k)', () => {
    for (const options of [TINY, denseBaseline(TINY, 'active')]) {
      const model = new MoeLm(engine, options);
      const a = Int32Array.from(TEXT.slice(0, 16));
      const b = a.slice();
      b[15] = 120;
      const la = model.forward(a, 1).logits.arraySync();
      const lb = model.forward(b, 1).logits.arraySync();
      for (let s = 0; s < 15; s++) for (let v = 0; v < 256; v += 17) expect(lb[s]![v]).toBeCloseTo(la[s]![v]!, 5);
      expect(lb[15]).not.toEqual(la[15]);
      model.dispose();
    }
  });

  it('places MoE FFNs in every block or every other', () => {
    const every = new MoeLm(engine, TINY);
    const other = new MoeLm(engine, { ...TINY, layers: 4, ffn: { ...TINY.ffn, every: 2 } as LmOptions['ffn'] });
    expect(every.moeLayers()).toHaveLength(2);
    expect(other.moeLayers()).toHaveLength(2);
    const { routings } = other.forward(Int32Array.from(TEXT.slice(0, 16)), 1);
    expect(routings.map((r) => r !== null)).toEqual([false, true, false, true]);
    every.dispose();
    other.dispose();
  });

  it('dense baselines: equal active parameters (width k × expert width) and equal total', () => {
    expect(denseBaseline(TINY, 'active').ffn).toEqual({ kind: 'dense', dHidden: 32 });
    expect(denseBaseline(TINY, 'total').ffn).toEqual({ kind: 'dense', dHidden: 64 });
    const moe = new MoeLm(engine, TINY).parameterCount();
    const dense = new MoeLm(engine, denseBaseline(TINY, 'active')).parameterCount();
    // Per MoE layer the MoE model has the router (d·E) and one more output bias (d) per extra active expert.
    expect(moe.active - dense.active).toBe(2 * (16 * 4 + 16));
    expect(moe.total).toBeGreaterThan(moe.active);
  });

  it('rejects bad model options with the field', () => {
    expect(fieldOf(() => new MoeLm(engine, { ...TINY, heads: 3 }))).toBe('model.heads');
    expect(fieldOf(() => new MoeLm(engine, { ...TINY, layers: 0 }))).toBe('model.layers');
    expect(fieldOf(() => new MoeLm(engine, { ...TINY, ffn: { ...TINY.ffn, every: 3 } as never }))).toBe('model.ffn.every');
    expect(fieldOf(() => new MoeLm(engine, { ...TINY, ffn: { kind: 'moe', experts: 4, dHidden: 8, router: { kind: 'topk', k: 9 } } }))).toBe('model.layers[0].moe.router.k');
    const model = new MoeLm(engine, TINY);
    expect(fieldOf(() => model.forward(Int32Array.from([1, 2, 300]), 1))).toBe('tokens');
    model.dispose();
  });
});

describe('optimizer', () => {
  it('warm-up then cosine down to minLrRatio·lr', () => {
    const o = resolveAdamW({ lr: 1, warmupSteps: 10, totalSteps: 110, minLrRatio: 0.1 });
    expect(learningRate(0, o)).toBeCloseTo(0.1, 12);
    expect(learningRate(9, o)).toBeCloseTo(1, 12);
    expect(learningRate(10, o)).toBeCloseTo(1, 12);
    expect(learningRate(60, o)).toBeCloseTo(0.55, 12);
    expect(learningRate(110, o)).toBeCloseTo(0.1, 12);
    expect(learningRate(500, o)).toBeCloseTo(0.1, 12);
  });

  it('rejects bad options with the field', () => {
    expect(fieldOf(() => resolveAdamW({ lr: 0, totalSteps: 10 }))).toBe('optimizer.lr');
    expect(fieldOf(() => resolveAdamW({ lr: 1, totalSteps: 10, warmupSteps: 11 }))).toBe('optimizer.warmupSteps');
    expect(fieldOf(() => resolveAdamW({ lr: 1, totalSteps: 10, beta2: 1 }))).toBe('optimizer.beta2');
  });

  it('one AdamW step from zero moments moves each weight by lr against its gradient sign', () => {
    const tf = engine.tf;
    const p = tf.variable(tf.tensor1d([1, -2, 3]));
    const opt = new AdamW(tf, [p], { lr: 0.1, totalSteps: 1, weightDecay: 0, clipNorm: 0 });
    opt.apply({ [p.name]: tf.tensor1d([0.5, -4, 0]) });
    const v = p.dataSync();
    expect(v[0]).toBeCloseTo(0.9, 5);
    expect(v[1]).toBeCloseTo(-1.9, 5);
    expect(v[2]).toBeCloseTo(3, 5);
  });
});

describe('training', () => {
  function run(seed: number, steps: number, options: LmOptions = TINY) {
    const model = new MoeLm(engine, { ...options, seed });
    const opt = new AdamW(engine.tf, model.variables(), { lr: 1e-2, warmupSteps: 2, totalSteps: steps, weightDecay: 0 });
    const rng = new Rng(seed);
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) losses.push(trainStep(engine, model, opt, sampleBatch(TEXT, 4, 16, rng), rng).loss);
    return { model, opt, losses };
  }

  it('the same seed gives the same losses, another seed others', () => {
    const a = run(3, 3);
    const b = run(3, 3);
    const c = run(4, 3);
    expect(a.losses).toEqual(b.losses);
    expect(c.losses).not.toEqual(a.losses);
    for (const r of [a, b, c]) {
      r.model.dispose();
      r.opt.dispose();
    }
  });

  it('the loss falls on a repetitive text, and memory stays flat across steps', () => {
    const held = sampleBatch(TEXT, 4, 16, new Rng(99));
    const model = new MoeLm(engine, { ...TINY, seed: 5 });
    const before = evalLoss(engine, model, held);
    const opt = new AdamW(engine.tf, model.variables(), { lr: 1e-2, warmupSteps: 2, totalSteps: 40, weightDecay: 0 });
    const rng = new Rng(5);
    let tensorsAfterFirst = 0;
    for (let i = 0; i < 40; i++) {
      trainStep(engine, model, opt, sampleBatch(TEXT, 4, 16, rng), rng);
      if (i === 0) tensorsAfterFirst = engine.tf.memory().numTensors;
    }
    expect(engine.tf.memory().numTensors).toBe(tensorsAfterFirst);
    const after = evalLoss(engine, model, held);
    expect(before).toBeGreaterThan(5);
    expect(after).toBeLessThan(before - 2);
    model.dispose();
    opt.dispose();
  });

  it('the aux-free router moves its biases each step', () => {
    const { model, opt } = run(6, 2, { ...TINY, ffn: { kind: 'moe', experts: 4, dHidden: 16, router: { kind: 'aux-free', biasUpdateRate: 0.01 } } });
    for (const l of model.moeLayers()) expect(Array.from(l.bias).some((b) => b !== 0)).toBe(true);
    model.dispose();
    opt.dispose();
  });
});
