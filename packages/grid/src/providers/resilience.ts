import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
  type IBackoff,
  type IRetryBackoffContext,
} from 'cockatiel';
import type { Logger } from '@verdant/core';
import { ProviderError, isProviderError } from './errors.js';
import type { Redactor } from './redact.js';

/** Per-provider resilience settings; seconds throughout. */
export interface ResilienceOptions {
  /** Limit for one attempt (request and body). Default 10 s. */
  timeoutS?: number;
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number;
  /** First backoff delay; later ones grow exponentially (with jitter). Default 0.5 s. */
  initialDelayS?: number;
  /** Cap on one exponential backoff delay. Default 30 s. */
  maxDelayS?: number;
  /** A Retry-After longer than this is not waited for: the call fails and the chain falls back. Default 60 s. */
  maxRetryAfterS?: number;
  /** Consecutive failed attempts that open the circuit. Default 5. */
  breakerThreshold?: number;
  /** How long the circuit stays open before a trial call. Default 30 s. */
  halfOpenAfterS?: number;
}

const DEFAULTS: Required<ResilienceOptions> = {
  timeoutS: 10,
  maxAttempts: 3,
  initialDelayS: 0.5,
  maxDelayS: 30,
  maxRetryAfterS: 60,
  breakerThreshold: 5,
  halfOpenAfterS: 30,
};

/**
 * Retry (exponential backoff, honouring Retry-After) around a circuit breaker around a per-attempt timeout,
 * all cockatiel policies, shared by every call of one provider instance so the breaker sees all its traffic.
 */
export class Resilience {
  readonly options: Required<ResilienceOptions>;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly policy: ReturnType<typeof wrap>;

  constructor(
    private readonly provider: string,
    options: ResilienceOptions = {},
    private readonly logger?: Logger,
    private readonly redactor?: Redactor,
  ) {
    this.options = { ...DEFAULTS, ...definedOnly(options) };
    const o = this.options;

    // Health failures: what says the service is unwell. Auth or bad-request errors are about us, not it.
    const unhealthy = (e: Error): boolean =>
      e instanceof TaskCancelledError || (isProviderError(e) && (e.transient || e.kind === 'malformed'));
    const retryable = (e: Error): boolean =>
      e instanceof TaskCancelledError ||
      (isProviderError(e) && e.transient && (e.retryAfterS === undefined || e.retryAfterS <= o.maxRetryAfterS));

    const exponential = new ExponentialBackoff({ initialDelay: o.initialDelayS * 1000, maxDelay: o.maxDelayS * 1000 });
    const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown> | undefined>((ctx, prev) => {
      const next = prev ? prev.next(ctx) : exponential.next();
      const err = 'error' in ctx.result ? ctx.result.error : undefined;
      const asked = isProviderError(err) ? err.retryAfterS : undefined;
      return { delay: asked !== undefined ? asked * 1000 : next.duration, state: next };
    });

    const retryPolicy = retry(handleWhen(retryable), { maxAttempts: o.maxAttempts - 1, backoff });
    this.breaker = circuitBreaker(handleWhen(unhealthy), {
      halfOpenAfter: o.halfOpenAfterS * 1000,
      breaker: new ConsecutiveBreaker(o.breakerThreshold),
    });
    const timeoutPolicy = timeout(o.timeoutS * 1000, TimeoutStrategy.Aggressive);
    this.policy = wrap(retryPolicy, this.breaker, timeoutPolicy);

    retryPolicy.onRetry((r) => {
      const reason = 'error' in r ? this.scrub(r.error.message) : 'unexpected result';
      this.logger?.warn({ provider, attempt: r.attempt, delayMs: Math.round(r.delay) }, `${provider}: retrying after: ${reason}`);
    });
    this.breaker.onBreak(() => this.logger?.warn({ provider }, `${provider}: circuit opened after repeated failures`));
    this.breaker.onReset(() => this.logger?.info({ provider }, `${provider}: circuit closed again`));
  }

  /** Whether the breaker is refusing calls (open after repeated failures). */
  get circuitOpen(): boolean {
    return this.breaker.state === CircuitState.Open || this.breaker.state === CircuitState.Isolated;
  }

  /** Runs one logical call; `fn` gets the attempt's AbortSignal (aborted on timeout or by the caller). */
  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): Promise<T> {
    try {
      return (await this.policy.execute(({ signal }) => fn(signal), callerSignal)) as T;
    } catch (e) {
      throw this.translate(e, callerSignal);
    }
  }

  private translate(e: unknown, callerSignal: AbortSignal | undefined): unknown {
    if (e instanceof BrokenCircuitError) {
      return new ProviderError(this.provider, 'circuit-open', `circuit open after ${this.options.breakerThreshold} consecutive failures; next trial in up to ${this.options.halfOpenAfterS}s`, {
        cause: e,
        fix: 'the chain falls back to cached, modelled or static values meanwhile',
      });
    }
    if (e instanceof TaskCancelledError && !callerSignal?.aborted) {
      return new ProviderError(this.provider, 'timeout', `no answer within ${this.options.timeoutS}s`, { cause: e });
    }
    return e;
  }

  private scrub(text: string): string {
    return this.redactor ? this.redactor.redact(text) : text;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
