// /api/moe on SQLite and PostgreSQL (a scratch database each): real lab trainings (tiny synthetic config, a few
// seconds) measured by a run with samples, listed newest first, shown whole and as what is new after a step, one
// followed while it trains, compared; bad input and unknown ids answered with the field at fault.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Store, newId } from '@verdant/core';
import { scratchStores, testRunRow } from '@verdant/core/testing';
import { MoeStore, initEngine, parseTrainConfig, trainLab, type Engine, type TrainConfigInput } from '@verdant/moe';
import { buildServer } from '../src/index.js';

const TINY: TrainConfigInput = {
  corpus: 'synthetic', tokenizer: 'char', size: 'tiny',
  model: { layers: 2, dModel: 16, heads: 2, seqLen: 16, experts: 4, dHidden: 16 },
  batch: 2, steps: 6, evalInterval: 3, evalBatches: 1, deadWindow: 3, seed: 5,
};
const POWER_W = 10;

/** Trains `over` in this process inside a new run of the store, then gives the run 10 W samples over the training's time. */
async function train(store: Store, engine: Engine, over: TrainConfigInput, onStep?: (step: number) => Promise<void>): Promise<string> {
  const runId = newId('r');
  await store.createRun(testRunRow({ id: runId, name: 'moe api test', started_at: Date.now() / 1000 - 1 }), [
    { run_id: runId, sensor_id: 'cpu', kind: 'cpu', method: 'fixture', description: 'test', estimate: 0 },
  ]);
  await trainLab(parseTrainConfig({ ...TINY, ...over }, '/'), { runId, engine, store: MoeStore.of(store), ...(onStep ? { onStep: (s) => onStep(s.step) } : {}) });
  await addSamples(store, runId);
  return runId;
}

/** Samples of POWER_W every 0.25 s from the run's start to a second after its training's last step. */
async function addSamples(store: Store, runId: string): Promise<void> {
  const run = (await store.getRun(runId))!;
  const steps = await MoeStore.of(store).steps(runId);
  const end = steps[steps.length - 1]!.t + 1;
  const have = await store.samples(runId);
  let t = have.length ? have[have.length - 1]!.t : run.started_at;
  const rows = [];
  for (; t + 0.25 <= end; ) {
    t += 0.25;
    rows.push({ run_id: runId, sensor_id: 'cpu', t, dt: 0.25, energy_j: POWER_W * 0.25, power_w: POWER_W, intensity_g_per_kwh: 300, emissions_g: (POWER_W * 0.25 * 300) / 3.6e6 });
  }
  const energy = (have.length + rows.length) * POWER_W * 0.25;
  await store.appendSamples(rows, { id: runId, energy_j: energy, emissions_g: (energy * 300) / 3.6e6, heartbeat_at: t });
}

let engine: Engine;
beforeAll(async () => {
  engine = await initEngine();
});

for (const backend of scratchStores('verdant-moe-api-')) {
  describe.skipIf(!backend.open)(`/api/moe on ${backend.name}`, () => {
    let store: Store;
    let app: FastifyInstance;
    let drop: () => Promise<void>;
    let auxFree: string;
    let expertChoice: string;

    beforeAll(async () => {
      const db = await backend.open!();
      drop = db.drop;
      store = await Store.open({ url: db.url });
      app = await buildServer({ store });
      auxFree = await train(store, engine, { name: 'aux-free api', router: { kind: 'aux-free' } });
      expertChoice = await train(store, engine, { name: 'expert-choice api', router: { kind: 'expert-choice', capacityFactor: 2 } });
    }, 120_000);
    afterAll(async () => {
      await app?.close();
      await store?.close();
      await drop?.();
    });

    it('lists trainings newest first, with a limit', async () => {
      const all = await app.inject({ url: '/api/moe/trainings' });
      expect(all.statusCode).toBe(200);
      const list = all.json().trainings as Array<Record<string, unknown>>;
      expect(list.map((t) => t.training_id)).toEqual([expertChoice, auxFree]);
      expect(list[1]).toMatchObject({ name: 'aux-free api', router: 'aux-free', status: 'succeeded', steps: 6, total_steps: 6, source: 'lab' });
      expect(list[1]!.energy_j).toBeGreaterThan(0);
      expect(list[1]).not.toHaveProperty('layers');
      expect((list[0]!.notes as string[]).join(' ')).toMatch(/future/);
      const one = await app.inject({ url: '/api/moe/trainings?limit=1' });
      expect(one.json().trainings.map((t: { training_id: string }) => t.training_id)).toEqual([expertChoice]);
    });

    it('shows a training: config, summary, every step with tokens, wall time and joules, every layer row', async () => {
      const res = await app.inject({ url: `/api/moe/trainings/${auxFree}` });
      expect(res.statusCode).toBe(200);
      const r = res.json();
      expect(r.summary).toMatchObject({ training_id: auxFree, router: 'aux-free', steps: 6 });
      expect(r.config).toMatchObject({ model: { layers: 2, experts: 4 }, router: { kind: 'aux-free' } });
      expect(r.steps.map((s: { step: number }) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
      const energy = r.steps.map((s: { energyJ: number }) => s.energyJ);
      for (const [i, e] of energy.entries()) {
        expect(e).toBeGreaterThan(0);
        if (i > 0) expect(e).toBeGreaterThanOrEqual(energy[i - 1]);
      }
      expect(energy[5]).toBeLessThanOrEqual(r.summary.energy_j + 1e-9);
      expect(r.steps[5].tokens).toBe(6 * 2 * 16);
      expect(r.layers).toHaveLength(12);
      for (const l of r.layers) {
        expect(l.loadBefore).toHaveLength(4);
        expect(l.loadAfter).toHaveLength(4);
        expect(l.share.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 9);
        expect(l.bias).toHaveLength(4); // the aux-free router's selection biases
        for (const k of ['cv', 'maxVio', 'tokenEntropy', 'droppedFraction']) expect(typeof l[k]).toBe('number');
      }
      // What is new after step 4: steps 5 and 6, and their layer rows only.
      const after = (await app.inject({ url: `/api/moe/trainings/${auxFree.slice(0, 12)}?after_step=4` })).json();
      expect(after.steps.map((s: { step: number }) => s.step)).toEqual([5, 6]);
      expect(after.layers.map((l: { step: number; layer: number }) => [l.step, l.layer])).toEqual([[5, 0], [5, 1], [6, 0], [6, 1]]);
      expect(after.steps[1].energyJ).toBeCloseTo(r.steps[5].energyJ, 9);
    });

    it('follows a training while it trains', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let reached!: () => void;
      const atStep2 = new Promise<void>((resolve) => (reached = resolve));
      const done = train(store, engine, { name: 'live api', steps: 4, evalInterval: 2 }, async (step) => {
        if (step === 2) {
          reached();
          await gate;
        }
      });
      await atStep2;
      const list = (await app.inject({ url: '/api/moe/trainings?limit=1' })).json().trainings;
      const id = list[0].training_id as string;
      const mid = (await app.inject({ url: `/api/moe/trainings/${id}` })).json();
      expect(mid.summary).toMatchObject({ name: 'live api', status: 'running', steps: 2, total_steps: 4 });
      expect(mid.steps).toHaveLength(2);
      // A page following it live (after_step) watches its run: the run's tracker reads that back with its next write.
      await app.inject({ url: `/api/moe/trainings/${id}?after_step=2` });
      let watchedUntil = 0;
      await store.appendSamples([], { id: mid.summary.run_id, energy_j: 0, emissions_g: 0, heartbeat_at: Date.now() / 1000 }, { onWatched: (u) => (watchedUntil = u) });
      expect(watchedUntil).toBeGreaterThan(Date.now() / 1000);
      release();
      await done;
      const rest = (await app.inject({ url: `/api/moe/trainings/${id}?after_step=2` })).json();
      expect(rest.summary).toMatchObject({ status: 'succeeded', steps: 4 });
      expect(rest.steps.map((s: { step: number }) => s.step)).toEqual([3, 4]);
    }, 60_000);

    it('compares trainings: loss against tokens, wall time and joules, and their summaries', async () => {
      const res = await app.inject({ url: `/api/moe/compare?ids=${auxFree},${expertChoice}` });
      expect(res.statusCode).toBe(200);
      const c = res.json();
      expect(c.trainings.map((t: { summary: { training_id: string } }) => t.summary.training_id)).toEqual([auxFree, expertChoice]);
      for (const t of c.trainings) {
        expect(t.curve).toHaveLength(6);
        for (const p of t.curve) for (const k of ['tokens', 'wallS', 'energyJ', 'loss']) expect(typeof p[k]).toBe('number');
      }
      expect(c.trainings[1].summary.notes.join(' ')).toMatch(/sees every token of a batch, the future included/);
    });

    it('answers 404 for an unknown training and 400 naming the field for bad input', async () => {
      const missing = await app.inject({ url: '/api/moe/trainings/r_nothing_like_this' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ field: 'id' });
      const missingInCompare = await app.inject({ url: `/api/moe/compare?ids=${auxFree},r_nothing_like_this` });
      expect(missingInCompare.statusCode).toBe(404);
      expect(missingInCompare.json()).toMatchObject({ field: 'ids[1]' });
      for (const [url, field] of [
        ['/api/moe/trainings?limit=0', 'limit'],
        ['/api/moe/trainings?limit=5000', 'limit'],
        ['/api/moe/trainings?lmit=3', 'lmit'],
        [`/api/moe/trainings/${auxFree}?after_step=-1`, 'after_step'],
        ['/api/moe/compare', 'ids'],
        ['/api/moe/compare?ids=', 'ids'],
        [`/api/moe/compare?ids=${auxFree},,${expertChoice}`, 'ids'],
        [`/api/moe/compare?ids=${Array(13).fill(auxFree).join(',')}`, 'ids'],
      ] as const) {
        const res = await app.inject({ url });
        expect(res.statusCode, url).toBe(400);
        expect(res.json(), url).toMatchObject({ field });
      }
    });
  });
}
