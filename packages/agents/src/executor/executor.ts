import { CircuitState, TaskCancelledError, isBrokenCircuitError } from 'cockatiel';
import { createLogger, invalidInput, type Logger } from '@verdant/core';
import { LinkedAbort } from '../abort.js';
import { ToolUnavailableError } from '../errors.js';
import { toToolDefinition } from '../tool.js';
import type { Tool, ToolCall, ToolDefinition, ToolErrorKind, ToolResult } from '../types.js';
import { limiterFor, type ToolLimiter } from './limiter.js';
import { Semaphore } from './semaphore.js';
import { lazyToolContext } from './tool-context.js';
import type { BreakerState, ToolCallObserver } from '../metrics/observer.js';

/** With a shared rate store, a pass shorter than this is the store's round trip, not a wait for the quota. */
const STORE_WAIT_MIN_S = 0.001;

/** A call as it comes out of a model stream: `argsError` is set when its arguments were not JSON. */
export interface PendingToolCall extends ToolCall {
  argsError?: string;
  /** The argument text as the model sent it (given to a repair hook when it is not JSON). */
  rawArgs?: string;
}

export interface ToolExecutorOptions {
  /**
   * At most this many tool calls run at once across all tools. Default: no global cap (every call starts as
   * soon as its own tool's limits allow); a cap is opt-in, here and per tool (`limits.concurrency`).
   */
  concurrency?: number;
  /** Cancels every call of this executor. */
  signal?: AbortSignal;
  logger?: Logger;
  /** Told about every call (e.g. `createAgentMetrics().observer` for Prometheus series). */
  observer?: ToolCallObserver;
}

export interface RunCallOptions {
  /** Cancels this call (e.g. a branch's or a step's signal); linked with the executor's signal. */
  signal?: AbortSignal;
  /** Called when an attempt actually starts running (after waiting for slots and rate). */
  onStart?: (call: ToolCall, attempt: number) => void;
  /** Called before the call starts when the tool's `unknownArgs: 'strip'` dropped keys (dotted paths) from its arguments. */
  onArgsStripped?: (call: ToolCall, keys: string[]) => void;
  /** Called when the tool's rate limit held this call back, with the seconds it waited (once per attempt held back). */
  onRateLimitWait?: (call: ToolCall, seconds: number) => void;
}

let defaultLogger: Logger | undefined;

/**
 * Runs tool calls concurrently under a global cap and each tool's limits. `run` never rejects: every
 * failure (unknown tool, bad JSON, validation, timeout, cancellation, open circuit, a throw) is a ToolResult.
 */
export class ToolExecutor {
  readonly tools: ReadonlyMap<string, Tool>;
  /** The global cap (Infinity when none): a counter while slots are free, a FIFO line when they are not. */
  private readonly global: Semaphore;
  private readonly releaseGlobal = () => this.global.release();
  private readonly signal: AbortSignal | undefined;
  private readonly logger: Logger;
  private readonly observer: ToolCallObserver | undefined;

  constructor(tools: readonly Tool[], options: ToolExecutorOptions = {}) {
    const byName = new Map<string, Tool>();
    for (const t of tools) {
      if (byName.has(t.name)) throw invalidInput('tools', `two tools are named "${t.name}"`, 'give every tool a unique name');
      byName.set(t.name, t);
    }
    const concurrency = options.concurrency ?? Infinity;
    if (concurrency !== Infinity && (!Number.isInteger(concurrency) || concurrency < 1)) {
      throw invalidInput('concurrency', `must be a whole number >= 1 (or Infinity for no cap), got ${concurrency}`, 'leave it out for no global cap');
    }
    this.tools = byName;
    this.global = new Semaphore(concurrency);
    this.signal = options.signal;
    this.logger = options.logger ?? (defaultLogger ??= createLogger('verdant-agents'));
    this.observer = options.observer;
  }

  get definitions(): ToolDefinition[] {
    return [...this.tools.values()].map(toToolDefinition);
  }

  run(call: PendingToolCall, options: RunCallOptions = {}): Promise<ToolResult> {
    const observer = this.observer;
    return observer ? this.runObserved(call, options, observer) : this.runCall(call, options.signal, options.onStart, options.onArgsStripped, options.onRateLimitWait);
  }

  private async runObserved(call: PendingToolCall, options: RunCallOptions, observer: ToolCallObserver): Promise<ToolResult> {
    let firstStartMs: number | undefined;
    const onStart = (c: ToolCall, attempt: number) => {
      if (firstStartMs === undefined) {
        firstStartMs = performance.now();
        observer.callStarted(c.name);
      }
      options.onStart?.(c, attempt);
    };
    const result = await this.runCall(call, options.signal, onStart, options.onArgsStripped, options.onRateLimitWait);
    const seconds = firstStartMs === undefined ? 0 : (performance.now() - firstStartMs) / 1000;
    observer.callFinished(call.name, result.ok ? 'ok' : result.error.kind, seconds, firstStartMs !== undefined);
    const t = this.tools.get(call.name);
    const breaker = t && limiterFor(t).breaker;
    if (breaker) observer.breakerStateChanged(call.name, breakerState(breaker.state));
    return result;
  }

  private async runCall(
    call: PendingToolCall,
    callSignal: AbortSignal | undefined,
    onStart: RunCallOptions['onStart'],
    onArgsStripped: RunCallOptions['onArgsStripped'],
    onRateLimitWait?: RunCallOptions['onRateLimitWait'],
  ): Promise<ToolResult> {
    const { id: callId, name } = call;
    const t = this.tools.get(name);
    if (!t) return failed(call, 'unknown-tool', `unknown tool "${name}"; available tools: ${[...this.tools.keys()].join(', ') || 'none'}`);
    if (call.argsError !== undefined) return failed(call, 'invalid-json', `arguments are not valid JSON: ${call.argsError}`);
    const parsed = t.parseArgs(call.args);
    if (!parsed.ok) return failed(call, 'validation', parsed.message);
    if (parsed.stripped.length > 0) onArgsStripped?.(call, parsed.stripped);

    // Linked lazily: a call whose tool never reads ctx.signal and never waits costs no signal and no listener.
    const abort = new LinkedAbort(this.signal, callSignal);
    if (abort.aborted) return failed(call, 'cancelled', 'cancelled before it started');
    const limiter = limiterFor(t);
    const progress: Progress = { attempts: 0, startedAt: undefined };
    const begin = () => {
      // A call granted a slot in the same tick its signal fired must still never start.
      abort.throwIfAborted();
      progress.attempts += 1;
      progress.startedAt ??= nowSeconds();
      onStart?.(call, progress.attempts);
    };
    try {
      let output = limiter.unlimited ? this.runUnlimited(t, parsed.value, abort, begin, callId) : this.runLimited(t, limiter, parsed.value, abort, begin, callId, onRateLimitWait && ((s: number) => onRateLimitWait(call, s)));
      if (isThenable(output)) output = await output; // a synchronous tool's result is used as is, without a microtask hop
      return { callId, name, ok: true, output, attempts: progress.attempts, startedAt: progress.startedAt!, finishedAt: nowSeconds() };
    } catch (error) {
      const { attempts, startedAt } = progress;
      if (abort.aborted) return failed(call, 'cancelled', startedAt === undefined ? 'cancelled before it started' : 'cancelled while running', attempts, startedAt);
      // Not cockatiel's isTaskCancelledError: in 3.2.1 it tests the wrong property and is always false.
      if (error instanceof TaskCancelledError) return failed(call, 'timeout', `timed out after ${t.limits.timeoutMs} ms (attempt ${attempts})`, attempts, startedAt);
      if (isBrokenCircuitError(error)) return failed(call, 'circuit-open', `circuit open after repeated failures of ${name}; not called`, attempts, startedAt);
      if (error instanceof ToolUnavailableError) return failed(call, 'unavailable', error.message, attempts, startedAt);
      this.logger.debug({ tool: name, callId, err: error }, 'tool call failed');
      return failed(call, 'execution', error instanceof Error ? error.message : String(error), attempts, startedAt);
    } finally {
      abort.dispose();
    }
  }

  /**
   * The fast path of a tool without limits: a global slot (taken synchronously when one is free), then
   * execute. No queue, no policy wrappers; a synchronous tool's output comes back as is (no promise), and
   * a throw is thrown synchronously.
   */
  private runUnlimited(t: Tool, args: unknown, abort: LinkedAbort, begin: () => void, callId: string): unknown {
    if (this.global.tryAcquire()) return this.executeInSlot(t, args, abort, begin, callId);
    return this.global.acquire(abort.signal).then(() => this.executeInSlot(t, args, abort, begin, callId));
  }

  /** Runs a tool without limits in the global slot its caller holds, and gives the slot back when it settles. */
  private executeInSlot(t: Tool, args: unknown, abort: LinkedAbort, begin: () => void, callId: string): unknown {
    let output: unknown;
    try {
      begin();
      output = t.execute(args, lazyToolContext(callId, t.name, this.logger, () => abort.signal));
    } catch (error) {
      this.global.release();
      throw error;
    }
    if (!isThenable(output)) {
      this.global.release();
      abort.throwIfAborted(); // cancelled while it ran: reported as cancelled, as an asynchronous tool would be
      return output;
    }
    // The slot is held until the tool settles, even when the call is reported cancelled before that.
    const settled = Promise.resolve(output);
    settled.then(this.releaseGlobal, this.releaseGlobal);
    return abort.race(settled);
  }

  /**
   * A tool with limits. One attempt waits for a tool slot, then a global slot, then a rate token (so a rate
   * wait never lets starts bunch up past the limit), and runs behind the breaker and the timeout; retries
   * wrap the whole attempt, so a call waiting out its backoff holds no slot.
   */
  private runLimited(
    t: Tool,
    limiter: ToolLimiter,
    args: unknown,
    abort: LinkedAbort,
    begin: () => void,
    callId: string,
    onRateWait: ((seconds: number) => void) | undefined,
  ): Promise<unknown> {
    const signal = abort.signal;
    const start = () => {
      begin();
      const execute = (s: AbortSignal) => Promise.resolve(t.execute(args, lazyToolContext(callId, t.name, this.logger, () => s)));
      const timed = () =>
        limiter.timeout
          ? limiter.timeout.execute(async (_ctx, attemptSignal) => {
              try {
                return await execute(attemptSignal);
              } catch (error) {
                // The tool rejected because the timeout aborted its signal: that is a timeout.
                if (attemptSignal.aborted && !signal.aborted) throw new TaskCancelledError(`timed out after ${t.limits.timeoutMs} ms`);
                throw error;
              }
            }, signal)
          : execute(signal);
      return limiter.breaker ? limiter.breaker.execute(timed, signal) : timed();
    };
    const attempt = async () => {
      const slots = limiter.slots;
      if (slots && !slots.tryAcquire()) await slots.acquire(signal);
      try {
        if (!this.global.tryAcquire()) await this.global.acquire(signal);
        try {
          return await this.gateRate(t, limiter, start, signal, onRateWait);
        } finally {
          this.global.release();
        }
      } finally {
        slots?.release();
      }
    };
    return abort.race(limiter.retry ? limiter.retry.execute(attempt, signal) : attempt());
  }

  /** Waits for the tool's rate limit (a shared store such as Redis, or the local window), reports the wait, starts. */
  private async gateRate<T>(t: Tool, limiter: ToolLimiter, start: () => Promise<T>, signal: AbortSignal, onWait: ((seconds: number) => void) | undefined): Promise<T> {
    const rate = t.limits.rate;
    if (!rate) return start();
    const queuedAt = performance.now();
    const waitedS = () => (performance.now() - queuedAt) / 1000;
    if (rate.store) {
      // A shared store cannot say whether it held the call back: a pass under a millisecond is the cost of
      // asking it (a round trip), not a wait for the quota.
      await rate.store.acquire(rate.key ?? t.name, signal, { limit: rate.limit, intervalMs: rate.intervalMs });
      const s = waitedS();
      if (s >= STORE_WAIT_MIN_S) {
        this.observer?.rateLimitWaited(t.name, s);
        onWait?.(s);
      }
      return start();
    }
    // The local gate starts a call with quota left synchronously, inside add(); a call that starts later was
    // held back by the window. That, not the time the pass took on a busy machine, decides what is a wait.
    let deferred = false;
    const started = limiter.rate!.add(
      () => {
        if (deferred) {
          const s = waitedS();
          this.observer?.rateLimitWaited(t.name, s);
          onWait?.(s);
        }
        return start();
      },
      { signal },
    );
    deferred = true;
    return started;
  }
}

/** CircuitState -> the observer's names (a manually isolated circuit counts as open). */
function breakerState(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return 'closed';
  return state === CircuitState.HalfOpen ? 'half-open' : 'open';
}

interface Progress {
  attempts: number;
  startedAt: number | undefined;
}

function failed(call: ToolCall, kind: ToolErrorKind, message: string, attempts = 0, startedAt?: number): ToolResult {
  return { callId: call.id, name: call.name, ok: false, error: { kind, message }, attempts, startedAt, finishedAt: nowSeconds() };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

function nowSeconds(): number {
  return Date.now() / 1000;
}
