import { thrown } from '@verdant/core/testing';
import { describe, expect, it } from 'vitest';
import {
  applyCapacity, countPerExpert, expertCapacity, expertChoice, resolveRouter, topKRows, updatedBias, type RouterOptions,
} from '../src/router.js';

/** The field named by the VerdantError `f` throws (core's `thrown`: anything else it throws, or nothing, fails). */
const fieldOf = (f: () => unknown): string | undefined => thrown(f).field;

describe('resolveRouter', () => {
  it('fills in each method\'s defaults', () => {
    expect(resolveRouter({ kind: 'switch' }, 8)).toMatchObject({ k: 1, softmax: 'pre', normalize: false, capacityFactor: 1.25, auxLossCoef: 0.01 });
    expect(resolveRouter({ kind: 'topk' }, 8)).toMatchObject({ k: 2, softmax: 'post', capacityFactor: null });
    expect(resolveRouter({ kind: 'gshard' }, 8)).toMatchObject({ k: 2, softmax: 'pre', normalize: true, dropPolicy: 'position' });
    expect(resolveRouter({ kind: 'expert-choice' }, 8)).toMatchObject({ choice: 'expert', k: null, capacityFactor: 2, auxLossCoef: 0 });
    expect(resolveRouter({ kind: 'aux-free' }, 8)).toMatchObject({ scoring: 'sigmoid', k: 2, auxLossCoef: 0, biasUpdateRate: 0.001, capacityFactor: null });
    expect(resolveRouter({ kind: 'noisy-topk' }, 8)).toMatchObject({ noise: true, softmax: 'post' });
  });

  it('rejects bad options with the field and a fix', () => {
    const cases: [RouterOptions, string][] = [
      [{ kind: 'nope' as never }, 'router.kind'],
      [{ kind: 'topk', k: 9 }, 'router.k'],
      [{ kind: 'topk', k: 1.5 }, 'router.k'],
      [{ kind: 'switch', k: 2 } as RouterOptions, 'router.k'],
      [{ kind: 'switch', capacityFactor: 0 }, 'router.capacityFactor'],
      [{ kind: 'expert-choice', capacityFactor: null }, 'router.capacityFactor'],
      [{ kind: 'switch', dropPolicy: 'random' as never }, 'router.dropPolicy'],
      [{ kind: 'gshard', auxLossCoef: -1 }, 'router.auxLossCoef'],
      [{ kind: 'switch', biasUpdateRate: 0.1 }, 'router.biasUpdateRate'],
      [{ kind: 'topk', normalize: false }, 'router.normalize'],
      [{ kind: 'topk', softmax: 'mid' as never }, 'router.softmax'],
    ];
    for (const [options, field] of cases) expect(fieldOf(() => resolveRouter(options, 8)), JSON.stringify(options)).toBe(field);
    expect(fieldOf(() => resolveRouter({ kind: 'gshard' }, 1))).toBe('experts');
  });

  it('capacity is ceil(cf·T·k/E), ceil(cf·T/E) for expert choice, none when dropless', () => {
    expect(expertCapacity(resolveRouter({ kind: 'switch' }, 4), 10, 4)).toBe(4); // ceil(3.125)
    expect(expertCapacity(resolveRouter({ kind: 'gshard' }, 8), 2048, 8)).toBe(640);
    expect(expertCapacity(resolveRouter({ kind: 'expert-choice' }, 4), 10, 4)).toBe(5);
    expect(expertCapacity(resolveRouter({ kind: 'expert-choice', capacityFactor: 8 }, 4), 10, 4)).toBe(10);
    expect(expertCapacity(resolveRouter({ kind: 'topk' }, 4), 10, 4)).toBeNull();
  });
});

describe('selection', () => {
  it('topKRows orders each row, ties to the lower index', () => {
    expect(Array.from(topKRows([0.1, 0.5, 0.4, 0.3, 0.3, 0.9], 2, 3, 2))).toEqual([1, 2, 2, 0]);
  });

  // T=4, k=2, E=2, capacity 2. Tokens' choices: t0 [0,1], t1 [0,1], t2 [1,0], t3 [0,1].
  const selected = Int32Array.from([0, 1, 0, 1, 1, 0, 0, 1]);

  it('by position: all first choices (in token order) before any second choice', () => {
    const kept = applyCapacity(selected, 4, 2, 2, 2, 'position', new Float32Array(8));
    // firsts: t0→0, t1→0, t2→1 kept, t3→0 dropped (full); seconds: t0→1 kept, then expert 1 is full.
    expect(Array.from(kept)).toEqual([1, 1, 1, 0, 1, 0, 0, 0]);
  });

  it('by probability: the most probable assignments first', () => {
    const priority = [0.9, 0.1, 0.6, 0.4, 0.7, 0.3, 0.8, 0.2];
    const kept = applyCapacity(selected, 4, 2, 2, 2, 'probability', priority);
    expect(Array.from(kept)).toEqual([1, 0, 0, 1, 1, 0, 1, 0]);
  });

  it('dropless keeps everything', () => {
    expect(Array.from(applyCapacity(selected, 4, 2, 2, null, 'position', new Float32Array(8)))).toEqual(new Array(8).fill(1));
  });

  it('expert choice: each expert takes its best tokens', () => {
    // scores [T=3, E=2]
    const scores = [0.9, 0.1, 0.2, 0.8, 0.6, 0.4];
    expect(Array.from(expertChoice(scores, 3, 2, 2))).toEqual([0, 2, 1, 2]);
  });

  it('counts per expert, kept only when asked', () => {
    expect(countPerExpert(selected, 2)).toEqual([4, 4]);
    expect(countPerExpert(selected, 2, [1, 1, 1, 0, 1, 0, 0, 0])).toEqual([2, 2]);
  });

  it('aux-free bias: b_i += γ·sign(mean load − load_i)', () => {
    expect(Array.from(updatedBias([0, 0, 0, 0.5], [4, 2, 1, 1], 0.25))).toEqual([-0.25, 0, 0.25, 0.75]);
  });
});
