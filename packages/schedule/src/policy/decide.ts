import { invalidInput } from '@verdant/core';

/** Where a job stands for the policy: running now, or paused by it. */
export type PolicyState = 'running' | 'paused';

/**
 * What to do next. 'run': keep running. 'pause': be paused (pause a running job; keep a paused one paused).
 * 'resume': continue a paused job.
 */
export type PolicyAction = 'run' | 'pause' | 'resume';

export interface PauseThresholds {
  /** Pause when intensity rises above this, gCO2e/kWh. */
  pauseAboveG: number;
  /** Resume when intensity falls below this, gCO2e/kWh. Must be below pauseAboveG (hysteresis). */
  resumeBelowG: number;
  /**
   * Safety margin, seconds: the job is resumed (or not paused) once the slack before its deadline is at most
   * this. Covers resume latency and estimate error. Default 0.
   */
  marginS?: number;
}

export type PolicyReason = 'below-pause-threshold' | 'above-pause-threshold' | 'below-resume-threshold' | 'not-below-resume-threshold' | 'deadline';

export interface PolicyDecision {
  action: PolicyAction;
  reason: PolicyReason;
  /** Seconds of slack left: deadline - now - remaining (Infinity without a deadline). */
  slackS: number;
}

/** Validates thresholds: finite, non-negative, and pause-above strictly greater than resume-below. Errors name `fields` (default the library's own). */
export function checkThresholds(t: PauseThresholds, fields = { pauseAbove: 'pauseAboveG', resumeBelow: 'resumeBelowG' }): PauseThresholds {
  if (!Number.isFinite(t.pauseAboveG) || t.pauseAboveG < 0) {
    throw invalidInput(fields.pauseAbove, `must be a non-negative intensity in gCO2e/kWh, got ${t.pauseAboveG}`);
  }
  if (!Number.isFinite(t.resumeBelowG) || t.resumeBelowG < 0) {
    throw invalidInput(fields.resumeBelow, `must be a non-negative intensity in gCO2e/kWh, got ${t.resumeBelowG}`);
  }
  if (!(t.pauseAboveG > t.resumeBelowG)) {
    throw invalidInput(
      fields.resumeBelow,
      `must be below the pause threshold (${t.resumeBelowG} >= ${t.pauseAboveG} g/kWh); equal thresholds would pause and resume on every wobble`,
      `use e.g. ${t.pauseAboveG} to pause and ${Math.round(t.pauseAboveG * 0.8)} to resume`,
    );
  }
  if (t.marginS !== undefined && (!Number.isFinite(t.marginS) || t.marginS < 0)) {
    throw invalidInput('marginS', `must be a non-negative number of seconds, got ${t.marginS}`);
  }
  return t;
}

/**
 * The carbon-aware pause/resume policy, pure so the local executor, `verdant run --carbon-aware` and the
 * Slurm executor share one behaviour:
 * - running: pause when intensity > pauseAbove, unless the deadline leaves no slack to spend waiting;
 * - paused: resume when intensity < resumeBelow, or when the slack is used up (the deadline wins over carbon).
 * Between the thresholds nothing changes (hysteresis), so a signal hovering near one value does not flap.
 *
 * @param now epoch seconds
 * @param deadline latest finish, epoch seconds; undefined for none
 * @param remainingS running time the job still needs, seconds
 */
export function decideWithReason(
  state: PolicyState,
  intensityG: number,
  now: number,
  deadline: number | undefined,
  remainingS: number,
  thresholds: PauseThresholds,
): PolicyDecision {
  const margin = thresholds.marginS ?? 0;
  const slackS = deadline === undefined ? Infinity : deadline - now - Math.max(0, remainingS);
  const outOfSlack = slackS <= margin;
  if (state === 'running') {
    if (intensityG > thresholds.pauseAboveG && !outOfSlack) return { action: 'pause', reason: 'above-pause-threshold', slackS };
    return { action: 'run', reason: intensityG > thresholds.pauseAboveG ? 'deadline' : 'below-pause-threshold', slackS };
  }
  if (outOfSlack) return { action: 'resume', reason: 'deadline', slackS };
  if (intensityG < thresholds.resumeBelowG) return { action: 'resume', reason: 'below-resume-threshold', slackS };
  return { action: 'pause', reason: 'not-below-resume-threshold', slackS };
}

/** `decideWithReason` without the explanation: run | pause | resume. */
export function decide(
  state: PolicyState,
  intensityG: number,
  now: number,
  deadline: number | undefined,
  remainingS: number,
  thresholds: PauseThresholds,
): PolicyAction {
  return decideWithReason(state, intensityG, now, deadline, remainingS, thresholds).action;
}
