// `verdant moe train` as an interruptible job of the scheduler (what `verdant submit --interruptible
// --checkpoint-signal SIGUSR1 -- verdant moe train ...` queues and `verdant serve` runs with the tracked runner):
// the grid turns dirty, the job checkpoints and exits, it is restarted when the grid is clean and ends with the
// losses of an uninterrupted training, bit for bit. Each attempt is a measured run of the same training.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Store, constantLookup, nowS } from '@verdant/core';
import { MoeStore } from '@verdant/moe';
import { JobQueue, JobScheduler, TrackedRunner, submitJob, type IntensitySource } from '@verdant/schedule';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@verdant/core/testing';
import { BIN, assertBuilt, runCli, sandbox } from './helpers.js';

beforeAll(assertBuilt);

const TINY = {
  corpus: 'synthetic', tokenizer: 'char',
  model: { layers: 2, dModel: 16, heads: 2, seqLen: 16, experts: 4, dHidden: 16 },
  router: { kind: 'noisy-topk' }, batch: 2, steps: 100, evalInterval: 20, evalBatches: 1, seed: 11,
};

let store: Store | undefined;
let scheduler: JobScheduler | undefined;
afterAll(async () => {
  await scheduler?.stop({ abandon: true });
  await store?.close();
});

describe('verdant moe train under the scheduler', () => {
  it('pauses on its checkpoint signal in dirty hours and resumes to the same losses', async () => {
    const { home, env } = sandbox([{ id: 'cpu:package-0', kind: 'cpu', powerW: 40 }]);
    const cfg = join(home, 'tiny.json');
    writeFileSync(cfg, JSON.stringify(TINY));
    // The uninterrupted reference.
    const ref = JSON.parse((await runCli(['moe', 'train', '--config', cfg, '--name', 'reference', '--json'], env)).stdout);
    expect(ref.status).toBe('succeeded');

    store = await Store.open({ url: `sqlite:${join(home, 'verdant.db')}` });
    const queue = JobQueue.of(store);
    const moe = MoeStore.of(store);
    const grid: IntensitySource & { value: number } = { value: 100, name: 'dial', series: async () => [], current: async () => grid.value };
    scheduler = new JobScheduler({
      store, tickS: 0.1, leaseS: 5, stopGraceS: 1, intensity: grid,
      runner: new TrackedRunner({ store, lookupFor: () => constantLookup(300, 'DE'), intervalS: 0.2, env }),
    });
    const { job } = await submitJob(store, {
      name: 'moe', argv: [process.execPath, BIN, 'moe', 'train', '--config', cfg, '--name', 'interrupted', '--checkpoint-dir', join(home, 'ck')],
      cwd: home, zone: 'DE', durationS: 60, earliestStart: nowS(), interruptible: true, checkpointSignal: 'SIGUSR1', pauseAboveG: 300, resumeBelowG: 200,
    });
    await scheduler.tick();
    await waitFor('the training to pass step 3', async () => (await moe.list()).find((t) => t.name === 'interrupted' && t.stepsDone >= 3), 120_000);
    grid.value = 500;
    await scheduler.tick();
    const paused = await waitFor('the job to pause', async () => {
      await scheduler!.tick();
      const j = await queue.get(job.id);
      return j?.state === 'paused' ? j : undefined;
    }, 120_000);
    expect(paused.message).toMatch(/checkpointed/);
    const mid = (await moe.list()).find((t) => t.name === 'interrupted')!;
    expect(mid.status).toBe('checkpointed');
    expect(mid.stepsDone).toBeLessThan(100);
    grid.value = 100;
    await waitFor('the job to succeed', async () => {
      await scheduler!.tick();
      return (await queue.get(job.id))?.state === 'succeeded';
    }, 120_000);
    const t = (await moe.get(mid.id))!;
    expect(t).toMatchObject({ status: 'succeeded', stepsDone: 100, finalLoss: ref.final_loss, evalLoss: ref.eval_loss });
    expect(t.runs).toHaveLength(2);
    const losses = async (id: string) => (await moe.steps(id)).map((s) => s.loss);
    expect(await losses(mid.id)).toEqual(await losses(ref.training_id));
    for (const r of t.runs) expect((await store.getRun(r.runId))!.energy_j).toBeGreaterThan(0);
  }, 300_000);
});
