import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { nowS, type Store } from '@verdant/core';
import { serviceUrl } from '@verdant/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlurmExecutor, submitJob, type JobRecord } from '../src/index.js';
import { openQueueStore } from './helpers.js';

const slurm = serviceUrl('slurm');

describe.skipIf(!slurm)('Slurm executor (real one-node cluster)', () => {
  let store: Store;
  let dir: string;
  let exec: SlurmExecutor;
  const submitted: string[] = [];

  beforeAll(async () => {
    ({ store, dir } = await openQueueStore('verdant-slurm-'));
    exec = new SlurmExecutor(store);
  });
  afterAll(async () => {
    for (const id of submitted) await exec.client.cancel(id).catch(() => undefined);
    await store?.close();
  });

  async function submit(name: string, argv: string[], startInS: number, extra: Record<string, unknown> = {}): Promise<JobRecord> {
    const { job } = await submitJob(store, { name, argv, cwd: dir, zone: 'DE', durationS: 10, earliestStart: nowS() + startInS, executor: 'slurm', ...extra });
    expect(job.externalId).toMatch(/^\d+$/);
    submitted.push(job.externalId!);
    return job;
  }
  const outFile = (job: JobRecord) => join(dir, `verdant-${job.id}.out`);

  async function waitState(id: string, states: string[], timeoutMs = 30_000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const s = await exec.status(id);
      if (states.includes(s.state)) return s;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`timed out waiting for ${id} to be ${states.join('|')} (now ${(await exec.status(id)).message})`);
  }

  let begin: JobRecord;

  it('a job planned 20 s ahead is pending with reason BeginTime until then', async () => {
    begin = await submit('begin', ['sh', '-c', 'echo "ran at $(date +%s) as $VERDANT_JOB_ID"'], 20);
    const info = await exec.client.info(begin.externalId!);
    expect(info).toMatchObject({ slurmState: 'PENDING', reason: 'BeginTime' });
    // Passed relative (now+<s>), so Slurm's begin is the planned start plus however long sbatch took to run
    // (more on a busy machine) and rounding: seconds, where a time-zone error would be hours.
    expect(Math.abs(info!.startTime! - begin.plannedStart)).toBeLessThanOrEqual(10);
    const st = await exec.status(begin.id);
    expect(st.state).toBe('scheduled');
    expect(st.message).toMatch(/PENDING \(BeginTime\)/);
  });

  it('hold and release a pending job, then move its start with scontrol update StartTime', async () => {
    const job = await submit('hold', ['sh', '-c', 'echo moved'], 600);
    await exec.pause(job.id);
    expect(await exec.client.info(job.externalId!)).toMatchObject({ slurmState: 'PENDING', reason: expect.stringMatching(/^JobHeld(User|Admin)$/) }); // Admin when root holds it
    expect((await exec.status(job.id)).state).toBe('scheduled');
    await exec.resume(job.id);
    expect((await exec.client.info(job.externalId!))!.reason).not.toMatch(/JobHeld/);
    const before = (await exec.client.info(job.externalId!))!.startTime!;
    expect(before - nowS()).toBeGreaterThan(500); // still waiting for its begin time
    await exec.reschedule(job.id, nowS());
    const done = await waitState(job.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(readFileSync(outFile(job), 'utf8')).toBe('moved\n');
  });

  it('cancels a pending job (scancel)', async () => {
    const job = await submit('cancel', ['sh', '-c', 'echo never'], 600);
    await exec.cancel(job.id);
    expect((await exec.client.info(job.externalId!))!.slurmState).toBe('CANCELLED');
    expect((await exec.status(job.id)).state).toBe('cancelled');
    expect(existsSync(outFile(job))).toBe(false);
  });

  it('suspends and resumes a running job (scontrol suspend/resume, as root)', async () => {
    const job = await submit('suspend', ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do echo $i; sleep 0.5; done'], 0);
    await waitState(job.id, ['running']);
    await new Promise((r) => setTimeout(r, 800));
    await exec.pause(job.id);
    expect((await exec.client.info(job.externalId!))!.slurmState).toBe('SUSPENDED');
    expect((await exec.status(job.id)).state).toBe('paused');
    const frozen = readFileSync(outFile(job), 'utf8');
    await new Promise((r) => setTimeout(r, 1500));
    expect(readFileSync(outFile(job), 'utf8')).toBe(frozen);
    await exec.resume(job.id);
    expect((await exec.status(job.id)).state).toBe('running');
    expect(await waitState(job.id, ['succeeded', 'failed'])).toMatchObject({ state: 'succeeded' });
    expect(readFileSync(outFile(job), 'utf8')).toBe('1\n2\n3\n4\n5\n6\n7\n8\n');
  });

  it('passes argv through untouched and reports a failing exit code', async () => {
    const job = await submit('argv', ['sh', '-c', 'printf "%s|" "$@"; exit 3', 'x', 'a b', "c'd", '$HOME', '`id`'], 0);
    expect(await waitState(job.id, ['succeeded', 'failed'])).toMatchObject({ state: 'failed', exitCode: 3 });
    expect(readFileSync(outFile(job), 'utf8')).toBe("a b|c'd|$HOME|`id`|");
  });

  it('applies the carbon policy to a running Slurm job (suspend above, resume below)', async () => {
    const grid = { value: 100, name: 'dial', series: async () => [], current: async () => grid.value };
    const job = await submit('policy', ['sh', '-c', 'for i in 1 2 3 4 5 6; do echo $i; sleep 0.5; done'], 0, {
      interruptible: true,
      pauseAboveG: 300,
      resumeBelowG: 200,
    });
    await waitState(job.id, ['running']);
    await exec.tick(grid);
    expect((await exec.status(job.id)).state).toBe('running');
    grid.value = 450;
    await exec.tick(grid);
    expect((await exec.client.info(job.externalId!))!.slurmState).toBe('SUSPENDED');
    expect((await exec.status(job.id)).message).toMatch(/SUSPENDED|suspended/);
    grid.value = 150;
    await exec.tick(grid);
    expect((await exec.client.info(job.externalId!))!.slurmState).toBe('RUNNING');
    expect(await waitState(job.id, ['succeeded', 'failed'])).toMatchObject({ state: 'succeeded' });
  });

  it('a job with --accel h100:1 gets one of the node\'s GPUs through GRES, and a request beyond them is refused', async () => {
    // CI's node has two stand-in h100 GPUs as GRES (.ci/services.sh); Slurm sets CUDA_VISIBLE_DEVICES for the job.
    const job = await submit('gres', ['sh', '-c', 'echo "gpus=$CUDA_VISIBLE_DEVICES"'], 0, { accel: { type: 'h100', count: 1 } });
    const done = await waitState(job.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(readFileSync(outFile(job), 'utf8')).toMatch(/^gpus=[01]\n$/);
    const refused = await submitJob(store, { name: 'too-many', argv: ['true'], cwd: dir, zone: 'DE', durationS: 10, earliestStart: nowS(), executor: 'slurm', accel: { type: 'h100', count: 3 } }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(refused?.message).toMatch(/node configuration is not available/);
  });

  it('the BeginTime job runs once its time has come, and completes', async () => {
    const done = await waitState(begin.id, ['succeeded', 'failed'], 60_000);
    expect(done.state).toBe('succeeded');
    const out = readFileSync(outFile(begin), 'utf8');
    const m = /^ran at (\d+) as (\S+)$/m.exec(out);
    expect(m?.[2]).toBe(begin.id);
    expect(Number(m![1])).toBeGreaterThanOrEqual(Math.floor(begin.plannedStart) - 1);
  }, 60_000);
});
