import PQueue from 'p-queue';
import { isBrokenCircuitError, isTaskCancelledError } from 'cockatiel';
import { z } from 'zod';
import { createLogger, invalidInput, type Logger } from '@verdant/core';
import { anySignal, raceAbort } from '../signals.js';
import { toToolDefinition } from '../tool.js';
import type { Tool, ToolCall, ToolDefinition, ToolErrorKind, ToolResult } from '../types.js';
import { limiterFor } from './limiter.js';

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
  }

  get definitions(): ToolDefinition[] {
    return [...this.tools.values()].map(toToolDefinition);
  }

  async run(call: PendingToolCall, options: RunCallOptions = {}): Promise<ToolResult> {
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
                  limiter.timeout ? limiter.timeout.execute((_ctx, s) => execute(s), signal) : execute(signal);
                return limiter.breaker ? limiter.breaker.execute(timed, signal) : timed();
              };
              return limiter.rate ? limiter.rate.add(start, { signal }) : start();
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
      if (isTaskCancelledError(error)) return fail('timeout', `timed out after ${t.limits.timeoutMs} ms (attempt ${attempts})`, attempts, startedAt);
      if (isBrokenCircuitError(error)) return fail('circuit-open', `circuit open after repeated failures of ${name}; not called`, attempts, startedAt);
      logger.debug({ err: error }, 'tool call failed');
      return fail('execution', error instanceof Error ? error.message : String(error), attempts, startedAt);
    }
  }
}

function nowSeconds(): number {
  return Date.now() / 1000;
}
