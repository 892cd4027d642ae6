import { context, type Tracer } from '@opentelemetry/api';
import { invalidInput, type Logger } from '@verdant/core';
import { EventChannel, startChannelRun, type ChannelRun } from './channel.js';
import { ModelStreamError } from './errors.js';
import { ToolExecutor, type PendingToolCall } from './executor/executor.js';
import type { ToolCallObserver } from './metrics/observer.js';
import { anySignal } from './abort.js';
import { checkRepaired, REPAIRABLE_KINDS, type RepairToolCall, type RepairableErrorKind } from './repair.js';
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
import { AgentTracing, type TurnTrace } from './tracing.js';
import { RunRecorder, type RecordOptions } from './record/recorder.js';

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
  /**
   * Called once for a call that failed before running (arguments not JSON, unknown tool, arguments the schema
   * rejects): what it returns runs in its place. A function of yours, or `repairWithModel(model)`.
   */
  repairToolCall?: RepairToolCall;
  /**
   * OpenTelemetry tracer for the run's spans (see docs/agents.md, Tracing). Default: the global tracer
   * provider's `@verdant/agents` tracer, a no-op unless an OpenTelemetry SDK is registered.
   */
  tracer?: Tracer;
  /** Record the run in a Verdant store as it goes (turns, calls with real times and waits, tokens, cost; see docs/agents.md). */
  record?: RecordOptions;
}

/** A running agent: iterate it (or `.events`) for events in completion order, or await `.result`. */
export type AgentRun = ChannelRun<AgentEvent, AgentResult> & {
  /** The id of the recorded run, when `record` was given. */
  readonly runId?: string;
};

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
  const recorder = options.record ? new RunRecorder(options.record, options.logger) : undefined;
  const loop = new AgentLoop(options, executor, maxSteps, maxStepAttempts, (e) => channel.push(e), recorder);
  const run = startChannelRun(channel, async () => {
    const result = await loop.run();
    channel.push({ type: 'finish', result });
    return result;
  });
  return recorder ? Object.assign(run, { runId: recorder.runId }) : run;
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
    private readonly recorder: RunRecorder | undefined,
  ) {
    this.messages = [...options.messages];
    recorder?.runStarted(options.model);
    this.tracing = new AgentTracing(AgentTracing.tracer(options.tracer), options.model, options);
  }

  private readonly tracing: AgentTracing;

  async run(): Promise<AgentResult> {
    let result: AgentResult;
    try {
      result = await this.loop();
    } catch (error) {
      this.tracing.fail(error);
      await this.recorder?.runFinished({
        status: 'failed',
        steps: this.steps.length,
        usage: this.usage,
        costUsd: costUsd(this.usage, this.options.model.modelId, this.options.pricing),
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    this.tracing.finish({ finishReason: result.finishReason, usage: result.usage, steps: result.steps.length, costUsd: result.costUsd });
    await this.recorder?.runFinished({
      status: result.finishReason === 'cancelled' ? 'cancelled' : 'finished',
      finishReason: result.finishReason,
      steps: result.steps.length,
      usage: result.usage,
      costUsd: result.costUsd,
    });
    return result;
  }

  private async loop(): Promise<AgentResult> {
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
    const turn = this.tracing.startTurn(step);
    this.recorder?.turnStarted(step);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.step(step, turn);
        turn.finish(result);
        this.recorder?.turnFinished(step, { firstTokenAt: turn.firstTokenAtS, finishReason: result.finishReason, usage: result.usage });
        return result;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (this.options.signal?.aborted) {
          turn.fail(error);
          this.recorder?.turnFinished(step, { firstTokenAt: turn.firstTokenAtS, error: 'cancelled' });
          throw new Cancelled();
        }
        if (error instanceof ModelStreamError && error.retryable && attempt < this.maxStepAttempts) {
          this.emit({ type: 'step-retry', step, attempt, error: error.message });
          turn.retried();
          continue;
        }
        turn.fail(error);
        this.recorder?.turnFinished(step, { firstTokenAt: turn.firstTokenAtS, error: message });
        throw error;
      }
    }
  }

  private async step(step: number, turn: TurnTrace): Promise<StepResult> {
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
          case 'tool-call-start':
            turn.firstToken();
            break;
          case 'text-delta':
            turn.firstToken();
            text += event.text;
            this.emit({ type: 'text-delta', step, text: event.text });
            break;
          case 'tool-call-complete': {
            turn.firstToken();
            const call: ToolCall = { id: event.id, name: event.name, args: event.args };
            const index = toolCalls.push(call) - 1;
            this.emit({ type: 'tool-call-start', step, call });
            const onRepaired = (repaired: ToolCall) => {
              toolCalls[index] = repaired; // the transcript carries the call that ran
            };
            pending.push(this.dispatch(step, turn, { ...call, argsError: event.argsError, rawArgs: event.rawArgs }, signal, onRepaired));
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

  private async dispatch(step: number, turn: TurnTrace, call: PendingToolCall, signal: AbortSignal, onRepaired: (call: ToolCall) => void): Promise<ToolResult> {
    const trace = turn.startCall(call, call.rawArgs);
    const recorder = this.recorder;
    recorder?.callDispatched(step, call);
    const onArgsStripped = (c: ToolCall, keys: string[]) => this.emit({ type: 'tool-call-args-stripped', step, call: c, keys });
    const onStart = recorder
      ? (c: ToolCall, attempt: number) => {
          trace.started();
          recorder.callStarted(c, attempt);
        }
      : () => trace.started();
    const onRateLimitWait = recorder ? (c: ToolCall, seconds: number) => recorder.rateLimitWaited(c, seconds) : undefined;
    // execute() runs in the call span's context: spans a tool makes are its children.
    const options = { signal, onArgsStripped, onStart, onRateLimitWait };
    const run = trace.span.isRecording()
      ? (c: PendingToolCall) => context.with(trace.context, () => this.executor.run(c, options))
      : (c: PendingToolCall) => this.executor.run(c, options);
    let result = await run(call);
    const repair = this.options.repairToolCall;
    if (repair && !result.ok && REPAIRABLE_KINDS.has(result.error.kind) && !signal.aborted) {
      const repaired = await this.repair(step, repair, call, result.error as { kind: RepairableErrorKind; message: string }, signal);
      if (repaired) {
        onRepaired(repaired);
        trace.repaired(repaired);
        recorder?.callRepaired(repaired);
        result = await run(repaired);
      }
    }
    trace.finish(result);
    recorder?.callFinished(result);
    if (result.ok) this.emit({ type: 'tool-call-finish', step, result });
    else this.emit({ type: 'tool-call-error', step, result });
    return result;
  }

  /** One repair attempt; the event carries the original and the repaired call. A hook that throws counts as giving up. */
  private async repair(
    step: number,
    repair: RepairToolCall,
    call: PendingToolCall,
    error: { kind: RepairableErrorKind; message: string },
    signal: AbortSignal,
  ): Promise<ToolCall | undefined> {
    const original: ToolCall & { rawArgs?: string } = { id: call.id, name: call.name, args: call.args, ...(call.rawArgs !== undefined ? { rawArgs: call.rawArgs } : {}) };
    let repaired: ToolCall | undefined;
    let repairError: string | undefined;
    try {
      const answer = checkRepaired(
        await repair({ call: { id: call.id, name: call.name, args: call.args }, rawArgs: call.rawArgs, error, tools: this.executor.definitions, messages: this.messages, signal }),
      );
      if (answer) repaired = { id: call.id, name: answer.name, args: answer.args };
    } catch (e) {
      repairError = e instanceof Error ? e.message : String(e);
    }
    this.emit({ type: 'tool-call-repair', step, original, error, repaired, ...(repairError !== undefined ? { repairError } : {}) });
    return repaired;
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
