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

/** Checks a job; errors name the JobSpec field to fix (`durationS`, `interruptible.minChunkS`), never a CLI flag. */
export function normalizeJob(job: JobSpec): NormalizedJob {
  const durationS = finite(job.durationS, 'durationS', 'the duration');
  if (durationS <= 0) throw invalidInput('durationS', `must be positive, got ${durationS}s`, 'give the run time, e.g. 2h');
  const earliestStart = finite(job.earliestStart, 'earliestStart', 'the earliest start');
  const deadline = finite(job.deadline, 'deadline', 'the deadline');
  const earliestDeadline = earliestStart + durationS;
  if (deadline < earliestDeadline - 1e-9) {
    throw invalidInput(
      'deadline',
      `the deadline ${toIso(deadline)} is before the earliest start plus the duration`,
      `set the deadline to ${toIso(earliestDeadline)} or later, or start earlier`,
    );
  }
  let powerW: number;
  if (job.powerW !== undefined && job.energyJ !== undefined) {
    throw invalidInput('powerW', 'give either the power or the energy, not both', 'keep one of them');
  } else if (job.powerW !== undefined) {
    powerW = finite(job.powerW, 'powerW', 'the power');
  } else if (job.energyJ !== undefined) {
    powerW = finite(job.energyJ, 'energyJ', 'the energy') / durationS;
  } else {
    throw invalidInput('powerW', 'the job needs a power or an energy to estimate emissions', 'give its average power (e.g. 300 W) or the energy of the whole run (e.g. 2 kWh)');
  }
  if (powerW < 0) throw invalidInput(job.powerW !== undefined ? 'powerW' : 'energyJ', 'must not be negative');
  const units = job.units ?? 1;
  if (!Number.isInteger(units) || units < 1) throw invalidInput('units', `must be a positive integer, got ${units}`);
  const intr = job.interruptible || undefined;
  const minChunkS = intr ? finite(intr.minChunkS, 'interruptible.minChunkS', 'the minimum chunk') : 0;
  const pauseOverheadS = intr ? finite(intr.pauseOverheadS, 'interruptible.pauseOverheadS', 'the pause overhead') : 0;
  if (minChunkS < 0) throw invalidInput('interruptible.minChunkS', `must not be negative, got ${minChunkS}`);
  if (pauseOverheadS < 0) throw invalidInput('interruptible.pauseOverheadS', `must not be negative, got ${pauseOverheadS}`);
  return { id: job.id, durationS, earliestStart, deadline, powerW, minChunkS, pauseOverheadS, interruptible: !!intr, units };
}
