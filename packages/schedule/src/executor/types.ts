import type { JobState, Store } from '@verdant/core';
import type { JobPlanSummary, JobRecord } from '../queue/record.js';
import type { JobRequest } from '../queue/request.js';
import type { IntensitySource } from './intensity-source.js';

/** What `submit` returns: the queue's id and, for batch systems, the system's own id. */
export interface JobHandle {
  id: string;
  /** The executor's name in the registry. */
  executor: string;
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
  /** Its name in the registry, the job request (`executor`) and the queue. */
  readonly name: string;
  submit(job: JobRequest, plan: JobPlanSummary): Promise<JobHandle>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** `field` names the job in errors ("job", "id", "<job>"); a job that already ended is refused. */
  cancel(id: string, field?: string): Promise<void>;
  status(id: string): Promise<JobStatus>;
  /**
   * One scheduler pass over this executor's jobs (the scheduler in `verdant serve` calls it each tick):
   * bring their rows up to date and apply the carbon policy. Executors whose jobs the local scheduler
   * runs itself have none.
   */
  tick?(source: IntensitySource | undefined, now: number): Promise<void>;
}

/** What an executor is built from. */
export interface ExecutorContext {
  store: Store;
}

/**
 * An executor as the registry (registry.ts) lists it: its name, how it is built, and what the faces need
 * to know about it without building one.
 */
export interface ExecutorDescriptor<N extends string = string> {
  readonly name: N;
  /**
   * Its jobs run on this host, so the submit path checks here that the command resolves and the output
   * file can be written; a batch system's nodes may have another PATH.
   */
  readonly runsHere: boolean;
  create(context: ExecutorContext): Executor;
  /**
   * Whether the scheduler in `verdant serve` follows this executor's jobs here (its `tick`): for a batch
   * system, that its client commands are on PATH. Without it, never.
   */
  available?(env: NodeJS.ProcessEnv): boolean;
  /** Where a just-submitted job went, for people ("Slurm job 4711"). */
  describe(job: JobRecord): string;
}

/** Keeps the descriptor's literal name in its type, so the registry's names are a type too. */
export function defineExecutor<const N extends string>(d: ExecutorDescriptor<N>): ExecutorDescriptor<N> {
  return d;
}
