import PQueue from 'p-queue';
import { CircuitState, TaskCancelledError, isBrokenCircuitError } from 'cockatiel';
import { z } from 'zod';
import { createLogger, invalidInput, type Logger } from '@verdant/core';
import { anySignal, raceAbort } from '../signals.js';
import { toToolDefinition } from '../tool.js';
import type { Tool, ToolCall, ToolDefinition, ToolErrorKind, ToolResult } from '../types.js';
import { limiterFor, type ToolLimiter } from './limiter.js';
import type { BreakerState, ToolCallObserver } from '../metrics/observer.js';

/** A call as it comes out of a model stream: `argsError` is set when its arguments were not JSON. */
export interface PendingToolCall extends ToolCall {
  argsError?: string;
}

export interface ToolExecutorOptions {
  /** At most this many tool calls run at once across all tools (default 8). */
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
}

let defaultLogger: Logger | undefined;

/**
 * Runs tool calls concurrently under a global cap and each tool's limits. `run` never rejects: every
 * failure (unknown tool, bad JSON, validation, timeout, cancellation, open circuit, a throw) is a ToolResult.
 */
export class ToolExecutor {
  readonly tools: ReadonlyMap<string, Tool>;
  private readonly global: PQueue;
  private readonly signal: AbortSignal | undefined;
  private readonly logger: Logger;
  private readonly observer: ToolCallObserver | undefined;

  constructor(tools: readonly Tool[], options: ToolExecutorOptions = {}) {
    const byName = new Map<string, Tool>();
    for (const t of tools) {
      if (byName.has(t.name)) throw invalidInput('tools', `two tools are named "${t.name}"`, 'give every tool a unique name');
      byName.set(t.name, t);
    }
    const concurrency = options.concurrency ?? 8;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw invalidInput('concurrency', `must be a whole number >= 1, got ${concurrency}`);
    }
    this.tools = byName;
    this.global = new PQueue({ concurrency });
    this.signal = options.signal;
    this.logger = options.logger ?? (defaultLogger ??= createLogger('verdant-agents'));
    this.observer = options.observer;
  }

  get definitions(): ToolDefinition[] {
    return [...this.tools.values()].map(toToolDefinition);
  }

  async run(call: PendingToolCall, options: RunCallOptions = {}): Promise<ToolResult> {
    const observer = this.observer;
    if (!observer) return this.runCall(call, options);
    let firstStartMs: number | undefined;
    const onStart = (c: ToolCall, attempt: number) => {
      if (firstStartMs === undefined) {
        firstStartMs = performance.now();
        observer.callStarted(c.name);
      }
      options.onStart?.(c, attempt);
    };
    const result = await this.runCall(call, { ...options, onStart });
    const seconds = firstStartMs === undefined ? 0 : (performance.now() - firstStartMs) / 1000;
    observer.callFinished(call.name, result.ok ? 'ok' : result.error.kind, seconds, firstStartMs !== undefined);
    const t = this.tools.get(call.name);
    const breaker = t && limiterFor(t).breaker;
    if (breaker) observer.breakerStateChanged(call.name, breakerState(breaker.state));
    return result;
  }

  private async runCall(call: PendingToolCall, options: RunCallOptions): Promise<ToolResult> {
    const { id: callId, name } = call;
    const fail = (kind: ToolErrorKind, message: string, attempts = 0, startedAt?: number): ToolResult => ({
      callId, name, ok: false, error: { kind, message }, attempts, startedAt, finishedAt: nowSeconds(),
    });

    const t = this.tools.get(name);
    if (!t) return fail('unknown-tool', `unknown tool "${name}"; available tools: ${[...this.tools.keys()].join(', ') || 'none'}`);
    if (call.argsError !== undefined) return fail('invalid-json', `arguments are not valid JSON: ${call.argsError}`);
    const parsed = t.input.safeParse(call.args);
    if (!parsed.success) return fail('validation', `invalid arguments for ${name}:\n${z.prettifyError(parsed.error)}`);

    const signal = anySignal(this.signal, options.signal);
    if (signal.aborted) return fail('cancelled', 'cancelled before it started');
    const limiter = limiterFor(t);
    const logger = this.logger.child({ tool: name, callId });
    let attempts = 0;
    let startedAt: number | undefined;

    // One attempt waits for a tool slot, then a global slot, then a rate token (so a rate wait never lets
    // starts bunch up past the limit), and runs behind the breaker and the timeout.
    const attempt = () =>
      limiter.slots.add(
        () =>
          this.global.add(
            () => {
              const start = async () => {
                attempts += 1;
                startedAt ??= nowSeconds();
                options.onStart?.(call, attempts);
                const execute = (s: AbortSignal) => Promise.resolve(t.execute(parsed.data, { signal: s, callId, logger }));
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
              return this.gateRate(t, limiter, start, signal);
            },
            { signal },
          ),
        { signal },
      );

    try {
      const work = limiter.retry ? limiter.retry.execute(attempt, signal) : attempt();
      const output = await raceAbort(work, signal);
      return { callId, name, ok: true, output, attempts, startedAt: startedAt!, finishedAt: nowSeconds() };
    } catch (error) {
      if (signal.aborted) return fail('cancelled', startedAt === undefined ? 'cancelled before it started' : 'cancelled while running', attempts, startedAt);
      // Not cockatiel's isTaskCancelledError: in 3.2.1 it tests the wrong property and is always false.
      if (error instanceof TaskCancelledError) return fail('timeout', `timed out after ${t.limits.timeoutMs} ms (attempt ${attempts})`, attempts, startedAt);
      if (isBrokenCircuitError(error)) return fail('circuit-open', `circuit open after repeated failures of ${name}; not called`, attempts, startedAt);
      logger.debug({ err: error }, 'tool call failed');
      return fail('execution', error instanceof Error ? error.message : String(error), attempts, startedAt);
    }
  }
  /** Waits for the tool's rate limit (a shared store such as Redis, or the local window), reports the wait, starts. */
  private async gateRate<T>(t: Tool, limiter: ToolLimiter, start: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const rate = t.limits.rate;
    if (!rate) return start();
    const queuedAt = performance.now();
    const report = () => this.observer?.rateLimitWaited(t.name, (performance.now() - queuedAt) / 1000);
    if (rate.store) {
      await rate.store.acquire(rate.key ?? t.name, signal, { limit: rate.limit, intervalMs: rate.intervalMs });
      report();
      return start();
    }
    return limiter.rate!.add(
      () => {
        report();
        return start();
      },
      { signal },
    );
  }
}

/** CircuitState -> the observer's names (a manually isolated circuit counts as open). */
function breakerState(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return 'closed';
  return state === CircuitState.HalfOpen ? 'half-open' : 'open';
}

function nowSeconds(): number {
  return Date.now() / 1000;
}
