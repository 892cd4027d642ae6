import type { ToolErrorKind } from '../types.js';

export type BreakerState = 'closed' | 'half-open' | 'open';

/** How a call ended: `ok` or the kind of error (see ToolErrorKind). */
export type CallOutcome = 'ok' | ToolErrorKind;

/**
 * What the executor reports about each tool call. All methods are synchronous and cheap; an observer must
 * never throw into the executor.
 */
export interface ToolCallObserver {
  /** The call left the queue and is about to run (first attempt). */
  callStarted(tool: string): void;
  /**
   * The call settled, after all retries; `seconds` spans first start to settle. `started` is false for calls
   * rejected before running (unknown tool, invalid arguments, cancelled in the queue).
   */
  callFinished(tool: string, outcome: CallOutcome, seconds: number, started: boolean): void;
  /** The call was held back this long by its rate limit (once per attempt held back; not for one that passed at once). */
  rateLimitWaited(tool: string, seconds: number): void;
  /** The tool's circuit breaker changed state. */
  breakerStateChanged(tool: string, state: BreakerState): void;
}
