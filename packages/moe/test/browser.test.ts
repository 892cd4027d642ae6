// The browser entry (@verdant/moe/browser): its import graph bundles for a browser with no Node module, no store and
// no @verdant/energy in it; its training session trains deterministically here under Node, to the same losses and
// router metrics as the Node lab's trainLab for the same config and seed.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { thrown } from '@verdant/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import * as browser from '../src/browser.js';
import type { SessionStep, TrainConfigInput } from '../src/browser.js';
import { trainLab } from '../src/lab/trainer.js';

const TINY: TrainConfigInput = {
  corpus: 'synthetic', tokenizer: 'char', size: 'tiny',
  model: { layers: 2, dModel: 16, heads: 2, seqLen: 16, experts: 4, dHidden: 16 },
  batch: 2, steps: 6, evalInterval: 3, evalBatches: 1, deadWindow: 3, seed: 5,
};

let engine: browser.Engine;
beforeAll(async () => {
  engine = await browser.initEngine();
});

function trainAll(input: TrainConfigInput): { steps: SessionStep[]; parameters: { total: number; active: number } } {
  const session = new browser.TrainingSession(engine, browser.parseTrainConfig(input, '/'), browser.syntheticText());
  try {
    const steps: SessionStep[] = [];
    while (!session.done) steps.push(session.next());
    return { steps, parameters: session.parameterCount() };
  } finally {
    session.dispose();
  }
}

describe('@verdant/moe/browser', () => {
  it('bundles for the browser with nothing from Node, the store or @verdant/energy', async () => {
    const entry = fileURLToPath(new URL('../src/browser.ts', import.meta.url));
    const out = await build({
      entryPoints: [entry], bundle: true, write: false, platform: 'browser', format: 'esm', conditions: ['source'], metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.some((p) => p.includes('@tensorflow/tfjs-backend-wasm'))).toBe(true);
    const ours = inputs.filter((p) => p.includes('packages/'));
    // The engine, model and session files, the config and text of the lab (not its store, files or runs), core's errors.
    const allowed = (p: string) => /packages\/moe\/src\/[a-z-]+\.ts$/.test(p) || /packages\/moe\/src\/lab\/(config|text)\.ts$/.test(p) || /packages\/core\/src\/errors\.ts$/.test(p);
    expect(ours.filter((p) => !allowed(p))).toEqual([]);
    expect(inputs.filter((p) => /^node:|(^|\/)(fs|path|os|crypto|module|child_process)$/.test(p))).toEqual([]);
    const text = out.outputFiles[0]!.text;
    expect(text).not.toMatch(/from ["']node:/);
  }, 120_000);

  it('trains a few steps deterministically: same seed, same losses and router metrics', () => {
    const a = trainAll(TINY);
    const b = trainAll(TINY);
    expect(a.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of a.steps) {
      expect(Number.isFinite(s.loss)).toBe(true);
      expect(s.layers.map((l) => l.layer)).toEqual([0, 1]);
      for (const l of s.layers) {
        expect(l.metrics.loadBefore).toHaveLength(4);
        expect(l.metrics.share.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      }
    }
    expect(a.steps.map((s) => s.evalLoss !== null)).toEqual([false, false, true, false, false, true]);
    expect(a.steps.at(-1)!.tokens).toBe(6 * 2 * 16);
    const strip = (steps: SessionStep[]) => steps.map(({ trainS: _t, tokensPerS: _p, ...rest }) => rest);
    expect(strip(b.steps)).toEqual(strip(a.steps));
    const other = trainAll({ ...TINY, seed: 6 });
    expect(other.steps.map((s) => s.loss)).not.toEqual(a.steps.map((s) => s.loss));
  }, 120_000);

  it('gives the losses and router metrics of the Node lab (trainLab) for the same config', async () => {
    for (const router of [{ kind: 'switch' }, { kind: 'aux-free' }, { kind: 'noisy-topk' }, { kind: 'expert-choice' }]) {
      const input = { ...TINY, router };
      const mine = trainAll(input);
      const lab = await trainLab(browser.parseTrainConfig(input, '/'), { runId: `browser-${router.kind}`, engine });
      expect(mine.steps.map((s) => s.loss), router.kind).toEqual(lab.losses);
      expect(mine.steps.at(-1)!.evalLoss).toBe(lab.evalLoss);
      expect(mine.steps.at(-1)!.layers).toEqual(lab.layers);
      expect(mine.parameters).toEqual(lab.parameters);
    }
  }, 120_000);

  it('names the field at fault', () => {
    expect(thrown(() => browser.initEngine({ wasmFiles: { 'tfjs-backend-wasm.wasm': '/a.wasm' } as never })).field).toBe('engine.wasmFiles.tfjs-backend-wasm-simd.wasm');
    const files = Object.fromEntries(browser.WASM_FILES.map((f) => [f, `/${f}`])) as Record<browser.WasmFile, string>;
    expect(thrown(() => browser.initEngine({ wasmFiles: files, wasmPath: '/x/' })).field).toBe('engine.wasmFiles');
    const config = browser.parseTrainConfig(TINY, '/');
    expect(thrown(() => new browser.TrainingSession(engine, config, '')).field).toBe('text');
    expect(thrown(() => new browser.TrainingSession(engine, config, 'abc')).field).toBe('model.seqLen');
    const session = new browser.TrainingSession(engine, browser.parseTrainConfig({ ...TINY, steps: 1 }, '/'), browser.syntheticText());
    try {
      session.next();
      expect(session.done).toBe(true);
      expect(thrown(() => session.next()).field).toBe('steps');
    } finally {
      session.dispose();
    }
  }, 120_000);
});
