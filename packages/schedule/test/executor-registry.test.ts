import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nowS, Store } from '@verdant/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertJobRunnable,
  cancelJob,
  createServeScheduler,
  defineExecutor,
  executorDescriptor,
  executorNames,
  JobQueue,
  parseJobRequest,
  registerExecutor,
  submitJob,
  type Executor,
  type IntensitySource,
  type JobHandle,
  type JobPlanSummary,
  type JobRequest,
  type JobStatus,
} from '../src/index.js';
import { toStatus } from '../src/executor/local-executor.js';

/** A batch system's stand-in: jobs it was given, which it finished, which it was told to cancel. */
class FakeBatch {
  private next = 100;
  readonly jobs = new Map<string, 'pending' | 'done' | 'cancelled'>();
  readonly intensitiesSeen: number[] = [];
  submit(): string {
    const id = String(this.next++);
    this.jobs.set(id, 'pending');
    return id;
  }
}

/**
 * An executor written the way a Kubernetes one would be: one class and one descriptor, registered from here.
 * Its tick reads the batch system, brings the queue's rows up to date, and asks the intensity source.
 */
class BatchTestExecutor implements Executor {
  readonly name = 'batchtest';
  private readonly queue: JobQueue;
  constructor(
    store: Store,
    private readonly batch: FakeBatch,
  ) {
    this.queue = JobQueue.of(store);
  }
  async submit(job: JobRequest, plan: JobPlanSummary): Promise<JobHandle> {
    const rec = await this.queue.add({ ...job, executor: this.name }, plan);
    const externalId = this.batch.submit();
    await this.queue.update(rec.id, {}, { external_id: externalId, message: `batch job ${externalId}` });
    return { id: rec.id, executor: this.name, externalId, plannedStart: plan.plannedStart };
  }
  async pause(): Promise<void> {}
  async resume(): Promise<void> {}
  async cancel(id: string, field = 'job'): Promise<void> {
    const job = await this.queue.require(id, field);
    this.batch.jobs.set(job.externalId!, 'cancelled');
    await this.queue.update(job.id, {}, { state: 'cancelled', ended_at: nowS(), message: 'cancelled in the batch system' });
  }
  async status(id: string): Promise<JobStatus> {
    return toStatus(await this.queue.require(id));
  }
  async tick(source: IntensitySource | undefined, now: number): Promise<void> {
    for (const job of await this.queue.list({ executor: this.name, states: ['queued', 'scheduled'], limit: 100 })) {
      if (source) this.batch.intensitiesSeen.push(await source.current(job.spec.zone, now));
      if (this.batch.jobs.get(job.externalId!) === 'done') {
        await this.queue.update(job.id, {}, { state: 'succeeded', started_at: now, ended_at: now, exit_code: 0, message: 'finished in the batch system' });
      }
    }
  }
}

const batch = new FakeBatch();
const batchTest = defineExecutor({
  name: 'batchtest',
  runsHere: false,
  create: ({ store }) => new BatchTestExecutor(store, batch),
  available: (env) => env.BATCHTEST_CLIENT === '1',
  describe: (job) => `batch job ${job.externalId}`,
});

let store: Store;
let dir: string;
let unregister: (() => void) | undefined;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verdant-registry-'));
  store = await Store.open({ url: `sqlite:${join(dir, 'v.db')}` });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  unregister?.();
  unregister = undefined;
});

// A command that exists nowhere: a batch system's node resolves it, not this host.
const request = (name: string) => ({ name, argv: ['verdant-batch-only-tool', '--epochs', '3'], cwd: dir, zone: 'DE', durationS: 60, earliestStart: nowS(), executor: 'batchtest' });

describe('registering an executor from one descriptor', () => {
  it('is refused by job requests until it is registered, and the message lists the registered names', () => {
    expect(executorNames()).toEqual(['local', 'slurm']);
    expect(() => parseJobRequest(request('x'), 'body')).toThrow(expect.objectContaining({ field: 'body.executor', exitCode: 2, message: expect.stringMatching(/"local"\|"slurm"/) }));
  });

  it('is submitted to, followed by the serve scheduler (its tick), and cancelled through', async () => {
    unregister = registerExecutor(batchTest);
    expect(executorNames()).toEqual(['local', 'slurm', 'batchtest']);
    const spec = parseJobRequest(request('train'));
    expect(() => assertJobRunnable(spec)).not.toThrow(); // not resolved here: it does not run here
    const { job } = await submitJob(store, spec, { now: nowS() });
    expect(job).toMatchObject({ executor: 'batchtest', externalId: '100', state: expect.stringMatching(/^(queued|scheduled)$/) });
    expect(executorDescriptor(job.executor).describe(job)).toBe('batch job 100');

    // Not available on this host: the serve scheduler leaves its jobs alone.
    const idle = createServeScheduler({ store, env: { PATH: process.env.PATH ?? '', VERDANT_OFFLINE: '1' }, track: false });
    batch.jobs.set('100', 'done');
    await idle.tick();
    await idle.stop();
    expect((await JobQueue.of(store).get(job.id))!.state).toBe(job.state);
    expect(batch.intensitiesSeen).toEqual([]);

    // Available: each pass calls its tick with the scheduler's intensity source; the local scheduler never starts its jobs.
    const serving = createServeScheduler({ store, env: { PATH: process.env.PATH ?? '', VERDANT_OFFLINE: '1', BATCHTEST_CLIENT: '1' }, track: false });
    await serving.tick();
    await serving.stop();
    expect(await JobQueue.of(store).get(job.id)).toMatchObject({ state: 'succeeded', exitCode: 0, pid: null, message: 'finished in the batch system' });
    expect(batch.intensitiesSeen).toHaveLength(1);
    expect(batch.intensitiesSeen[0]).toBeGreaterThan(0); // Germany's static average, offline

    const { job: second } = await submitJob(store, request('second'));
    const cancelled = await cancelJob(store, second.id, 'id');
    expect(cancelled).toMatchObject({ state: 'cancelled', message: 'cancelled in the batch system' });
    expect(batch.jobs.get(second.externalId!)).toBe('cancelled');
  });

  it('is followed when named, refuses a second registration of its name, and is gone once unregistered', async () => {
    unregister = registerExecutor(batchTest);
    expect(() => registerExecutor(batchTest)).toThrow(expect.objectContaining({ field: 'executor', exitCode: 2 }));
    expect(() => createServeScheduler({ store, follow: ['kubernetes'], env: {} })).toThrow(expect.objectContaining({ field: 'follow', fix: expect.stringContaining('batchtest') }));
    unregister();
    unregister = undefined;
    expect(executorNames()).toEqual(['local', 'slurm']);
    expect(() => parseJobRequest(request('y'))).toThrow(expect.objectContaining({ field: 'executor' }));
  });
});
