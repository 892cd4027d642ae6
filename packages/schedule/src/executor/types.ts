import type { JobState } from '@verdant/core';
import type { JobPlanSummary } from '../queue/record.js';
import type { JobRequest } from '../queue/request.js';

/** What `submit` returns: the queue's id and, for batch systems, the system's own id. */
export interface JobHandle {
  id: string;
  executor: 'local' | 'slurm';
  externalId?: string;
  plannedStart: number;
}

export interface JobStatus {
  id: string;
  state: JobState;
  plannedStart: number;
  startedAt: number | null;
  endedAt: number | null;
  exitCode: number | null;
  /** Why it is in this state ("paused: intensity 420 > 300 g/kWh", Slurm's reason, ...). */
  message: string;
  externalId: string | null;
  runId: string | null;
}

/** Runs planned jobs somewhere: this machine, Slurm, later Kubernetes. */
export interface Executor {
  submit(job: JobRequest, plan: JobPlanSummary): Promise<JobHandle>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  cancel(id: string): Promise<void>;
  status(id: string): Promise<JobStatus>;
}
