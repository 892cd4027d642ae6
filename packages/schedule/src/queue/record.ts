import { nowS, type JobState, type JobsTable } from '@verdant/core';
import type { JobRequest } from './request.js';

/** The plan recorded with a job: when it starts and what that is expected to save against starting now. */
export interface JobPlanSummary {
  plannedStart: number;
  plannedEnd: number;
  zone: string;
  /** Intensity source the plan used, or "none" when no series covered the window. */
  source: string;
  /** Mean intensity over the planned run and over a run starting at the earliest start, gCO2e/kWh. */
  meanIntensityG?: number;
  baselineIntensityG?: number;
  /** With a power estimate: expected emissions of the plan, of starting now, and the saving, g CO2e. */
  emissionsG?: number;
  baselineEmissionsG?: number;
  savingG?: number;
  /** 1 - plan/baseline, 0..1. */
  savingFraction?: number;
  note?: string;
}

/** A user request the job's owner applies at its next tick. 'hold' stays until a 'resume'. */
export type PendingRequest = 'cancel' | 'hold' | 'resume';

export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];
export const ACTIVE_STATES: readonly JobState[] = ['running', 'paused'];
export const WAITING_STATES: readonly JobState[] = ['queued', 'scheduled'];

/** A job as the library, CLI and API see it (camelCase, JSON decoded). */
export interface JobRecord {
  id: string;
  name: string;
  state: JobState;
  /** The executor's name (see the executors registry, executor/registry.ts: ExecutorName). */
  executor: string;
  spec: JobRequest;
  plan: JobPlanSummary;
  plannedStart: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  owner: string | null;
  leaseUntil: number | null;
  attempts: number;
  ranS: number;
  resumedAt: number | null;
  pid: number | null;
  host: string | null;
  runId: string | null;
  externalId: string | null;
  exitCode: number | null;
  pendingRequest: PendingRequest | null;
  message: string;
}

export function toRecord(row: JobsTable): JobRecord {
  return {
    id: row.id,
    name: row.name,
    state: row.state,
    executor: row.executor as JobRecord['executor'],
    spec: JSON.parse(row.spec) as JobRequest,
    plan: JSON.parse(row.plan) as JobPlanSummary,
    plannedStart: Number(row.planned_start),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: num(row.started_at),
    endedAt: num(row.ended_at),
    owner: row.owner,
    leaseUntil: num(row.lease_until),
    attempts: Number(row.attempts),
    ranS: Number(row.ran_s),
    resumedAt: num(row.resumed_at),
    pid: num(row.pid),
    host: row.host,
    runId: row.run_id,
    externalId: row.external_id,
    exitCode: num(row.exit_code),
    pendingRequest: row.request as PendingRequest | null,
    message: row.message,
  };
}

const num = (v: number | null): number | null => (v === null ? null : Number(v));

/** Seconds the job has run up to `now`: what the row records plus the current stretch if it is running. */
export function ranSoFar(job: JobRecord, now: number): number {
  return job.ranS + (job.state === 'running' && job.resumedAt !== null ? Math.max(0, now - job.resumedAt) : 0);
}

/** Running seconds the job still needs: its estimate less what it has run (never negative). */
export function remainingS(job: JobRecord, now: number): number {
  return Math.max(0, job.spec.durationS - ranSoFar(job, now));
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t * 1000).toISOString());

/**
 * The JSON shape of a job for `--json` and the HTTP API (snake_case, ISO times; env values omitted). `ran_s`
 * counts a running job's current stretch up to now.
 */
export function jobToJson(job: JobRecord): Record<string, unknown> {
  const now = nowS();
  const { env, ...spec } = job.spec;
  return {
    job_id: job.id,
    name: job.name,
    state: job.state,
    executor: job.executor,
    external_id: job.externalId,
    planned_start: iso(job.plannedStart),
    created_at: iso(job.createdAt),
    started_at: iso(job.startedAt),
    ended_at: iso(job.endedAt),
    exit_code: job.exitCode,
    attempts: job.attempts,
    ran_s: ranSoFar(job, now),
    run_id: job.runId,
    pid: job.pid,
    host: job.host,
    owner: job.owner,
    pending_request: job.pendingRequest,
    message: job.message,
    spec: { ...spec, env_keys: Object.keys(env ?? {}) },
    plan: planToJson(job.plan),
  };
}

export function planToJson(plan: JobPlanSummary): Record<string, unknown> {
  return {
    planned_start: iso(plan.plannedStart),
    planned_end: iso(plan.plannedEnd),
    zone: plan.zone,
    source: plan.source,
    mean_intensity_g_per_kwh: plan.meanIntensityG ?? null,
    baseline_intensity_g_per_kwh: plan.baselineIntensityG ?? null,
    emissions_g: plan.emissionsG ?? null,
    baseline_emissions_g: plan.baselineEmissionsG ?? null,
    saving_g: plan.savingG ?? null,
    saving_fraction: plan.savingFraction ?? null,
    ...(plan.note ? { note: plan.note } : {}),
  };
}
