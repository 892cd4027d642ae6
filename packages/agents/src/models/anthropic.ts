import type { EventSourceMessage } from 'eventsource-parser';
import { invalidInput } from '@verdant/core';
import { ModelStreamError } from '../errors.js';
import type { FinishReason, Message, ModelAdapter, ModelEvent, ModelRequest, Usage } from '../types.js';
import { joinUrl, modelRetryPolicy, streamEvents, type HttpModelOptions, type StreamDecoder } from './http.js';
import { parseJsonEvent } from './sse.js';
import { parseToolArgs } from './tool-args.js';

const VENDOR = 'anthropic';

export interface AnthropicOptions extends HttpModelOptions {
  /** Default "https://api.anthropic.com"; `/v1/messages` is appended. */
  baseUrl?: string;
  /** The `anthropic-version` header (default "2023-06-01"). */
  version?: string;
}

/** An Anthropic Messages model: streaming, tool_use / tool_result, usage. */
export function anthropic(options: AnthropicOptions): ModelAdapter {
  if (!options.model) throw invalidInput('model', 'is required', 'pass the model name, e.g. "claude-sonnet-4-5"');
  const policy = modelRetryPolicy(options.retries);
  const url = joinUrl(options.baseUrl ?? 'https://api.anthropic.com', 'v1/messages');
  return {
    vendor: VENDOR,
    modelId: options.model,
    stream(request: ModelRequest): AsyncIterable<ModelEvent> {
      const headers: Record<string, string> = { 'anthropic-version': options.version ?? '2023-06-01', ...options.headers };
      if (options.apiKey) headers['x-api-key'] = options.apiKey;
      return streamEvents({ vendor: VENDOR, url, headers, body: requestBody(options, request), policy, signal: request.signal, decoder: () => new MessageStreamDecoder() });
    },
  };
}

type Block = Record<string, unknown>;
interface WireMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

function requestBody(options: AnthropicOptions, request: ModelRequest): Record<string, unknown> {
  const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const body: Record<string, unknown> = {
    model: options.model,
    max_tokens: request.maxTokens ?? options.maxTokens ?? 4096,
    messages: toWireMessages(request.messages),
    stream: true,
  };
  if (system) body.system = system;
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }));
  }
  if (request.temperature !== undefined) body.temperature = request.temperature;
  return body;
}

/**
 * Tool results become `tool_result` blocks (in tool_use order, `is_error` on failures) in one user message.
 * Consecutive messages of the same role are merged: the API wants roles to alternate, and tool results
 * must open the user turn that follows the tool_use turn.
 */
function toWireMessages(messages: Message[]): WireMessage[] {
  const wire: WireMessage[] = [];
  const push = (role: WireMessage['role'], content: Block[]) => {
    if (content.length === 0) return;
    const last = wire.at(-1);
    if (last && last.role === role) last.content.push(...content);
    else wire.push({ role, content });
  };
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        break; // sent as the top-level `system`
      case 'user':
        push('user', [{ type: 'text', text: m.content }]);
        break;
      case 'assistant':
        push('assistant', [
          ...(m.content ? [{ type: 'text', text: m.content }] : []),
          ...(m.toolCalls ?? []).map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: c.args ?? {} })),
        ]);
        break;
      case 'tool':
        push(
          'user',
          m.results.map((r) => ({ type: 'tool_result', tool_use_id: r.callId, content: r.content, ...(r.isError ? { is_error: true } : {}) })),
        );
        break;
    }
  }
  return wire;
}

interface StreamEvent {
  type: string;
  index?: number;
  message?: { usage?: WireUsage };
  content_block?: { type: string; id?: string; name?: string; text?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: WireUsage;
  error?: { type?: string; message?: string };
}
interface WireUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

// Error events that mean "try again" (the same conditions as HTTP 429/500/529).
const RETRYABLE_ERRORS = new Set(['overloaded_error', 'api_error', 'rate_limit_error']);

/** Messages stream events -> normalized events. A tool_use block's input is complete at its content_block_stop. */
class MessageStreamDecoder implements StreamDecoder<ModelEvent> {
  private readonly toolBlocks = new Map<number, { id: string; name: string; json: string }>();
  private readonly usage: Usage = { inputTokens: 0, outputTokens: 0 };
  private finish: FinishReason | undefined;
  private stopped = false;

  message(message: EventSourceMessage, out: ModelEvent[]): boolean {
    const event = parseJsonEvent(message, VENDOR) as StreamEvent;
    const index = event.index ?? 0;
    const usage = this.usage;
    switch (event.type) {
      case 'message_start': {
        const u = event.message?.usage ?? {};
        usage.inputTokens = promptTokens(u);
        usage.outputTokens = u.output_tokens ?? 0;
        break;
      }
      case 'content_block_start': {
        const block = event.content_block;
        if (block?.type === 'tool_use') {
          const call = { id: block.id ?? `toolu_${index}`, name: block.name ?? '', json: '' };
          this.toolBlocks.set(index, call);
          out.push({ type: 'tool-call-start', index, id: call.id, name: call.name });
        } else if (block?.type === 'text' && block.text) {
          out.push({ type: 'text-delta', text: block.text });
        }
        break;
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta?.type === 'text_delta' && delta.text) out.push({ type: 'text-delta', text: delta.text });
        if (delta?.type === 'input_json_delta' && delta.partial_json) {
          const call = this.toolBlocks.get(index);
          if (call) {
            call.json += delta.partial_json;
            out.push({ type: 'tool-call-delta', index, id: call.id, argsDelta: delta.partial_json });
          }
        }
        break;
      }
      case 'content_block_stop': {
        const call = this.toolBlocks.get(index);
        if (call) out.push({ type: 'tool-call-complete', index, id: call.id, name: call.name, rawArgs: call.json, ...parseToolArgs(call.json) });
        break;
      }
      case 'message_delta':
        if (event.delta?.stop_reason) this.finish = mapStopReason(event.delta.stop_reason);
        if (event.usage?.output_tokens !== undefined) usage.outputTokens = event.usage.output_tokens; // cumulative
        if (event.usage?.input_tokens !== undefined) usage.inputTokens = promptTokens(event.usage);
        break;
      case 'message_stop':
        this.stopped = true;
        break;
      case 'error': {
        const type = event.error?.type ?? 'error';
        throw new ModelStreamError(`${VENDOR} stream error ${type}: ${event.error?.message ?? ''}`, { retryable: RETRYABLE_ERRORS.has(type) });
      }
      default:
        break; // ping and event types added later
    }
    return this.stopped;
  }

  end(out: ModelEvent[]): void {
    if (!this.stopped) throw new ModelStreamError(`${VENDOR} stream ended before message_stop`, { retryable: true });
    out.push({ type: 'usage', usage: { ...this.usage } });
    out.push({ type: 'finish', reason: this.finish ?? 'stop' });
  }
}

/** Cached prompt tokens are input tokens too: all of them count towards the prompt size. */
function promptTokens(u: WireUsage): number {
  return (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
}

function mapStopReason(reason: string): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'tool_use':
      return 'tool-calls';
    case 'max_tokens':
      return 'length';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}
