import type { Store } from '@verdant/core';
import { JobQueue } from '../queue/job-queue.js';
import type { JobRecord } from '../queue/record.js';
import { SlurmExecutor } from './slurm/slurm-executor.js';

/** Cancels a job through its executor (queue request for local jobs, scancel for Slurm); returns it as it now stands. */
export async function cancelJob(store: Store, idOrPrefix: string, field = 'job'): Promise<JobRecord> {
  const queue = JobQueue.of(store);
  const job = await queue.require(idOrPrefix, field);
  if (job.executor === 'slurm' && job.externalId) await new SlurmExecutor(store).cancel(job.id);
  else await queue.cancel(job.id);
  return (await queue.get(job.id))!;
}
