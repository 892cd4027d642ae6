import { ExitCode, VerdantError, type Store } from '@verdant/core';
import { JobQueue } from '../queue/job-queue.js';
import { TERMINAL_STATES, type JobPlanSummary, type JobRecord } from '../queue/record.js';
import type { JobRequest } from '../queue/request.js';
import { defineExecutor, type Executor, type JobHandle, type JobStatus } from './types.js';

const NAME = 'local';

export function toStatus(job: JobRecord): JobStatus {
  return {
    id: job.id,
    state: job.state,
    plannedStart: job.plannedStart,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
    exitCode: job.exitCode,
    message: job.message,
    externalId: job.externalId,
    runId: job.runId,
  };
}

/**
 * Local jobs live in the queue; a JobScheduler (started by `verdant serve`) runs them. Pause, resume and
 * cancel are requests the owning scheduler applies at its next tick, so they work from any process.
 */
export class LocalExecutor implements Executor {
  readonly name = NAME;
  readonly queue: JobQueue;

  constructor(store: Store) {
    this.queue = JobQueue.of(store);
  }

  async submit(job: JobRequest, plan: JobPlanSummary): Promise<JobHandle> {
    const rec = await this.queue.add({ ...job, executor: NAME }, plan);
    return { id: rec.id, executor: NAME, plannedStart: rec.plannedStart };
  }

  /** Holds the job: a running one is paused (and stays paused whatever the intensity), a waiting one is not started. */
  async pause(id: string): Promise<void> {
    const job = await this.queue.require(id);
    this.requireNotEnded(job);
    await this.queue.request(job.id, 'hold');
  }

  async resume(id: string): Promise<void> {
    const job = await this.queue.require(id);
    this.requireNotEnded(job);
    await this.queue.request(job.id, 'resume');
  }

  /** A waiting job is cancelled at once; a running one by a request its scheduler applies at its next tick. */
  async cancel(id: string, field = 'job'): Promise<void> {
    const job = await this.queue.require(id, field);
    await this.queue.cancel(job.id);
  }

  async status(id: string): Promise<JobStatus> {
    return toStatus(await this.queue.require(id));
  }

  private requireNotEnded(job: JobRecord): void {
    if (TERMINAL_STATES.includes(job.state)) {
      throw new VerdantError(`job ${job.id} already ended (${job.state})`, { field: 'job', exitCode: ExitCode.usage });
    }
  }
}

/** The default: jobs wait in the queue and the scheduler in `verdant serve` runs them on its own host. */
export const localExecutor = defineExecutor({
  name: NAME,
  runsHere: true,
  create: ({ store }) => new LocalExecutor(store),
  describe: () => 'queued for the local scheduler (`verdant serve` runs it)',
});
