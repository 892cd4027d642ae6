import { join } from 'node:path';
import { ExitCode, nowS, VerdantError, type JobState, type Store } from '@verdant/core';
import { resolveCommand } from '@verdant/energy';
import { decideWithReason } from '../../policy/decide.js';
import { JobQueue } from '../../queue/job-queue.js';
import { ranSoFar, remainingS, TERMINAL_STATES, type JobPlanSummary, type JobRecord } from '../../queue/record.js';
import { hasThresholds, type JobRequest } from '../../queue/request.js';
import type { IntensitySource } from '../intensity-source.js';
import { toStatus } from '../local-executor.js';
import { defineExecutor, type Executor, type JobHandle, type JobStatus } from '../types.js';
import { SlurmClient } from './client.js';
import { isHeldReason, toJobState, type SlurmJobInfo } from './state.js';

const NAME = 'slurm';

/**
 * Runs jobs through Slurm: the planned start becomes `sbatch --begin`, so Slurm itself holds the job until
 * then (it survives any restart of Verdant). The queue keeps a row per job with the Slurm id; status() reads
 * Slurm and updates the row. Pausing a pending job is `scontrol hold`; pausing a running one is
 * `scontrol suspend`, which needs root or a Slurm operator.
 */
export class SlurmExecutor implements Executor {
  readonly name = NAME;
  readonly queue: JobQueue;

  constructor(
    store: Store,
    readonly client: SlurmClient = new SlurmClient(),
    private readonly clock: () => number = nowS,
  ) {
    this.queue = JobQueue.of(store);
  }

  async submit(job: JobRequest, plan: JobPlanSummary): Promise<JobHandle> {
    const spec: JobRequest = { ...job, executor: NAME };
    // The row first (its id names the output file and VERDANT_JOB_ID), then sbatch; a failed sbatch fails the row.
    const rec = await this.queue.add(spec, plan, { message: 'submitting to Slurm' });
    try {
      const externalId = await this.client.sbatch({
        name: spec.name,
        argv: spec.argv,
        cwd: spec.cwd,
        outputPath: spec.outputPath ?? join(spec.cwd, `verdant-${rec.id}.out`),
        begin: plan.plannedStart,
        ...(spec.partition ? { partition: spec.partition } : {}),
        ...(spec.accel ? { gres: `gpu:${spec.accel.type}:${spec.accel.count}` } : {}),
        env: { ...spec.env, VERDANT_JOB_ID: rec.id, ...(spec.checkpointSignal ? { VERDANT_CHECKPOINT_SIGNAL: spec.checkpointSignal } : {}) },
      });
      const begins = `Slurm job ${externalId}, begins ${new Date(plan.plannedStart * 1000).toISOString()}`;
      await this.queue.update(rec.id, {}, { external_id: externalId, message: plan.note ? `${begins}; ${plan.note}` : begins });
      return { id: rec.id, executor: NAME, externalId, plannedStart: plan.plannedStart };
    } catch (e) {
      await this.queue.update(rec.id, {}, { state: 'failed', ended_at: this.clock(), message: `sbatch failed: ${(e as Error).message}` });
      throw e;
    }
  }

  /** Pending: `scontrol hold`. Running: `scontrol suspend` (root/operator). */
  async pause(id: string, why = 'paused by request'): Promise<void> {
    const { job, info } = await this.lookup(id);
    await this.pauseKnown(job, info, why);
  }

  /** Held: `scontrol release`. Suspended: `scontrol resume` (root/operator). */
  async resume(id: string, why = 'resumed by request'): Promise<void> {
    const { job, info } = await this.lookup(id);
    await this.resumeKnown(job, info, why);
  }

  /** pause() for a job whose row and Slurm state the caller has just read. */
  private async pauseKnown(job: JobRecord, info: SlurmJobInfo, why: string): Promise<void> {
    if (toJobState(info.slurmState) === 'scheduled') {
      if (!isHeldReason(info.reason)) await this.client.hold(info.jobId);
      await this.queue.update(job.id, {}, { request: 'hold', message: `held: ${why}` });
    } else if (info.slurmState === 'RUNNING') {
      await this.client.suspend(info.jobId);
      await this.queue.update(job.id, {}, { state: 'paused', ran_s: ranSoFar(job, this.clock()), resumed_at: null, message: `suspended: ${why}` });
    }
  }

  private async resumeKnown(job: JobRecord, info: SlurmJobInfo, why: string): Promise<void> {
    if (info.slurmState === 'SUSPENDED') {
      await this.client.resumeSuspended(info.jobId);
      await this.queue.update(job.id, {}, { state: 'running', resumed_at: this.clock(), request: null, message: `resumed: ${why}` });
    } else if (isHeldReason(info.reason)) {
      await this.client.release(info.jobId);
      await this.queue.update(job.id, {}, { request: null, message: `released: ${why}` });
    }
  }

  /**
   * `scancel`, after reading the job's state from Slurm: a job that already ended keeps the state Slurm
   * reports (recorded in the queue), and the caller is told so ("already succeeded"), never "cancelled".
   */
  async cancel(id: string, field = 'job'): Promise<void> {
    const row = await this.queue.require(id, field);
    if (TERMINAL_STATES.includes(row.state)) throw alreadyEnded(row, field);
    // Not yet known to Slurm (sbatch still under way): a request, as for a queued local job.
    if (!row.externalId) {
      await this.queue.cancel(row.id);
      return;
    }
    const { job, info } = await this.slurmInfo(row, field);
    if (isTerminal(info)) throw alreadyEnded(await this.sync(job, info), field, info);
    try {
      await this.client.cancel(info.jobId);
    } catch (e) {
      // It may have ended between the look and scancel ("already completing or completed").
      const after = await this.client.info(info.jobId).catch(() => undefined);
      if (after && isTerminal(after)) throw alreadyEnded(await this.sync(job, after), field, after);
      throw e;
    }
    const after = await this.client.info(info.jobId).catch(() => undefined);
    if (after && isTerminal(after) && toJobState(after.slurmState) !== 'cancelled') throw alreadyEnded(await this.sync(job, after), field, after);
    await this.queue.update(job.id, { states: ['queued', 'scheduled', 'running', 'paused'] }, { state: 'cancelled', ended_at: this.clock(), message: 'cancelled (scancel)' });
  }

  /** Moves a pending job's start (`scontrol update StartTime=`); the queue's planned start follows. */
  async reschedule(id: string, start: number): Promise<void> {
    const { job, info } = await this.lookup(id);
    await this.client.setStartTime(info.jobId, start);
    await this.queue.update(job.id, {}, { planned_start: start, message: `start moved to ${new Date(start * 1000).toISOString()}` });
  }

  /** Reads Slurm and brings the queue row up to date. */
  async status(id: string): Promise<JobStatus> {
    const job = await this.queue.require(id);
    if (!job.externalId || TERMINAL_STATES.includes(job.state)) return toStatus(job);
    const info = await this.client.info(job.externalId);
    return toStatus(info ? await this.sync(job, info) : job);
  }

  /** One scheduler pass for Slurm jobs: refresh each active row, then apply the carbon policy to those with thresholds. */
  async tick(source: IntensitySource | undefined, now = this.clock()): Promise<void> {
    for (const job of await this.queue.list({ executor: NAME, states: ['queued', 'scheduled', 'running', 'paused'], limit: 1000 })) {
      if (!job.externalId) continue;
      const info = await this.client.info(job.externalId).catch(() => undefined);
      if (!info) continue;
      const current = await this.sync(job, info);
      if (!source || !hasThresholds(current.spec) || current.pendingRequest === 'hold') continue;
      if (current.state !== 'running' && current.state !== 'paused') continue;
      const intensity = await source.current(current.spec.zone, now).catch(() => undefined);
      if (intensity === undefined) continue;
      const d = decideWithReason(current.state, intensity, now, current.spec.deadline, remainingS(current, now), {
        pauseAboveG: current.spec.pauseAboveG,
        resumeBelowG: current.spec.resumeBelowG,
      });
      const g = intensity.toFixed(0);
      try {
        if (current.state === 'running' && d.action === 'pause') await this.pauseKnown(current, info, `intensity ${g} > ${current.spec.pauseAboveG} g/kWh`);
        else if (current.state === 'paused' && d.action === 'resume') await this.resumeKnown(current, info, d.reason === 'deadline' ? 'deadline' : `intensity ${g} < ${current.spec.resumeBelowG} g/kWh`);
      } catch (e) {
        await this.queue.update(current.id, {}, { message: `policy could not act: ${(e as Error).message}` });
      }
    }
  }

  private async sync(job: JobRecord, info: SlurmJobInfo): Promise<JobRecord> {
    const state: JobState = toJobState(info.slurmState);
    const now = this.clock();
    const terminal = TERMINAL_STATES.includes(state);
    const message = `Slurm ${info.jobId}: ${info.slurmState}${info.reason && info.reason !== 'None' ? ` (${info.reason})` : ''}`;
    if (state === job.state && message === job.message && !terminal) return job;
    await this.queue.update(
      job.id,
      { states: ['queued', 'scheduled', 'running', 'paused'] },
      {
        state,
        message,
        ...(state === 'running' && job.startedAt === null ? { started_at: info.startTime ?? now, resumed_at: info.startTime ?? now } : {}),
        ...(state === 'running' && job.state === 'paused' ? { resumed_at: now } : {}),
        ...(terminal ? { ended_at: info.endTime ?? now, exit_code: info.exitCode, ran_s: ranUntilEnd(job, info, now) } : {}),
        // Ended before any refresh saw it run: Slurm's own start time.
        ...(terminal && job.startedAt === null && info.startTime !== null && (info.endTime ?? now) >= info.startTime ? { started_at: info.startTime } : {}),
      },
    );
    return (await this.queue.get(job.id))!;
  }

  private async lookup(id: string): Promise<{ job: JobRecord; info: SlurmJobInfo }> {
    return this.slurmInfo(await this.queue.require(id), 'job');
  }

  /** The job's state as Slurm reports it; a job that is not Slurm's, or that Slurm forgot, is refused naming `field`. */
  private async slurmInfo(job: JobRecord, field: string): Promise<{ job: JobRecord; info: SlurmJobInfo }> {
    if (job.executor !== NAME || !job.externalId) {
      throw new VerdantError(`job ${job.id} is not a Slurm job`, { field, fix: 'use the local executor for it', exitCode: ExitCode.usage });
    }
    const info = await this.client.info(job.externalId);
    if (!info) throw new VerdantError(`Slurm no longer knows job ${job.externalId}`, { field, fix: 'it ended long ago; see its output file', exitCode: ExitCode.usage });
    return { job, info };
  }
}

const isTerminal = (info: SlurmJobInfo): boolean => TERMINAL_STATES.includes(toJobState(info.slurmState));

/** Running seconds of a job Slurm reports ended: counted while it was seen running, else Slurm's start to end. */
function ranUntilEnd(job: JobRecord, info: SlurmJobInfo, now: number): number {
  const end = info.endTime ?? now;
  if (job.startedAt === null) return info.startTime !== null && end >= info.startTime ? end - info.startTime : 0;
  return ranSoFar(job, end);
}

/** The refusal for cancelling a job that already ended, naming how it ended. */
function alreadyEnded(job: JobRecord, field: string, info?: SlurmJobInfo): VerdantError {
  const detail = [info ? `Slurm ${info.jobId}: ${info.slurmState}` : '', job.exitCode !== null ? `exit ${job.exitCode}` : ''].filter(Boolean).join(', ');
  return new VerdantError(`job ${job.id} already ${job.state}${detail ? ` (${detail})` : ''}; nothing to cancel`, {
    field,
    fix: '`verdant jobs show` gives its history and output file',
    exitCode: ExitCode.usage,
  });
}

/** Whether a command is an executable file in one of PATH's directories. */
function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  try {
    resolveCommand(command, env);
    return true;
  } catch {
    return false;
  }
}

/** Slurm: the planned start becomes `sbatch --begin`; `verdant serve` follows its jobs where `squeue` is on PATH. */
export const slurmExecutor = defineExecutor({
  name: NAME,
  runsHere: false,
  create: ({ store }) => new SlurmExecutor(store),
  available: (env) => onPath('squeue', env),
  describe: (job) => `Slurm job ${job.externalId}`,
});
