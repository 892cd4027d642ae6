/**
 * The core types of @verdant/agents: tools, the vendor-neutral message shapes, the model adapter
 * interface (request -> stream of normalized events) and the agent event stream.
 * Kept small on purpose: one model-adapter interface, one loop, typed events.
 */
import type { z } from 'zod';
import type { Logger } from '@verdant/core';

// ---------------------------------------------------------------------------------------------------------
// Tools

/** Per-tool limits, enforced by the executor (its own semaphore for concurrency, p-queue for the rate, cockatiel for the rest). */
export interface ToolLimits {
  /** At most this many calls of this tool run at once (default: unlimited, only the global cap applies). */
  concurrency?: number;
  /**
   * At most `limit` call starts per `intervalMs` window. With `store` (e.g. a RedisRateLimiter) the window is
   * shared by every process using that store under `key` (default: the tool's name).
   */
  rate?: { limit: number; intervalMs: number; store?: RateLimitStore; key?: string };
  /** Each attempt is aborted (ctx.signal fires) after this many milliseconds. */
  timeoutMs?: number;
  /** Failed attempts are retried with jittered exponential backoff. maxAttempts counts the first try. */
  retries?: { maxAttempts: number; baseDelayMs?: number; maxDelayMs?: number };
  /** After `threshold` consecutive failures the tool fails fast until `halfOpenAfterMs` has passed. */
  circuitBreaker?: { threshold: number; halfOpenAfterMs: number };
}

/** A rate limit shared outside this process (see RedisRateLimiter). acquire() resolves once a start is allowed. */
export interface RateLimitStore {
  acquire(key: string, signal?: AbortSignal, quota?: { limit: number; intervalMs: number }): Promise<{ waitedMs: number }>;
}

/** What a tool's execute() receives besides its validated arguments. */
export interface ToolContext {
  /** Fires when the run, the branch or this call is cancelled, or when the attempt times out. */
  signal: AbortSignal;
  /** The model's id for this call (OpenAI `tool_calls[].id`, Anthropic `tool_use.id`). */
  callId: string;
  logger: Logger;
}

/** A tool the model may call. Build one with `tool({...})`. */
export interface Tool<Input = any, Output = unknown> {
  readonly name: string;
  readonly description: string;
  /** The zod schema, for tools defined with one (undefined for JSON Schema tools). */
  readonly input?: z.ZodType<Input>;
  /** The JSON Schema sent to the model: derived from zod, or the tool's JSON Schema as given. */
  readonly inputJsonSchema: Record<string, unknown>;
  /** What a key the schema does not declare does to a call: an error to the model (default) or dropped with an event. */
  readonly unknownArgs: 'reject' | 'strip';
  /** Numbers and booleans sent as strings ("5", "true") are converted where the schema says number/integer/boolean. */
  readonly coerce: boolean;
  /** Normalizes (unknown keys, null for optional fields, coercion) and validates a call's arguments. */
  parseArgs(args: unknown): ParsedArgs<Input>;
  readonly limits: ToolLimits;
  execute(args: Input, ctx: ToolContext): Promise<Output> | Output;
}

/** The outcome of Tool.parseArgs. `stripped` lists the dotted paths of unknown keys dropped under `unknownArgs: 'strip'`. */
export type ParsedArgs<Input = unknown> =
  | { ok: true; value: Input; stripped: string[] }
  | { ok: false; message: string; unknownKeys: string[] };

/** The part of a tool a model adapter sends to the vendor. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** A call the model asked for, with its arguments parsed from JSON (not yet validated). */
export interface ToolCall {
  id: string;
  name: string;
  args: unknown;
}

export type ToolErrorKind =
  | 'invalid-json' // the model's arguments were not JSON
  | 'validation' // zod rejected the arguments (message is zod's)
  | 'unknown-tool' // no tool of that name
  | 'timeout'
  | 'cancelled'
  | 'circuit-open'
  | 'unavailable' // the tool's server could not be reached or went away during the call (ToolUnavailableError)
  | 'execution'; // execute() threw

/** The outcome of one call. Failures are values: they go back to the model, they never crash a run. */
export type ToolResult =
  | { callId: string; name: string; ok: true; output: unknown; attempts: number; startedAt: number; finishedAt: number }
  | {
      callId: string;
      name: string;
      ok: false;
      error: { kind: ToolErrorKind; message: string };
      attempts: number;
      /** Epoch seconds; undefined when the call never started (cancelled while waiting, invalid input). */
      startedAt?: number;
      finishedAt: number;
    };

// ---------------------------------------------------------------------------------------------------------
// Messages (vendor-neutral; each adapter converts to its wire shape)

export interface SystemMessage {
  role: 'system';
  content: string;
}
export interface UserMessage {
  role: 'user';
  content: string;
}
export interface AssistantMessage {
  role: 'assistant';
  content: string;
  /** In the order the model emitted them; tool results go back in this order. */
  toolCalls?: ToolCall[];
}
/** The results of one assistant turn's tool calls, in the order of that turn's toolCalls. */
export interface ToolResultsMessage {
  role: 'tool';
  results: ToolResultContent[];
}
export interface ToolResultContent {
  callId: string;
  name: string;
  /** Text sent to the model: the JSON of the output, or the error message. */
  content: string;
  isError: boolean;
}
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolResultsMessage;

// ---------------------------------------------------------------------------------------------------------
// Models

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export type FinishReason = 'stop' | 'tool-calls' | 'length' | 'content-filter' | 'other';

export interface ModelRequest {
  messages: Message[];
  tools?: ToolDefinition[];
  signal?: AbortSignal;
  maxTokens?: number;
  temperature?: number;
}

/**
 * The normalized stream every adapter emits. `tool-call-complete` fires the moment a call's arguments
 * are complete in the stream (OpenAI: they parse as a JSON object, or the next index starts, or the
 * message finishes; Anthropic: content_block_stop), so callers can dispatch it before the message ends.
 * `usage` carries the response's cumulative usage: the last one counts.
 */
export type ModelEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; id: string; argsDelta: string }
  | {
      type: 'tool-call-complete';
      index: number;
      id: string;
      name: string;
      /** Parsed JSON arguments; undefined when `argsError` is set. */
      args: unknown;
      rawArgs: string;
      /** Set when the arguments were not valid JSON. */
      argsError?: string;
    }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason };

/** A model adapter: turns a request to one vendor's model into a stream of normalized events. Errors are thrown from the iterator. */
export interface ModelAdapter {
  /** "openai-compatible", "anthropic", ... */
  readonly vendor: string;
  /** The model name sent to the vendor; also the key of the pricing table. */
  readonly modelId: string;
  stream(request: ModelRequest): AsyncIterable<ModelEvent>;
}

// ---------------------------------------------------------------------------------------------------------
// Agent loop

/** Prices in US dollars per million tokens, keyed by model id. */
export type PricingTable = Record<string, { inputPerMillion: number; outputPerMillion: number }>;

export interface StepResult {
  step: number;
  text: string;
  toolCalls: ToolCall[];
  toolResults: ToolResult[];
  finishReason: FinishReason;
  usage: Usage;
}

export type AgentFinishReason = 'stop' | 'max-steps' | 'length' | 'content-filter' | 'cancelled' | 'other';

export interface AgentResult {
  /** Text of the last step. */
  text: string;
  steps: StepResult[];
  /** The conversation including every assistant turn and tool result. */
  messages: Message[];
  usage: Usage;
  /** US dollars; undefined when no pricing was given for the model. */
  costUsd: number | undefined;
  finishReason: AgentFinishReason;
}

/** Events of a run, in completion order. */
export type AgentEvent =
  | { type: 'step-start'; step: number }
  | { type: 'text-delta'; step: number; text: string }
  /** The call was dispatched to the executor (it may still wait for a slot). */
  | { type: 'tool-call-start'; step: number; call: ToolCall }
  | { type: 'tool-call-finish'; step: number; result: Extract<ToolResult, { ok: true }> }
  | { type: 'tool-call-error'; step: number; result: Extract<ToolResult, { ok: false }> }
  /** The tool's `unknownArgs: 'strip'` dropped these keys (dotted paths) from the call's arguments before it ran. */
  | { type: 'tool-call-args-stripped'; step: number; call: ToolCall; keys: string[] }
  /**
   * A malformed call (invalid-json, unknown-tool, validation) went to the repair hook. `repaired` is the call
   * run in its place (same id), undefined when the hook gave up or failed (`repairError`): then the original error stands.
   */
  | {
      type: 'tool-call-repair';
      step: number;
      original: ToolCall & { rawArgs?: string };
      error: { kind: ToolErrorKind; message: string };
      repaired: ToolCall | undefined;
      repairError?: string;
    }
  /** The model stream dropped after events were emitted; the step is re-requested from the start. */
  | { type: 'step-retry'; step: number; attempt: number; error: string }
  | { type: 'step-finish'; step: number; result: StepResult }
  | { type: 'finish'; result: AgentResult };
