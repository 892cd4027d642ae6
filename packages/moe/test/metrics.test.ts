import { describe, expect, it } from 'vitest';
import type { RoutingRecord } from '../src/layer.js';
import {
  coefficientOfVariation, deadExperts, expertsPerTokenCounts, layerMetrics, loadShare, marginalEntropy, maxViolation, top1,
  top1ChangeFraction, tokenEntropy,
} from '../src/metrics.js';

describe('router metrics', () => {
  it('share, CV and MaxVio of a load', () => {
    expect(loadShare([4, 2, 1, 1])).toEqual([0.5, 0.25, 0.125, 0.125]);
    expect(coefficientOfVariation([2, 2, 2, 2])).toBe(0);
    expect(maxViolation([2, 2, 2, 2])).toBe(0);
    // mean 2, population variance (4+0+1+1)/4 = 1.5
    expect(coefficientOfVariation([4, 2, 1, 1])).toBeCloseTo(Math.sqrt(1.5) / 2, 12);
    expect(maxViolation([4, 2, 1, 1])).toBe(1);
    expect(coefficientOfVariation([0, 0])).toBe(0);
    expect(loadShare([0, 0])).toEqual([0, 0]);
  });

  it('token and marginal entropy, nats', () => {
    const probs = [0.5, 0.5, 1, 0];
    expect(tokenEntropy(probs, 2, 2)).toBeCloseTo(Math.log(2) / 2, 12);
    expect(marginalEntropy(probs, 2, 2)).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 12);
  });

  it('routing stability: share of probe tokens whose top-1 changed', () => {
    expect(Array.from(top1([0.1, 0.9, 0.7, 0.3], 2, 2))).toEqual([1, 0]);
    expect(top1ChangeFraction([0, 1, 2, 3], [0, 2, 2, 1])).toBe(0.5);
    expect(() => top1ChangeFraction([0], [0, 1])).toThrow(RangeError);
  });

  it('dead and near-dead experts over a window', () => {
    const window = [[3, 0, 1, 0], [2, 0, 2, 1]];
    // mean shares: [0.575, 0, 0.325, 0.1]
    expect(deadExperts(window)).toEqual({ dead: [1], nearDead: [1] });
    expect(deadExperts(window, 0.5)).toEqual({ dead: [1], nearDead: [1, 3] });
    expect(deadExperts([])).toEqual({ dead: [], nearDead: [] });
  });

  it('layer metrics of a token-choice record: drops and unrouted tokens', () => {
    const r: RoutingRecord = {
      router: 'gshard', tokens: 3, experts: 3, k: 2, capacity: 1,
      logits: new Float32Array(9), probs: Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
      selected: Int32Array.from([0, 1, 0, 2, 1, 0]), kept: Uint8Array.from([1, 1, 1, 0, 0, 0]),
      gates: new Float32Array(6), loadBefore: [3, 2, 1], loadAfter: [2, 1, 0],
      auxLoss: 1.25, zLoss: 0.5, seqAuxLoss: Number.NaN, bias: null,
    };
    const m = layerMetrics(r);
    expect(m.droppedFraction).toBe(0.5);
    expect(m.unroutedFraction).toBeCloseTo(1 / 3, 12);
    expect(m.share).toEqual([0.5, 1 / 3, 1 / 6]);
    expect(m.maxVio).toBe(0.5);
    expect(m.tokenEntropy).toBe(0);
    expect(m.marginalEntropy).toBeCloseTo(Math.log(3), 12);
    expect(m.expertsPerToken).toBeNull();
    expect(m.auxLoss).toBe(1.25);
  });

  it('layer metrics of an expert-choice record: experts per token', () => {
    expect(expertsPerTokenCounts([0, 1, 0, 2], 4)).toEqual([2, 1, 1, 0]);
    const r: RoutingRecord = {
      router: 'expert-choice', tokens: 4, experts: 2, k: null, capacity: 2,
      logits: new Float32Array(8), probs: new Float32Array(8).fill(0.5),
      selected: Int32Array.from([0, 1, 0, 2]), kept: Uint8Array.from([1, 1, 1, 1]),
      gates: new Float32Array(4), loadBefore: [2, 2], loadAfter: [2, 2],
      auxLoss: Number.NaN, zLoss: 0, seqAuxLoss: Number.NaN, bias: null,
    };
    const m = layerMetrics(r);
    expect(m.expertsPerToken).toBe(1);
    expect(m.unroutedFraction).toBe(0.25);
    expect(m.droppedFraction).toBe(0);
    expect(m.cv).toBe(0);
  });
});
