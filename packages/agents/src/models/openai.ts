import type { EventSourceMessage } from 'eventsource-parser';
import { invalidInput } from '@verdant/core';
import { ModelStreamError } from '../errors.js';
import type { FinishReason, Message, ModelAdapter, ModelEvent, ModelRequest, ToolDefinition, Usage } from '../types.js';
import { joinUrl, modelRetryPolicy, streamEvents, type HttpModelOptions } from './http.js';
import { parseJsonEvent } from './sse.js';
import { parseToolArgs } from './tool-args.js';

const PROVIDER = 'openai-compatible';

export interface OpenAICompatibleOptions extends HttpModelOptions {
  /** The API root that `/chat/completions` is appended to, e.g. ".../v1". Required: any server speaking the protocol. */
  baseUrl: string;
  /** Sent as `parallel_tool_calls` when set. */
  parallelToolCalls?: boolean;
}

/** A Chat Completions model (streaming, tools, parallel tool calls, usage) on any server that speaks the protocol. */
export function openaiCompatible(options: OpenAICompatibleOptions): ModelAdapter {
  if (!options.baseUrl) throw invalidInput('baseUrl', 'is required', 'pass the API root, e.g. "http://127.0.0.1:8000/v1"');
  if (!options.model) throw invalidInput('model', 'is required', 'pass the model name the server knows');
  const policy = modelRetryPolicy(options.retries);
  const url = joinUrl(options.baseUrl, 'chat/completions');
  return {
    provider: PROVIDER,
    modelId: options.model,
    stream(request: ModelRequest): AsyncIterable<ModelEvent> {
      const headers: Record<string, string> = { ...options.headers };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
      return streamEvents({ provider: PROVIDER, url, headers, body: requestBody(options, request), policy, signal: request.signal, decode: decodeChatStream });
    },
  };
}

function requestBody(options: OpenAICompatibleOptions, request: ModelRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: options.model,
    messages: request.messages.flatMap(toWireMessages),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map(toWireTool);
    if (options.parallelToolCalls !== undefined) body.parallel_tool_calls = options.parallelToolCalls;
  }
  const maxTokens = request.maxTokens ?? options.maxTokens;
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
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
      tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }>;
    };
    finish_reason?: string | null;
  }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

interface OpenCall {
  index: number;
  id: string;
  name: string;
  args: string;
  done: boolean;
}

/**
 * Chat Completions chunks -> normalized events. A call's arguments are complete as soon as they form a JSON
 * object, and at the latest when a later index starts, a finish_reason arrives or the stream ends.
 */
async function* decodeChatStream(messages: AsyncIterable<EventSourceMessage>): AsyncGenerator<ModelEvent> {
  const calls = new Map<number, OpenCall>();
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;
  let sawDone = false;

  function* complete(predicate: (c: OpenCall) => boolean): Generator<ModelEvent> {
    for (const call of [...calls.values()].sort((a, b) => a.index - b.index)) {
      if (call.done || !predicate(call)) continue;
      call.done = true;
      yield { type: 'tool-call-complete', index: call.index, id: call.id, name: call.name, rawArgs: call.args, ...parseToolArgs(call.args) };
    }
  }

  for await (const message of messages) {
    if (message.data.trim() === '[DONE]') {
      sawDone = true;
      break;
    }
    const chunk = parseJsonEvent(message, PROVIDER) as ChatChunk;
    if (chunk.error) throw new ModelStreamError(`${PROVIDER} stream error: ${chunk.error.message ?? 'unknown'}`, { retryable: false });
    if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 };
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue; // we never ask for n > 1
      const delta = choice.delta ?? {};
      if (delta.content) yield { type: 'text-delta', text: delta.content };
      for (const fragment of delta.tool_calls ?? []) {
        let call = calls.get(fragment.index);
        if (!call) {
          yield* complete((c) => c.index < fragment.index);
          call = { index: fragment.index, id: fragment.id ?? `call_${fragment.index}`, name: fragment.function?.name ?? '', args: '', done: false };
          calls.set(fragment.index, call);
          yield { type: 'tool-call-start', index: call.index, id: call.id, name: call.name };
        }
        const argsDelta = fragment.function?.arguments;
        if (argsDelta && !call.done) {
          call.args += argsDelta;
          yield { type: 'tool-call-delta', index: call.index, id: call.id, argsDelta };
          // A JSON object that parses is complete: nothing but whitespace may follow its closing brace.
          if (call.args.trimEnd().endsWith('}') && isJsonObject(call.args)) yield* complete((c) => c === call);
        }
      }
      if (choice.finish_reason) {
        finish = mapFinishReason(choice.finish_reason);
        yield* complete(() => true);
      }
    }
  }
  if (!sawDone && finish === undefined) {
    throw new ModelStreamError(`${PROVIDER} stream ended before the message was complete`, { retryable: true });
  }
  yield* complete(() => true);
  if (usage) yield { type: 'usage', usage };
  yield { type: 'finish', reason: finish ?? 'stop' };
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
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
