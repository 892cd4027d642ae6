// The lab's training loop at a tiny size: config checks, same seed same losses, checkpoint-and-resume to the same
// bits, and the router metrics it stores (SQLite and PostgreSQL) against the metric functions.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '@verdant/core';
import { rejection, testRunRow, testStores, thrown } from '@verdant/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, type Engine } from '../src/engine.js';
import { coefficientOfVariation, deadExperts, loadShare, maxViolation } from '../src/metrics.js';
import { parseTrainConfig, type TrainConfigInput } from '../src/lab/config.js';
import { mobyDick, syntheticText, tokenize } from '../src/lab/corpus.js';
import { listTrainings, trainingReport } from '../src/lab/report.js';
import { trainingSummary } from '../src/lab/run.js';
import { MoeStore } from '../src/lab/store.js';
import { trainLab } from '../src/lab/trainer.js';

let engine: Engine;
beforeAll(async () => {
  engine = await initEngine();
});

const TINY: TrainConfigInput = {
  corpus: 'synthetic', tokenizer: 'char', size: 'tiny',
  model: { layers: 2, dModel: 16, heads: 2, seqLen: 16, experts: 4, dHidden: 16 },
  batch: 2, steps: 6, evalInterval: 3, evalBatches: 1, deadWindow: 3, seed: 3,
};
const tmp = () => mkdtempSync(join(tmpdir(), 'verdant-moe-lab-'));
const cfg = (over: TrainConfigInput = {}) => parseTrainConfig({ ...TINY, ...over }, '/');

/** The field named by the VerdantError `f` throws (core's `thrown`: anything else it throws, or nothing, fails). */
const fieldOf = (f: () => unknown): string | undefined => thrown(f).field;

describe('training config', () => {
  it('fills defaults and names the field at fault', () => {
    const c = parseTrainConfig({}, '/w');
    expect(c).toMatchObject({ tokenizer: 'byte', router: { kind: 'switch' }, data: { corpus: 'moby-dick' }, checkpointDir: null });
    expect(parseTrainConfig({ dataFile: 'a.txt', checkpointDir: 'ck' }, '/w')).toMatchObject({ data: { file: '/w/a.txt' }, checkpointDir: '/w/ck' });
    expect(fieldOf(() => parseTrainConfig({ router: { kind: 'nope' } }, '/'))).toBe('router.kind');
    expect(fieldOf(() => parseTrainConfig({ router: { kind: 'switch', k: 2 } }, '/'))).toBe('router.k');
    expect(fieldOf(() => parseTrainConfig({ model: { heads: 3 } }, '/'))).toBe('model.heads');
    expect(fieldOf(() => parseTrainConfig({ steps: 0 }, '/'))).toBe('steps');
    expect(fieldOf(() => parseTrainConfig({ stepz: 3 } as never, '/'))).toBe('stepz');
    expect(fieldOf(() => parseTrainConfig({ corpus: 'moby-dick', dataFile: 'x' }, '/'))).toBe('dataFile');
    expect(fieldOf(() => parseTrainConfig({ checkpointInterval: 5 }, '/'))).toBe('checkpointInterval');
    expect(fieldOf(() => parseTrainConfig({ optimizer: { warmupSteps: 500 }, steps: 10 }, '/'))).toBe('optimizer.warmupSteps');
  });

  it('bundles Moby Dick', () => {
    const text = mobyDick();
    expect(text.length).toBeGreaterThan(1_000_000);
    expect(text.startsWith('CHAPTER 1. Loomings.')).toBe(true);
    expect(tokenize(text.slice(0, 5000), 'char').vocab).toBeLessThan(100);
  });

  it('has a deterministic synthetic task and both tokenizers', () => {
    expect(syntheticText(64)).toBe(syntheticText(64));
    const t = tokenize(syntheticText(), 'char');
    expect(t.vocab).toBeLessThanOrEqual(16);
    expect(tokenize('héllo', 'byte').tokens.length).toBe(6);
    expect(tokenize('héllo', 'char')).toMatchObject({ vocab: 4, chars: ['e', 'h', 'l', 'o', 'é'].filter((c) => 'héllo'.includes(c)).sort() });
  });
});

describe('training', () => {
  for (const kind of ['noisy-topk', 'aux-free'] as const) {
    it(`${kind}: same seed, same losses; a checkpointed and resumed run gives the same bits`, async () => {
      const a = await trainLab(cfg({ router: { kind } }), { runId: 'r_a', engine });
      const b = await trainLab(cfg({ router: { kind } }), { runId: 'r_b', engine });
      expect(a.status).toBe('completed');
      expect(a.losses).toHaveLength(6);
      expect(b.losses).toEqual(a.losses);

      const dir = tmp();
      let n = 0;
      const first = await trainLab(cfg({ router: { kind }, checkpointDir: dir }), { runId: 'r_c1', engine, shouldStop: () => ++n === 4 });
      expect(first).toMatchObject({ status: 'checkpointed', stepsDone: 4 });
      const second = await trainLab(cfg({ router: { kind }, checkpointDir: dir }), { runId: 'r_c2', engine });
      expect(second).toMatchObject({ status: 'completed', fromStep: 4, stepsDone: 6, trainingId: 'r_c1' });
      expect([...first.losses, ...second.losses]).toEqual(a.losses); // bit for bit
      expect(second.evalLoss).toBe(a.evalLoss);
      expect(second.layers.map((l) => l.metrics)).toEqual(a.layers.map((l) => l.metrics));
      // Started again after the end (the contract's crashed-scheduler case): it sees it is done.
      const third = await trainLab(cfg({ router: { kind }, checkpointDir: dir }), { runId: 'r_c3', engine });
      expect(third).toMatchObject({ status: 'done-before', losses: [] });
      // Another config does not resume from this checkpoint, and its session's tensors are freed all the same.
      const tensors = engine.tf.memory().numTensors;
      await expect(trainLab(cfg({ router: { kind }, checkpointDir: dir, seed: 9 }), { runId: 'r_c4', engine })).rejects.toMatchObject({ field: 'checkpointDir' });
      expect(engine.tf.memory().numTensors).toBe(tensors);
    });
  }
});

for (const [backend, url] of testStores('verdant-moe-lab-')) {
  describe.skipIf(!url)(`router metrics stored on ${backend}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await Store.open({ url: url! });
    });
    afterAll(async () => {
      await store?.close();
    });

    it('stores every step and every layer, across a checkpointed attempt, with the metric functions\' values', async () => {
      const moe = MoeStore.of(store);
      const dir = tmp();
      const id = `r_moetest_${backend}_${Date.now()}`;
      let n = 0;
      const c = cfg({ router: { kind: 'gshard', capacityFactor: 1 }, checkpointDir: dir });
      await trainLab(c, { runId: id, engine, store: moe, shouldStop: () => ++n === 2 });
      expect((await moe.get(id))!.status).toBe('checkpointed');
      const out = await trainLab(c, { runId: `${id}_2`, engine, store: moe });
      expect(await moe.resolve(`${id}_2`)).toBe(id);
      const t = (await moe.get(id))!;
      expect(t).toMatchObject({ status: 'succeeded', stepsDone: 6, totalSteps: 6, source: 'lab', runs: [{ runId: id, attempt: 1, fromStep: 0 }, { runId: `${id}_2`, attempt: 2, fromStep: 2 }] });
      expect(t.finalLoss).toBe(out.finalLoss);
      const steps = await moe.steps(id);
      expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(steps.map((s) => s.runId)).toEqual([id, id, `${id}_2`, `${id}_2`, `${id}_2`, `${id}_2`]);
      expect(steps.filter((s) => s.evalLoss !== null).map((s) => s.step)).toEqual([3, 6]);
      const rows = await moe.layerSteps(id);
      expect(rows).toHaveLength(12);
      for (const r of rows) {
        expect(r.share).toEqual(loadShare(r.loadBefore));
        expect(r.cv).toBeCloseTo(coefficientOfVariation(r.loadBefore), 12);
        expect(r.maxVio).toBeCloseTo(maxViolation(r.loadBefore), 12);
        expect(r.loadBefore.reduce((a, b) => a + b, 0)).toBe(2 * 16 * 2); // T·k assignments
        expect(r.droppedFraction).toBeCloseTo(1 - r.loadAfter.reduce((a, b) => a + b, 0) / 64, 12);
        expect(r.auxLoss).not.toBeNull();
      }
      // Dead experts over the window of the last 3 steps, recomputed from the stored loads.
      const l0 = rows.filter((r) => r.layer === 0);
      expect(l0[5]!.dead).toEqual(deadExperts(l0.slice(3).map((r) => r.loadBefore)).dead);
      expect(l0[2]!.globalMaxVio).not.toBeNull();
      expect(l0[2]!.top1Change).toBeNull(); // first eval: nothing to compare with
      expect(l0[5]!.top1Change).not.toBeNull();
      expect((await moe.lastLayers(id)).map((r) => r.step)).toEqual([6, 6]);
      expect((await moe.steps(id, { fromStep: 4 })).map((s) => s.step)).toEqual([4, 5, 6]);
      await expect(moe.resolve('r_nothing_like_this')).rejects.toMatchObject({ field: 'run' });
    });

    it('a store that refuses the training frees its session\'s tensors', async () => {
      const tensors = engine.tf.memory().numTensors;
      const refusing = { begin: () => Promise.reject(new Error('store down')) } as unknown as MoeStore;
      await expect(trainLab(cfg(), { runId: `r_refused_${backend}`, engine, store: refusing })).rejects.toThrow('store down');
      expect(engine.tf.memory().numTensors).toBe(tensors);
    });

    it('gives each step the energy measured up to it, and only the steps asked for', async () => {
      const moe = MoeStore.of(store);
      const t0 = 1_000_000;
      const runs = [`r_energy_${backend}_${Date.now()}_a`, `r_energy_${backend}_${Date.now()}_b`];
      // Two attempts, each with samples of 10 J every second for 10 s after its start.
      for (const [i, runId] of runs.entries()) {
        const start = t0 + 100 * i;
        await store.createRun(testRunRow({ id: runId, name: 'energy', started_at: start }), [
          { run_id: runId, sensor_id: 'cpu', kind: 'cpu', method: 'fixture', description: 'test', estimate: 0 },
        ]);
        const rows = Array.from({ length: 10 }, (_, k) => ({ run_id: runId, sensor_id: 'cpu', t: start + k + 1, dt: 1, energy_j: 10, power_w: 10, intensity_g_per_kwh: 0, emissions_g: 0 }));
        await store.appendSamples(rows, { id: runId, energy_j: 100, emissions_g: 0, heartbeat_at: start + 10 });
      }
      const id = runs[0]!;
      await moe.begin({ id, name: 'energy', source: 'lab', config: {}, totalSteps: 6, runId: runs[0]!, fromStep: 0, now: t0 });
      const at = [[1, 0, 0.5], [2, 0, 2.25], [3, 0, 2.75], [4, 0, 9.5]] as const;
      for (const [step, run, dt] of at) await moe.recordStep(id, { step, runId: runs[run]!, t: t0 + dt, trainS: step, tokens: step, loss: 1, ce: 1, lr: 1, evalLoss: null }, []);
      await moe.begin({ id, name: 'energy', source: 'lab', config: {}, totalSteps: 6, runId: runs[1]!, fromStep: 4, now: t0 + 100 });
      for (const [step, dt] of [[5, 100.5], [6, 111]] as const) await moe.recordStep(id, { step, runId: runs[1]!, t: t0 + dt, trainS: step, tokens: step, loss: 1, ce: 1, lr: 1, evalLoss: null }, []);
      const all = await trainingReport(store, id);
      expect(all.steps.map((s) => s.energyJ)).toEqual([5, 22.5, 27.5, 95, 105, 200]);
      const after = await trainingReport(store, id, { afterStep: 3 });
      expect(after.steps.map((s) => [s.step, s.energyJ])).toEqual([[4, 95], [5, 105], [6, 200]]);
      const later = await trainingReport(store, id, { afterStep: 4 }); // the first attempt's samples are not read: its total counts
      expect(later.steps.map((s) => [s.step, s.energyJ])).toEqual([[5, 105], [6, 200]]);
      expect(await rejection(trainingReport(store, id, { afterStep: -1 }))).toMatchObject({ field: 'afterStep', fix: expect.any(String) });
      expect(await rejection(listTrainings(store, { limit: 0 }))).toMatchObject({ field: 'limit', fix: expect.any(String) });
      const list = await listTrainings(store, { limit: 1000 });
      expect(list.find((t) => t.training_id === id)).toMatchObject({ steps: 6, energy_j: 200 });
      expect((await trainingSummary(store, id, undefined, { layers: false })).layers).toEqual([]);
    });
  });
}

describe('a training whose process died', () => {
  it('is reported interrupted once its last run has ended a while ago, and running while the run goes on', async () => {
    const { trainingSummary } = await import('../src/lab/run.js');
    const { newId, nowS } = await import('@verdant/core');
    const { testRunRow } = await import('@verdant/core/testing');
    const store = await Store.open({ url: `sqlite:${join(tmp(), 'v.db')}` });
    try {
      const runId = newId('r');
      await store.createRun({ group_id: null, task: null, ...testRunRow({ id: runId, name: 'moe-killed' }) }, []);
      // The training began and stored a step, then its process was killed: no end of its own.
      await MoeStore.of(store).begin({ id: runId, name: 'moe-killed', source: 'lab', config: { router: { kind: 'switch' } }, totalSteps: 10, runId, fromStep: 0 });
      expect((await trainingSummary(store, runId)).status).toBe('running');
      // The run ended just now (the training's own end may still follow): still running.
      await store.updateRun(runId, { status: 'interrupted', ended_at: nowS() });
      expect((await trainingSummary(store, runId)).status).toBe('running');
      // Ended a minute ago: interrupted, and said why.
      await store.updateRun(runId, { ended_at: nowS() - 60 });
      const s = await trainingSummary(store, runId);
      expect(s.status).toBe('interrupted');
      expect(s.notes.join(' ')).toMatch(/last run ended \(interrupted\)/);
    } finally {
      await store.close();
    }
  });
});
