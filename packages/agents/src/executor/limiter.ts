import PQueue from 'p-queue';
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  retry,
  timeout,
  type CircuitBreakerPolicy,
  type RetryPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
import { isAbortError } from '../errors.js';
import type { Tool } from '../types.js';
import { Semaphore } from './semaphore.js';

/**
 * The state that enforces one tool's limits. It lives with the tool object (see `limiterFor`), so two runs
 * sharing a tool share its concurrency, rate and circuit breaker: they protect the same downstream service.
 */
export class ToolLimiter {
  /** Concurrency slots of this tool; undefined when only the executor's global cap applies. */
  readonly slots: Semaphore | undefined;
  /** Strict sliding-window rate gate (p-queue counts a task when it starts); undefined with a shared `rate.store`. */
  readonly rate: PQueue | undefined;
  readonly breaker: CircuitBreakerPolicy | undefined;
  readonly retry: RetryPolicy | undefined;
  readonly timeout: TimeoutPolicy | undefined;
  /** No limit at all: the executor runs such a tool on its fast path (global slot, then execute). */
  readonly unlimited: boolean;

  constructor(t: Tool) {
    const { concurrency, rate, retries, circuitBreaker: cb, timeoutMs } = t.limits;
    this.slots = concurrency ? new Semaphore(concurrency) : undefined;
    this.rate = rate && !rate.store ? new PQueue({ intervalCap: rate.limit, interval: rate.intervalMs, strict: true }) : undefined;
    // A caller's cancellation is not the tool's fault: it neither trips the breaker nor earns a retry.
    this.breaker = cb
      ? circuitBreaker(handleWhen((e) => !isAbortError(e)), {
          halfOpenAfter: cb.halfOpenAfterMs,
          breaker: new ConsecutiveBreaker(cb.threshold),
        })
      : undefined;
    this.retry =
      retries && retries.maxAttempts > 1
        ? retry(handleWhen((e) => !isAbortError(e) && !isBrokenCircuitError(e)), {
            maxAttempts: retries.maxAttempts - 1, // cockatiel counts retries, our limit counts attempts
            backoff: new ExponentialBackoff({
              initialDelay: retries.baseDelayMs ?? 100,
              maxDelay: retries.maxDelayMs ?? 10_000,
            }), // decorrelated jitter by default
          })
        : undefined;
    this.timeout = timeoutMs ? timeout(timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: true }) : undefined;
    this.unlimited = !rate && !this.slots && !this.breaker && !this.retry && !this.timeout;
  }
}

const limiters = new WeakMap<Tool, ToolLimiter>();

export function limiterFor(t: Tool): ToolLimiter {
  let limiter = limiters.get(t);
  if (!limiter) {
    limiter = new ToolLimiter(t);
    limiters.set(t, limiter);
  }
  return limiter;
}
