import { nowS, type Store } from '@verdant/core';
import type { JobPlanSummary, JobRecord } from '../queue/record.js';
import { parseJobRequest } from './job-request.js';
import { JobQueue } from '../queue/job-queue.js';
import type { IntensitySource } from './intensity-source.js';
import { planSubmission } from './plan-job.js';
import { createExecutor } from './registry.js';

export interface SubmitOptions {
  /** Series to plan over; without one the job starts at its earliest start. */
  source?: IntensitySource;
  now?: number;
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
  const handle = await createExecutor(spec.executor, { store }).submit(spec, plan);
  const job = (await JobQueue.of(store).get(handle.id))!;
  return { job, plan };
}
