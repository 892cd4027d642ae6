/**
 * OpenTelemetry spans for agent runs, through @opentelemetry/api only: without an SDK registered (or a
 * tracer given) every span is a no-op and nothing is computed for it. Attribute names follow the
 * OpenTelemetry semantic conventions for generative AI (gen_ai.*) where they have one; the rest are
 * `verdant.*`, in SI units with the unit in the name.
 *
 * Span tree: `invoke_agent` (the run) → `chat {model}` (one per model turn, attempt retries included) →
 * `execute_tool {tool}` (one per call the turn made; it may end after its turn's span, since calls start
 * while the model still streams).
 */
import { context, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { AgentFinishReason, FinishReason, ModelAdapter, ToolCall, ToolResult, Usage } from './types.js';

export const TRACER_NAME = '@verdant/agents';

/** Attribute names (GenAI semantic conventions, then Verdant's own). */
export const ATTR = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  finishReasons: 'gen_ai.response.finish_reasons',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  errorType: 'error.type',
  step: 'verdant.agent.step',
  steps: 'verdant.agent.steps',
  agentFinishReason: 'verdant.agent.finish_reason',
  costUsd: 'verdant.agent.cost_usd',
  timeToFirstTokenS: 'verdant.agent.time_to_first_token_s',
  stepAttempts: 'verdant.agent.step_attempts',
  argsBytes: 'verdant.tool.args_bytes',
  status: 'verdant.tool.status',
  attempts: 'verdant.tool.attempts',
  retries: 'verdant.tool.retries',
  queueWaitS: 'verdant.tool.queue_wait_s',
  repaired: 'verdant.tool.repaired',
} as const;

export class AgentTracing {
  private readonly runSpan: Span;
  private readonly runContext: Context;

  constructor(
    private readonly tracer: Tracer,
    private readonly model: ModelAdapter,
    request: { maxTokens?: number; temperature?: number },
  ) {
    this.runSpan = tracer.startSpan(
      'invoke_agent',
      { kind: SpanKind.INTERNAL, attributes: { [ATTR.operationName]: 'invoke_agent', [ATTR.providerName]: model.vendor, [ATTR.requestModel]: model.modelId } },
      context.active(),
    );
    if (this.runSpan.isRecording()) {
      if (request.maxTokens !== undefined) this.runSpan.setAttribute(ATTR.requestMaxTokens, request.maxTokens);
      if (request.temperature !== undefined) this.runSpan.setAttribute(ATTR.requestTemperature, request.temperature);
    }
    this.runContext = trace.setSpan(context.active(), this.runSpan);
  }

  static tracer(given: Tracer | undefined): Tracer {
    return given ?? trace.getTracer(TRACER_NAME);
  }

  startTurn(step: number): TurnTrace {
    const span = this.tracer.startSpan(
      `chat ${this.model.modelId}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { [ATTR.operationName]: 'chat', [ATTR.providerName]: this.model.vendor, [ATTR.requestModel]: this.model.modelId, [ATTR.step]: step },
      },
      this.runContext,
    );
    return new TurnTrace(this.tracer, span, trace.setSpan(this.runContext, span));
  }

  finish(result: { finishReason: AgentFinishReason; usage: Usage; steps: number; costUsd: number | undefined }): void {
    const span = this.runSpan;
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR.inputTokens]: result.usage.inputTokens,
        [ATTR.outputTokens]: result.usage.outputTokens,
        [ATTR.agentFinishReason]: result.finishReason,
        [ATTR.steps]: result.steps,
      });
      if (result.costUsd !== undefined) span.setAttribute(ATTR.costUsd, result.costUsd);
    }
    span.end();
  }

  fail(error: unknown): void {
    failSpan(this.runSpan, error);
    this.runSpan.end();
  }
}

export class TurnTrace {
  private readonly startedMs = performance.now();
  private firstTokenMs: number | undefined;
  private attempts = 1;

  constructor(
    private readonly tracer: Tracer,
    readonly span: Span,
    private readonly context: Context,
  ) {}

  /** Epoch seconds of the first piece of output of the turn's last attempt, when there was one. */
  firstTokenAtS: number | undefined;

  /** The first piece of output (text or a tool call) arrived. */
  firstToken(): void {
    if (this.firstTokenMs !== undefined) return;
    this.firstTokenMs = performance.now();
    this.firstTokenAtS = Date.now() / 1000;
  }

  retried(): void {
    this.attempts += 1;
    this.firstTokenMs = undefined;
    this.firstTokenAtS = undefined;
  }

  startCall(call: ToolCall, rawArgs: string | undefined): CallTrace {
    const span = this.tracer.startSpan(
      `execute_tool ${call.name}`,
      { kind: SpanKind.INTERNAL, attributes: { [ATTR.operationName]: 'execute_tool', [ATTR.toolName]: call.name, [ATTR.toolCallId]: call.id, [ATTR.toolType]: 'function' } },
      this.context,
    );
    if (span.isRecording()) span.setAttribute(ATTR.argsBytes, byteLength(rawArgs ?? JSON.stringify(call.args) ?? ''));
    return new CallTrace(span, trace.setSpan(this.context, span));
  }

  finish(result: { finishReason: FinishReason; usage: Usage }): void {
    const span = this.span;
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR.inputTokens]: result.usage.inputTokens,
        [ATTR.outputTokens]: result.usage.outputTokens,
        [ATTR.finishReasons]: [result.finishReason],
        [ATTR.stepAttempts]: this.attempts,
      });
      if (this.firstTokenMs !== undefined) span.setAttribute(ATTR.timeToFirstTokenS, (this.firstTokenMs - this.startedMs) / 1000);
    }
    span.end();
  }

  fail(error: unknown): void {
    failSpan(this.span, error);
    this.span.end();
  }
}

export class CallTrace {
  private readonly dispatchedMs = performance.now();
  private startedMs: number | undefined;
  private repairedCall = false;

  constructor(
    readonly span: Span,
    /** The context execute() runs in, so spans a tool makes are children of its call's span. */
    readonly context: Context,
  ) {}

  /** The first attempt left the queues (slots, rate limit). */
  started(): void {
    this.startedMs ??= performance.now();
  }

  repaired(call: ToolCall): void {
    this.repairedCall = true;
    if (this.span.isRecording()) this.span.setAttributes({ [ATTR.repaired]: true, [ATTR.toolName]: call.name });
  }

  finish(result: ToolResult): void {
    const span = this.span;
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR.status]: result.ok ? 'ok' : result.error.kind,
        [ATTR.attempts]: result.attempts,
        [ATTR.retries]: Math.max(0, result.attempts - 1),
        [ATTR.repaired]: this.repairedCall,
      });
      if (this.startedMs !== undefined) span.setAttribute(ATTR.queueWaitS, (this.startedMs - this.dispatchedMs) / 1000);
      if (!result.ok) {
        span.setAttribute(ATTR.errorType, result.error.kind);
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.error.message });
      }
    }
    span.end();
  }
}

function failSpan(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setAttribute(ATTR.errorType, err.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
