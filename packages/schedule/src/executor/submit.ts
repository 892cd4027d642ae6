import { invalidInput, nowS, type Store } from '@verdant/core';
import type { JobPlanSummary, JobRecord } from '../queue/record.js';
import { parseJobRequest } from './job-request.js';
import { JobQueue } from '../queue/job-queue.js';
import type { IntensitySource } from './intensity-source.js';
import { planSubmission } from './plan-job.js';
import { createExecutor } from './registry.js';
import type { Executor } from './types.js';

export interface SubmitOptions {
  /** Series to plan over; without one the job starts at its earliest start. */
  source?: IntensitySource;
  now?: number;
  /** The executor to hand the job to instead of building the one the request names (a Slurm executor with its own client); it must be that one. */
  executor?: Executor;
  /** Error field prefix for validation messages ("body" for the API). */
  fieldPrefix?: string;
}

/**
 * The one submit path for the CLI, the API and library users: validate, plan the start, hand the job to
 * the executor the request names (see registry.ts: queued for the local scheduler, sbatch --begin for Slurm).
 */
export async function submitJob(store: Store, input: unknown, options: SubmitOptions = {}): Promise<{ job: JobRecord; plan: JobPlanSummary }> {
  const spec = parseJobRequest(input, options.fieldPrefix);
  const now = options.now ?? nowS();
  const plan = await planSubmission(spec, options.source, now);
  const field = [options.fieldPrefix, 'executor'].filter(Boolean).join('.');
  if (options.executor && options.executor.name !== spec.executor) {
    throw invalidInput(field, `the request names executor "${spec.executor}", but a ${options.executor.name} executor was given`);
  }
  const executor = options.executor ?? createExecutor(spec.executor, { store }, field);
  const handle = await executor.submit(spec, plan);
  const job = (await JobQueue.of(store).get(handle.id))!;
  return { job, plan };
}
