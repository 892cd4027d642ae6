import type { Store } from '@verdant/core';
import { JobQueue } from '../queue/job-queue.js';
import type { JobRecord } from '../queue/record.js';
import { createExecutor } from './registry.js';

/** Cancels a job through its executor (a queue request for local jobs, scancel for Slurm); returns it as it now stands. */
export async function cancelJob(store: Store, idOrPrefix: string, field = 'job'): Promise<JobRecord> {
  const queue = JobQueue.of(store);
  const job = await queue.require(idOrPrefix, field);
  await createExecutor(job.executor, { store }).cancel(job.id, field);
  return (await queue.get(job.id))!;
}

/**
 * Holds a job through its executor: a running one is paused and stays paused whatever the intensity, a waiting
 * one is not started (local: a queue request its scheduler applies; Slurm: scontrol hold/suspend). Returns it as it now stands.
 */
export async function pauseJob(store: Store, idOrPrefix: string, field = 'job'): Promise<JobRecord> {
  const queue = JobQueue.of(store);
  const job = await queue.require(idOrPrefix, field);
  await createExecutor(job.executor, { store }).pause(job.id);
  return (await queue.get(job.id))!;
}

/** Lifts a hold (`pauseJob`): the job runs again as its plan and policy say. Returns it as it now stands. */
export async function resumeJob(store: Store, idOrPrefix: string, field = 'job'): Promise<JobRecord> {
  const queue = JobQueue.of(store);
  const job = await queue.require(idOrPrefix, field);
  await createExecutor(job.executor, { store }).resume(job.id);
  return (await queue.get(job.id))!;
}
