import type { JobState } from '@verdant/core';

/** A Slurm job as squeue, sacct or scontrol report it. */
export interface SlurmJobInfo {
  jobId: string;
  /** Slurm's state name: PENDING, RUNNING, SUSPENDED, COMPLETED, FAILED, CANCELLED, TIMEOUT, ... */
  slurmState: string;
  /** Why it is pending (BeginTime, JobHeldUser, Resources, ...), or "None". */
  reason: string;
  /** Expected or actual start, epoch seconds. */
  startTime: number | null;
  endTime: number | null;
  /** Exit code of the batch script, when known. */
  exitCode: number | null;
  /** Which command told us: squeue, sacct or scontrol. */
  via: 'squeue' | 'sacct' | 'scontrol';
}

const RUNNING = new Set(['RUNNING', 'CONFIGURING', 'COMPLETING', 'STAGE_OUT', 'RESIZING', 'SIGNALING']);
const FAILED = new Set(['FAILED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'SPECIAL_EXIT', 'REVOKED']);

/** Maps Slurm's state to the queue's. A held pending job stays 'scheduled' (it never started). */
export function toJobState(slurmState: string): JobState {
  const s = slurmState.toUpperCase().split(/\s+/)[0]!.replace(/\+$/, '');
  if (s === 'PENDING' || s === 'REQUEUED' || s === 'REQUEUE_HOLD' || s === 'REQUEUE_FED') return 'scheduled';
  if (RUNNING.has(s)) return 'running';
  if (s === 'SUSPENDED' || s === 'STOPPED') return 'paused';
  if (s === 'COMPLETED') return 'succeeded';
  if (s === 'CANCELLED') return 'cancelled';
  if (FAILED.has(s)) return 'failed';
  return 'scheduled';
}

export const isHeldReason = (reason: string): boolean => /^JobHeld(User|Admin)$/.test(reason);
