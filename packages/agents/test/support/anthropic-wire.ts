/** Anthropic Messages streaming events in the shape the API sends them (recorded field set). */
import type { SseStep } from './wire-server.js';

const ev = (type: string, body: Record<string, unknown>): SseStep => ({ event: type, data: { type, ...body } });

export function messageStart(inputTokens: number): SseStep {
  return ev('message_start', {
    message: {
      id: 'msg_014p7gG3wDgGV9EUtLvnow3U', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929',
      content: [], stop_reason: null, stop_sequence: null,
      usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
    },
  });
}
export const ping = (): SseStep => ev('ping', {});
export const textStart = (index: number): SseStep => ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
export const textDelta = (index: number, text: string): SseStep =>
  ev('content_block_delta', { index, delta: { type: 'text_delta', text } });
export const toolStart = (index: number, id: string, name: string): SseStep =>
  ev('content_block_start', { index, content_block: { type: 'tool_use', id, name, input: {} } });
export const jsonDelta = (index: number, partial: string): SseStep =>
  ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: partial } });
export const blockStop = (index: number): SseStep => ev('content_block_stop', { index });
export const messageDelta = (stopReason: string, outputTokens: number): SseStep =>
  ev('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
export const messageStop = (): SseStep => ev('message_stop', {});

export function textAnswer(text: string, input = 10, output = 5): SseStep[] {
  return [messageStart(input), textStart(0), ping(), textDelta(0, text), blockStop(0), messageDelta('end_turn', output), messageStop()];
}

export function callsAnswer(calls: Array<{ id: string; name: string; args: unknown }>, input = 20, output = 10): SseStep[] {
  return [
    messageStart(input),
    textStart(0),
    textDelta(0, 'Let me check.'),
    blockStop(0),
    ...calls.flatMap((c, i) => [toolStart(i + 1, c.id, c.name), jsonDelta(i + 1, JSON.stringify(c.args)), blockStop(i + 1)]),
    messageDelta('tool_use', output),
    messageStop(),
  ];
}
