import { invalidInput, type Logger } from '@verdant/core';
import { EventChannel, startChannelRun, type ChannelRun } from './channel.js';
import { ModelStreamError } from './errors.js';
import { ToolExecutor } from './executor/executor.js';
import type { ToolCallObserver } from './metrics/observer.js';
import { anySignal } from './abort.js';
import type {
  AgentEvent,
  AgentFinishReason,
  AgentResult,
  FinishReason,
  Message,
  ModelAdapter,
  PricingTable,
  StepResult,
  Tool,
  ToolCall,
  ToolResult,
  ToolResultContent,
  Usage,
} from './types.js';
import { addUsage, costUsd, ZERO_USAGE } from './usage.js';

export interface RunAgentOptions {
  model: ModelAdapter;
  tools?: Tool[];
  /** The conversation so far (system prompt, user turn, ...). Not modified. */
  messages: Message[];
  /** Model requests at most (default 10). The run ends with "max-steps" if the model still wants tools. */
  maxSteps?: number;
  /** Cancels the run: the model request, running tool calls (their ctx.signal fires) and queued ones. */
  signal?: AbortSignal;
  /**
   * Tool calls running at once across all tools. Default: no cap, so all calls of a turn start together;
   * each tool's own limits (`limits.concurrency`, rate, ...) apply either way.
   */
  concurrency?: number;
  /** US dollars per million tokens by model id; gives AgentResult.costUsd. */
  pricing?: PricingTable;
  maxTokens?: number;
  temperature?: number;
  /**
   * Requests per step when the stream breaks after output was seen (default 2). Breaks before any output are
   * retried inside the adapter. A re-requested step cancels the calls the broken attempt had dispatched.
   */
  maxStepAttempts?: number;
  logger?: Logger;
  /** Told about every tool call (e.g. `createAgentMetrics().observer`). */
  observer?: ToolCallObserver;
}

/** A running agent: iterate it (or `.events`) for events in completion order, or await `.result`. */
export type AgentRun = ChannelRun<AgentEvent, AgentResult>;

/**
 * The agent loop: ask the model, run the tool calls it makes (each dispatched the moment its arguments are
 * complete in the stream), send the results back, repeat until the model stops calling tools or maxSteps.
 */
export function runAgent(options: RunAgentOptions): AgentRun {
  const maxSteps = options.maxSteps ?? 10;
  const maxStepAttempts = options.maxStepAttempts ?? 2;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw invalidInput('maxSteps', `must be a whole number >= 1, got ${maxSteps}`);
  if (!Number.isInteger(maxStepAttempts) || maxStepAttempts < 1) {
    throw invalidInput('maxStepAttempts', `must be a whole number >= 1, got ${maxStepAttempts}`);
  }
  if (options.messages.length === 0) throw invalidInput('messages', 'is empty', 'start the conversation with at least one user message');
  const executor = new ToolExecutor(options.tools ?? [], {
    concurrency: options.concurrency,
    signal: options.signal,
    logger: options.logger,
    observer: options.observer,
  });

  const channel = new EventChannel<AgentEvent>();
  const loop = new AgentLoop(options, executor, maxSteps, maxStepAttempts, (e) => channel.push(e));
  return startChannelRun(channel, async () => {
    const result = await loop.run();
    channel.push({ type: 'finish', result });
    return result;
  });
}

class Cancelled extends Error {}

class AgentLoop {
  private readonly messages: Message[];
  private readonly steps: StepResult[] = [];
  private usage: Usage = ZERO_USAGE;

  constructor(
    private readonly options: RunAgentOptions,
    private readonly executor: ToolExecutor,
    private readonly maxSteps: number,
    private readonly maxStepAttempts: number,
    private readonly emit: (event: AgentEvent) => void,
  ) {
    this.messages = [...options.messages];
  }

  async run(): Promise<AgentResult> {
    for (let step = 1; step <= this.maxSteps; step++) {
      if (this.options.signal?.aborted) return this.finish('cancelled');
      this.emit({ type: 'step-start', step });
      let result: StepResult;
      try {
        result = await this.stepWithRetries(step);
      } catch (error) {
        if (error instanceof Cancelled) return this.finish('cancelled');
        throw error;
      }
      this.steps.push(result);
      this.usage = addUsage(this.usage, result.usage);
      this.messages.push({ role: 'assistant', content: result.text, ...(result.toolCalls.length > 0 ? { toolCalls: result.toolCalls } : {}) });
      if (result.toolCalls.length > 0) this.messages.push({ role: 'tool', results: result.toolResults.map(toResultContent) });
      this.emit({ type: 'step-finish', step, result });
      if (this.options.signal?.aborted) return this.finish('cancelled');
      if (result.toolCalls.length === 0) return this.finish(agentFinishReason(result.finishReason));
    }
    return this.finish('max-steps');
  }

  private async stepWithRetries(step: number): Promise<StepResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.step(step);
      } catch (error) {
        if (this.options.signal?.aborted) throw new Cancelled();
        if (error instanceof ModelStreamError && error.retryable && attempt < this.maxStepAttempts) {
          this.emit({ type: 'step-retry', step, attempt, error: error.message });
          continue;
        }
        throw error;
      }
    }
  }

  private async step(step: number): Promise<StepResult> {
    // Aborted when this attempt fails, so calls it dispatched do not outlive it.
    const attemptAbort = new AbortController();
    const signal = anySignal(this.options.signal, attemptAbort.signal);
    const toolCalls: ToolCall[] = [];
    const pending: Array<Promise<ToolResult>> = [];
    let text = '';
    let usage: Usage = ZERO_USAGE;
    let finishReason: FinishReason = 'stop';
    try {
      const stream = this.options.model.stream({
        messages: this.messages,
        tools: this.executor.definitions,
        signal,
        maxTokens: this.options.maxTokens,
        temperature: this.options.temperature,
      });
      for await (const event of stream) {
        switch (event.type) {
          case 'text-delta':
            text += event.text;
            this.emit({ type: 'text-delta', step, text: event.text });
            break;
          case 'tool-call-complete': {
            const call: ToolCall = { id: event.id, name: event.name, args: event.args };
            toolCalls.push(call);
            this.emit({ type: 'tool-call-start', step, call });
            pending.push(this.dispatch(step, { ...call, argsError: event.argsError }, signal));
            break;
          }
          case 'usage':
            usage = event.usage; // cumulative for the response: the last one counts
            break;
          case 'finish':
            finishReason = event.reason;
            break;
          default:
            break;
        }
      }
    } catch (error) {
      attemptAbort.abort();
      await Promise.allSettled(pending);
      throw error;
    }
    const toolResults = await Promise.all(pending); // in call order, whatever order they finished in
    return { step, text, toolCalls, toolResults, finishReason, usage };
  }

  private async dispatch(step: number, call: ToolCall & { argsError?: string }, signal: AbortSignal): Promise<ToolResult> {
    const result = await this.executor.run(call, { signal });
    if (result.ok) this.emit({ type: 'tool-call-finish', step, result });
    else this.emit({ type: 'tool-call-error', step, result });
    return result;
  }

  private finish(finishReason: AgentFinishReason): AgentResult {
    return {
      text: this.steps.at(-1)?.text ?? '',
      steps: this.steps,
      messages: this.messages,
      usage: this.usage,
      costUsd: costUsd(this.usage, this.options.model.modelId, this.options.pricing),
      finishReason,
    };
  }
}

/** What the model sees for a result: the output (JSON unless it is a string), or the error with its kind. */
export function toResultContent(result: ToolResult): ToolResultContent {
  if (result.ok) {
    const content = typeof result.output === 'string' ? result.output : (JSON.stringify(result.output) ?? 'null');
    return { callId: result.callId, name: result.name, content, isError: false };
  }
  return { callId: result.callId, name: result.name, content: `${result.error.kind}: ${result.error.message}`, isError: true };
}

function agentFinishReason(reason: FinishReason): AgentFinishReason {
  return reason === 'tool-calls' ? 'other' : reason;
}
