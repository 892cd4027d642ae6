// The MoE channel reaches scheduled jobs too: a job queued as `verdant submit` queues it and run by the scheduler
// with the tracked runner (as `verdant serve` runs it) gets VERDANT_MOE_FILE, and what it writes there is stored
// as the MoE training of its run while it runs and at its end. The channels are registered as the CLI's
// composition root registers them (cli/src/options/channels.ts); the job writes channel lines itself, in the
// format of integrations/python/verdant_moe.py (moe-pytorch.test.ts runs that script under `verdant run`).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, constantLookup, nowS } from '@verdant/core';
import { MoeStore } from '@verdant/moe';
import { JobQueue, JobScheduler, TrackedRunner, submitJob, type IntensitySource } from '@verdant/schedule';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerRunChannels } from '../src/options/channels.js';
import { sandbox } from './helpers.js';

async function waitFor<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The job: three steps (two layers of four experts each), then (once the test has seen them stored) the fourth, and
// exit. Lines as verdant_moe.py writes them.
const JOB = `
const fs = require('fs');
const line = (step) => JSON.stringify({
  step, total: 4, run: process.env.VERDANT_RUN_ID,
  moe: { step, loss: 3 - step / 2, tokens: 32, topK: 2, layers: [0, 1].map((layer) => ({
    layer, name: 'layers.' + layer + '.gate', loadBefore: [20, 16, 12, 16], cv: 0.18, maxVio: 0.25, tokenEntropy: 1.2, marginalEntropy: 1.37, auxLoss: 1.01, zLoss: 0.4,
  })) },
});
for (let s = 1; s <= 3; s++) fs.appendFileSync(process.env.VERDANT_MOE_FILE, line(s) + '\\n');
const go = process.argv[2];
const end = Date.now() + 60000;
const t = setInterval(() => {
  if (!fs.existsSync(go) && Date.now() < end) return;
  clearInterval(t);
  fs.appendFileSync(process.env.VERDANT_MOE_FILE, line(4) + '\\n');
}, 50);
`;

let store: Store | undefined;
let scheduler: JobScheduler | undefined;
beforeAll(registerRunChannels);
afterAll(async () => {
  await scheduler?.stop({ abandon: true });
  await store?.close();
});

describe('MoE metrics of a scheduled job (the tracked runner)', () => {
  it('are stored under the job\'s run while it runs and when it ends', async () => {
    const { home, env } = sandbox([{ id: 'cpu:package-0', kind: 'cpu', powerW: 30 }]);
    const script = join(home, 'train.js');
    const go = join(home, 'go');
    writeFileSync(script, JOB);
    store = await Store.open({ url: `sqlite:${join(home, 'verdant.db')}` });
    const queue = JobQueue.of(store);
    const moe = MoeStore.of(store);
    const grid: IntensitySource = { name: 'clean', series: async () => [], current: async () => 100 };
    scheduler = new JobScheduler({ store, tickS: 0.1, leaseS: 5, stopGraceS: 1, intensity: grid, runner: new TrackedRunner({ store, lookupFor: () => constantLookup(300, 'DE'), intervalS: 0.2, env }) });
    const { job } = await submitJob(store, { name: 'moe-job', argv: [process.execPath, script, go], cwd: home, zone: 'DE', durationS: 60, earliestStart: nowS() });
    await scheduler.tick();
    const runId = await waitFor('the job to start', async () => {
      await scheduler!.tick();
      return (await queue.get(job.id))?.runId ?? undefined;
    });
    // Live: stored with the tracker's writes, before the job ends.
    const live = await waitFor('three steps stored while the job runs', async () => {
      const t = await moe.get(runId);
      return t && t.stepsDone === 3 ? t : undefined;
    });
    expect(live).toMatchObject({ name: 'moe-job', source: 'pytorch', status: 'running', totalSteps: 4 });
    expect(existsSync(go)).toBe(false);
    writeFileSync(go, '');
    await waitFor('the job to succeed', async () => {
      await scheduler!.tick();
      return (await queue.get(job.id))?.state === 'succeeded';
    });
    const done = (await moe.get(runId))!;
    expect(done).toMatchObject({ status: 'succeeded', stepsDone: 4, tokens: 128, finalLoss: 1 });
    expect(done.runs.map((r) => r.runId)).toEqual([runId]);
    expect((await store.getRun(runId))?.status).toBe('succeeded');
  }, 120_000);
});
