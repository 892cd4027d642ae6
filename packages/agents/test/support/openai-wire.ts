/** Chat Completions streaming chunks in the shape the API sends them (recorded field set). */
import type { SseStep } from './wire-server.js';

const base = { id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG', object: 'chat.completion.chunk', created: 1741570283, model: 'gpt-4o-2024-08-06', system_fingerprint: 'fp_eb9dce56a8', service_tier: 'default' };

export function chunk(delta: Record<string, unknown>, finishReason: string | null = null): SseStep {
  return { data: { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], usage: null } };
}

export const roleChunk = (): SseStep => chunk({ role: 'assistant', content: null, refusal: null });
export const textChunk = (text: string): SseStep => chunk({ content: text });

/** The first fragment of a call carries its id, type and name; later ones only index + arguments. */
export function callStart(index: number, id: string, name: string, args = ''): SseStep {
  return chunk({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: args } }] });
}
export function callArgs(index: number, args: string): SseStep {
  return chunk({ tool_calls: [{ index, function: { arguments: args } }] });
}
export const finishChunk = (reason: string): SseStep => chunk({}, reason);

export function usageChunk(prompt: number, completion: number): SseStep {
  return {
    data: {
      ...base,
      choices: [],
      usage: {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
    },
  };
}
export const done = (): SseStep => ({ data: '[DONE]' });

/** A complete streamed answer that only says `text`. */
export function textAnswer(text: string, prompt = 10, completion = 5): SseStep[] {
  return [roleChunk(), textChunk(text), finishChunk('stop'), usageChunk(prompt, completion), done()];
}

/** A complete streamed turn that calls the given tools (arguments sent whole). */
export function callsAnswer(calls: Array<{ id: string; name: string; args: unknown }>, prompt = 20, completion = 10): SseStep[] {
  return [
    roleChunk(),
    ...calls.flatMap((c, i) => [callStart(i, c.id, c.name), callArgs(i, JSON.stringify(c.args))]),
    finishChunk('tool_calls'),
    usageChunk(prompt, completion),
    done(),
  ];
}
