import { invalidInput, toIso } from '@verdant/core';
import type { JobSpec } from './types.js';

/** A job after validation: power resolved, interruptibility normalised. */
export interface NormalizedJob {
  id?: string;
  durationS: number;
  earliestStart: number;
  deadline: number;
  powerW: number;
  minChunkS: number;
  pauseOverheadS: number;
  interruptible: boolean;
  units: number;
}

function finite(v: unknown, field: string, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidInput(field, `${what} must be a finite number, got ${String(v)}`);
  return v;
}

/** Checks a job; errors name the CLI option to fix. */
export function normalizeJob(job: JobSpec): NormalizedJob {
  const durationS = finite(job.durationS, '--duration', 'the duration');
  if (durationS <= 0) throw invalidInput('--duration', `must be positive, got ${durationS}s`, 'give the run time, e.g. 2h');
  const earliestStart = finite(job.earliestStart, '--earliest-start', 'the earliest start');
  const deadline = finite(job.deadline, '--deadline', 'the deadline');
  const earliestDeadline = earliestStart + durationS;
  if (deadline < earliestDeadline - 1e-9) {
    throw invalidInput(
      '--deadline',
      `the deadline ${toIso(deadline)} is before the earliest start plus the duration`,
      `set the deadline to ${toIso(earliestDeadline)} or later, or start earlier`,
    );
  }
  let powerW: number;
  if (job.powerW !== undefined && job.energyJ !== undefined) {
    throw invalidInput('--power', 'give either the power or the energy, not both', 'drop --energy or --power');
  } else if (job.powerW !== undefined) {
    powerW = finite(job.powerW, '--power', 'the power');
  } else if (job.energyJ !== undefined) {
    powerW = finite(job.energyJ, '--energy', 'the energy') / durationS;
  } else {
    throw invalidInput('--power', 'the job needs a power or an energy to estimate emissions', 'pass --power 300W or --energy 2kWh');
  }
  if (powerW < 0) throw invalidInput(job.powerW !== undefined ? '--power' : '--energy', 'must not be negative');
  const units = job.units ?? 1;
  if (!Number.isInteger(units) || units < 1) throw invalidInput('units', `must be a positive integer, got ${units}`);
  const intr = job.interruptible || undefined;
  const minChunkS = intr ? finite(intr.minChunkS, '--min-chunk', 'the minimum chunk') : 0;
  const pauseOverheadS = intr ? finite(intr.pauseOverheadS, '--pause-overhead', 'the pause overhead') : 0;
  if (minChunkS < 0) throw invalidInput('--min-chunk', `must not be negative, got ${minChunkS}`);
  if (pauseOverheadS < 0) throw invalidInput('--pause-overhead', `must not be negative, got ${pauseOverheadS}`);
  return { id: job.id, durationS, earliestStart, deadline, powerW, minChunkS, pauseOverheadS, interruptible: !!intr, units };
}
