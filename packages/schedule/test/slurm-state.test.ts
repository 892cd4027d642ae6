import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, nowS, type Store } from '@verdant/core';
import { rejection, serviceUrl } from '@verdant/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelJob, SlurmExecutor, submitJob, type JobQueue, type JobRecord } from '../src/index.js';
import { openQueueStore } from './helpers.js';

const slurm = serviceUrl('slurm');

describe.skipIf(!slurm)('Slurm: state read before acting, times whatever SLURM_TIME_FORMAT says (real one-node cluster)', () => {
  let store: Store;
  let dir: string;
  let exec: SlurmExecutor;
  let queue: JobQueue;
  const submitted: string[] = [];

  beforeAll(async () => {
    ({ store, dir, queue } = await openQueueStore('verdant-slurm-state-'));
    exec = new SlurmExecutor(store);
  });
  afterAll(async () => {
    for (const id of submitted) await exec.client.cancel(id).catch(() => undefined);
    await store?.close();
  });

  async function submit(name: string, argv: string[], startInS: number): Promise<JobRecord> {
    const { job } = await submitJob(store, { name, argv, cwd: dir, zone: 'DE', durationS: 10, earliestStart: nowS() + startInS, executor: 'slurm' });
    expect(job.externalId).toMatch(/^\d+$/);
    submitted.push(job.externalId!);
    return job;
  }

  it('cancelling a job that already finished says "already succeeded" and keeps that state', async () => {
    const job = await submit('trained', ['sh', '-c', 'echo trained True'], 0);
    // Wait on Slurm itself, never refreshing the queue's row: as when a user cancels a job nobody looked at since.
    const end = Date.now() + 60_000;
    while ((await exec.client.info(job.externalId!))?.slurmState !== 'COMPLETED') {
      if (Date.now() > end) throw new Error('the job did not complete in Slurm');
      await new Promise((r) => setTimeout(r, 300));
    }
    expect((await queue.get(job.id))!.state).toBe('scheduled');

    const e = await rejection(cancelJob(store, job.id.slice(0, -3), '<job>'));
    expect(e.message).toMatch(new RegExp(`job ${job.id} already succeeded \\(Slurm ${job.externalId}: COMPLETED, exit 0\\); nothing to cancel`));
    expect(e.field).toBe('<job>');
    expect(e.exitCode).toBe(ExitCode.usage);

    const after = (await queue.get(job.id))!;
    expect(after).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(after.message).not.toMatch(/cancel/);
    expect(after.endedAt).not.toBeNull();
    expect((await queue.events(job.id)).map((x) => x.state)).not.toContain('cancelled');
    expect(readFileSync(join(dir, `verdant-${job.id}.out`), 'utf8')).toBe('trained True\n');

    // Asked again, the recorded state answers.
    expect((await rejection(cancelJob(store, job.id, '<job>'))).message).toMatch(/already succeeded/);
    expect((await queue.get(job.id))!.state).toBe('succeeded');
  }, 70_000);

  it.each(['relative', '%s'])('reads Slurm times with SLURM_TIME_FORMAT=%s in the environment', async (format) => {
    const saved = process.env.SLURM_TIME_FORMAT;
    process.env.SLURM_TIME_FORMAT = format;
    try {
      const job = await submit(`tf-${format}`, ['sh', '-c', 'echo never'], 600);
      const viaSqueue = await exec.client.fromSqueue(job.externalId!);
      const viaScontrol = await exec.client.fromScontrol(job.externalId!);
      for (const info of [viaSqueue, viaScontrol]) {
        expect(info?.startTime).not.toBeNull();
        expect(Math.abs(info!.startTime! - job.plannedStart)).toBeLessThanOrEqual(2);
      }
      await exec.cancel(job.id);
      expect((await queue.get(job.id))!.state).toBe('cancelled');
    } finally {
      if (saved === undefined) delete process.env.SLURM_TIME_FORMAT;
      else process.env.SLURM_TIME_FORMAT = saved;
    }
  });
});
