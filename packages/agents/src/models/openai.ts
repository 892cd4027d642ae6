import type { EventSourceMessage } from 'eventsource-parser';
import { invalidInput } from '@verdant/core';
import { ModelStreamError } from '../errors.js';
import type { FinishReason, Message, ModelAdapter, ModelEvent, ModelRequest, ToolDefinition, Usage } from '../types.js';
import { joinUrl, modelRetryPolicy, streamEvents, type HttpModelOptions, type StreamDecoder } from './http.js';
import { parseJsonEvent } from './sse.js';
import { JsonObjectScanner, parseToolArgs } from './tool-args.js';

const VENDOR = 'openai-compatible';

export interface OpenAICompatibleOptions extends HttpModelOptions {
  /** The API root that `/chat/completions` is appended to, e.g. ".../v1". Required: any server speaking the protocol. */
  baseUrl: string;
  /** Sent as `parallel_tool_calls` when set. */
  parallelToolCalls?: boolean;
  /**
   * The request field that carries `maxTokens`: `max_completion_tokens` (default; OpenAI's reasoning models
   * reject `max_tokens`) or `max_tokens`, for older compatible servers that know only that one.
   */
  maxTokensField?: 'max_completion_tokens' | 'max_tokens';
  /**
   * Ask for token usage at the end of the stream with `stream_options: { include_usage: true }` (default
   * true). false leaves `stream_options` out, for older compatible servers that reject it; usage is then
   * whatever the server sends unasked (often none).
   */
  streamUsage?: boolean;
}

/** A Chat Completions model (streaming, tools, parallel tool calls, usage) on any server that speaks the protocol. */
export function openaiCompatible(options: OpenAICompatibleOptions): ModelAdapter {
  if (!options.baseUrl) throw invalidInput('baseUrl', 'is required', 'pass the API root, e.g. "http://127.0.0.1:8000/v1"');
  if (!options.model) throw invalidInput('model', 'is required', 'pass the model name the server knows');
  if (options.maxTokensField !== undefined && options.maxTokensField !== 'max_completion_tokens' && options.maxTokensField !== 'max_tokens') {
    throw invalidInput('maxTokensField', `unknown field "${String(options.maxTokensField)}"`, 'use "max_completion_tokens" or "max_tokens"');
  }
  const policy = modelRetryPolicy(options.retries);
  const url = joinUrl(options.baseUrl, 'chat/completions');
  return {
    vendor: VENDOR,
    modelId: options.model,
    stream(request: ModelRequest): AsyncIterable<ModelEvent> {
      const headers: Record<string, string> = { ...options.headers };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
      return streamEvents({ vendor: VENDOR, url, headers, body: requestBody(options, request), policy, signal: request.signal, decoder: () => new ChatStreamDecoder() });
    },
  };
}

function requestBody(options: OpenAICompatibleOptions, request: ModelRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: options.model,
    messages: request.messages.flatMap(toWireMessages),
    stream: true,
  };
  if (options.streamUsage !== false) body.stream_options = { include_usage: true };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map(toWireTool);
    if (options.parallelToolCalls !== undefined) body.parallel_tool_calls = options.parallelToolCalls;
  }
  const maxTokens = request.maxTokens ?? options.maxTokens;
  if (maxTokens !== undefined) body[options.maxTokensField ?? 'max_completion_tokens'] = maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  return body;
}

function toWireTool(t: ToolDefinition) {
  return { type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema } };
}

/** Tool results become one `role: tool` message per call, in the order of the assistant's tool_calls. */
function toWireMessages(message: Message): Array<Record<string, unknown>> {
  switch (message.role) {
    case 'system':
    case 'user':
      return [{ role: message.role, content: message.content }];
    case 'assistant': {
      const wire: Record<string, unknown> = { role: 'assistant', content: message.content === '' ? null : message.content };
      if (message.toolCalls && message.toolCalls.length > 0) {
        wire.tool_calls = message.toolCalls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: JSON.stringify(c.args ?? {}) },
        }));
      }
      return [wire];
    }
    case 'tool':
      return message.results.map((r) => ({ role: 'tool', tool_call_id: r.callId, content: r.content }));
  }
}

interface ChatChunk {
  choices?: Array<{
    index?: number;
    delta?: {
      content?: string | null;
      tool_calls?: ToolCallFragment[];
    };
    finish_reason?: string | null;
  }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

interface ToolCallFragment {
  /** Missing on some compatible servers: their fragments are told apart by `id`. */
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface OpenCall {
  index: number;
  id: string;
  name: string;
  args: string;
  done: boolean;
  /** Whether `args` is so far exactly one closed JSON object (the cheap test before JSON.parse). */
  scanner: JsonObjectScanner;
}

/**
 * Chat Completions chunks -> normalized events. A call's arguments are complete as soon as they form a JSON
 * object, and at the latest when a later call starts, a finish_reason arrives or the stream ends. Fragments
 * are matched to their call by `index`; where a server leaves `index` out, by `id` (a new id is the next
 * call), and a fragment with neither continues the call being streamed.
 *
 * Linear in the stream: the calls still open are kept in index order (usually one), so starting or
 * completing a call never walks the calls of the message, and a call's arguments are scanned once as they
 * arrive and parsed once when they close.
 */
class ChatStreamDecoder implements StreamDecoder<ModelEvent> {
  private readonly calls = new Map<number, OpenCall>();
  private readonly byId = new Map<string, OpenCall>();
  /** Calls not complete yet, by index. */
  private readonly open: OpenCall[] = [];
  private nextIndex = 0; // one past the highest index seen
  private latest: OpenCall | undefined;
  private finish: FinishReason | undefined;
  private usage: Usage | undefined;
  private sawDone = false;

  message(message: EventSourceMessage, out: ModelEvent[]): boolean {
    const data = message.data;
    if (data.charCodeAt(0) !== OPEN_BRACE && data.trim() === '[DONE]') {
      this.sawDone = true;
      return true;
    }
    const chunk = parseJsonEvent(message, VENDOR) as ChatChunk;
    if (chunk.error) throw new ModelStreamError(`${VENDOR} stream error: ${chunk.error.message ?? 'unknown'}`, { retryable: false });
    if (chunk.usage) this.usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 };
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue; // we never ask for n > 1
      const delta = choice.delta ?? {};
      if (delta.content) out.push({ type: 'text-delta', text: delta.content });
      if (delta.tool_calls) for (const fragment of delta.tool_calls) this.fragment(fragment, out);
      if (choice.finish_reason) {
        this.finish = mapFinishReason(choice.finish_reason);
        this.completeAll(out);
      }
    }
    return false;
  }

  end(out: ModelEvent[]): void {
    if (!this.sawDone && this.finish === undefined) {
      throw new ModelStreamError(`${VENDOR} stream ended before the message was complete`, { retryable: true });
    }
    this.completeAll(out);
    if (this.usage) out.push({ type: 'usage', usage: this.usage });
    out.push({ type: 'finish', reason: this.finish ?? 'stop' });
  }

  private fragment(fragment: ToolCallFragment, out: ModelEvent[]): void {
    const given = typeof fragment.index === 'number' ? fragment.index : undefined;
    const id = fragment.id ? fragment.id : undefined; // some servers send "" for "no id"
    let call = given !== undefined ? this.calls.get(given) : id !== undefined ? this.byId.get(id) : this.latest;
    if (!call) {
      const index = given ?? this.nextIndex;
      // Every open call with a lower index is complete (the list is sorted: they are its head).
      const open = this.open;
      while (open.length > 0 && open[0]!.index < index) {
        const earlier = open.shift()!;
        out.push(completed(earlier, parseToolArgs(earlier.args)));
      }
      call = { index, id: id ?? `call_${index}`, name: fragment.function?.name ?? '', args: '', done: false, scanner: new JsonObjectScanner() };
      this.calls.set(index, call);
      if (id !== undefined) this.byId.set(id, call);
      if (index >= this.nextIndex) this.nextIndex = index + 1;
      insertByIndex(open, call);
      out.push({ type: 'tool-call-start', index: call.index, id: call.id, name: call.name });
    }
    this.latest = call;
    const argsDelta = fragment.function?.arguments;
    if (argsDelta && !call.done) {
      call.args += argsDelta;
      out.push({ type: 'tool-call-delta', index: call.index, id: call.id, argsDelta });
      // A JSON object that parses is complete: nothing but whitespace may follow its closing brace.
      if (call.scanner.push(argsDelta)) {
        const parsed = parseToolArgs(call.args);
        if (parsed.argsError === undefined) {
          this.open.splice(this.open.indexOf(call), 1);
          out.push(completed(call, parsed));
        }
      }
    }
  }

  /** Completes every open call, in index order. */
  private completeAll(out: ModelEvent[]): void {
    for (const call of this.open) out.push(completed(call, parseToolArgs(call.args)));
    this.open.length = 0;
  }
}

const OPEN_BRACE = 0x7b;

function completed(call: OpenCall, parsed: { args: unknown; argsError?: string }): ModelEvent {
  call.done = true;
  return { type: 'tool-call-complete', index: call.index, id: call.id, name: call.name, rawArgs: call.args, ...parsed };
}

/** Inserts a call into the index-ordered list (an append when calls start in order, as servers send them). */
function insertByIndex(open: OpenCall[], call: OpenCall): void {
  let at = open.length;
  while (at > 0 && open[at - 1]!.index > call.index) at--;
  open.splice(at, 0, call);
}

function mapFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}
