// The MoE training page's live merge (pages/moe/data.ts), without a browser: the `after_step` cursor and the rows a
// later answer replaces, for a long catch-up answer and for an attempt resumed from an earlier checkpoint.
import { describe, expect, it } from 'vitest';
import { liveCursor, mergeReport, type LayerStep, type MoeReport, type MoeStep } from '../src/pages/moe/data';

const step = (n: number, runId = 'r_a'): MoeStep => ({ step: n, runId, t: n, trainS: n, tokens: n, loss: 1, ce: 1, lr: 1, evalLoss: null, wallS: n, energyJ: null });
const layer = (n: number, l = 0): LayerStep => ({
  step: n, layer: l, loadBefore: [1, 1], loadAfter: [1, 1], share: [0.5, 0.5], cv: 0, maxVio: 0, globalMaxVio: null, tokenEntropy: 0,
  marginalEntropy: 0, droppedFraction: 0, unroutedFraction: 0, auxLoss: null, zLoss: null, seqAuxLoss: null, bias: null,
  expertsPerToken: null, dead: [], nearDead: [], top1Change: null,
});
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function report(steps: number[], summarySteps: number, runId = 'r_a'): MoeReport {
  return {
    summary: {
      training_id: 't', run_id: runId, run_ids: [runId], name: 'n', router: 'gshard', status: 'running', steps: summarySteps, total_steps: null,
      tokens: 0, final_loss: null, eval_loss: null, train_s: 0, tokens_per_s: null, energy_j: 0, emissions_g: 0, j_per_token: null,
      parameters: null, notes: [], layers: [],
    },
    config: {},
    steps: steps.map((n) => step(n, runId)),
    layers: steps.map((n) => layer(n)),
  };
}

describe('the live merge of a MoE training page', () => {
  it('takes a catch-up answer of 200,000 steps (no argument spread) and moves its cursor to the end', () => {
    const have = report([1, 2], 2);
    const after = liveCursor(have);
    expect(after).toBe(2);
    const more = report(range(3, 200_002), 200_002);
    const merged = mergeReport(have, more, after);
    expect(merged.steps).toHaveLength(200_002);
    expect(merged.layers).toHaveLength(200_002);
    expect(liveCursor(merged)).toBe(200_002);
  });

  it('asks from the step count where a resumed attempt went back, and replaces the rows it rewrote', () => {
    // The page holds 1..10 of the first attempt; a second one resumed from step 6 has rewritten 7 and 8.
    const have = report(range(1, 10), 8);
    const after = liveCursor(have);
    expect(after).toBe(8);
    const more = report([9, 10], 10, 'r_b');
    const merged = mergeReport(have, more, after);
    expect(merged.steps.map((s) => [s.step, s.runId])).toEqual([...range(1, 8).map((n) => [n, 'r_a']), [9, 'r_b'], [10, 'r_b']]);
    expect(merged.layers.map((l) => l.step)).toEqual(range(1, 10));
    // An answer with no rows drops the held ones after the cursor (the store has none there).
    expect(mergeReport(have, report([], 8), after).steps.map((s) => s.step)).toEqual(range(1, 8));
    expect(liveCursor(report([], 0))).toBe(0);
  });
});
