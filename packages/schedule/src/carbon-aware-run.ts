import type { PauseController, TrackerSnapshot } from '@verdant/energy';
import { checkThresholds, decide } from './policy/decide.js';

export interface CarbonAwareOptions {
  pauseAbove: number;
  resumeBelow: number;
  /** Latest finish, epoch seconds. */
  deadline?: number;
  /** Running time the command needs in all; without it, the progress prediction is used. */
  expectedDurationS?: number;
}

/**
 * The pause controller behind `verdant run --carbon-aware`: the shared policy (`decide`) fed with the
 * tracker's snapshot. Remaining running time comes from --expected-duration minus the time run so far, or
 * from the progress prediction; without either, a deadline is honoured as soon as it is reached.
 */
export function carbonAwareController(o: CarbonAwareOptions): PauseController {
  const thresholds = checkThresholds({ pauseAboveG: o.pauseAbove, resumeBelowG: o.resumeBelow });
  let runningS = 0;
  let lastT: number | undefined;
  return (snap: TrackerSnapshot, paused: boolean) => {
    if (lastT !== undefined && !paused) runningS += snap.t - lastT;
    lastT = snap.t;
    const remaining =
      o.expectedDurationS !== undefined ? Math.max(0, o.expectedDurationS - runningS) : (snap.prediction?.remaining_s ?? 0);
    const action = decide(paused ? 'paused' : 'running', snap.intensityGPerKwh, snap.t, o.deadline, remaining, thresholds);
    if (action === 'pause' && !paused) return 'pause';
    if (action === 'resume' && paused) return 'resume';
    return undefined;
  };
}
