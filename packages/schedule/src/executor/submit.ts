import { nowS, type Store } from '@verdant/core';
import type { JobPlanSummary, JobRecord } from '../queue/record.js';
import { parseJobRequest } from '../queue/request.js';
import { JobQueue } from '../queue/job-queue.js';
import type { IntensitySource } from './intensity-source.js';
import { LocalExecutor } from './local-executor.js';
import { planSubmission } from './plan-job.js';
import { SlurmClient } from './slurm/client.js';
import { SlurmExecutor } from './slurm/slurm-executor.js';

export interface SubmitOptions {
  /** Series to plan over; without one the job starts at its earliest start. */
  source?: IntensitySource;
  now?: number;
  slurm?: SlurmClient;
  /** Error field prefix for validation messages ("body" for the API). */
  fieldPrefix?: string;
}

/**
 * The one submit path for the CLI, the API and library users: validate, plan the start, hand the job to
 * its executor (queued for the local scheduler, or sbatch --begin for Slurm).
 */
export async function submitJob(store: Store, input: unknown, options: SubmitOptions = {}): Promise<{ job: JobRecord; plan: JobPlanSummary }> {
  const spec = parseJobRequest(input, options.fieldPrefix);
  const now = options.now ?? nowS();
  const plan = await planSubmission(spec, options.source, now);
  const executor = spec.executor === 'slurm' ? new SlurmExecutor(store, options.slurm) : new LocalExecutor(store);
  const handle = await executor.submit(spec, plan);
  const job = (await JobQueue.of(store).get(handle.id))!;
  return { job, plan };
}
