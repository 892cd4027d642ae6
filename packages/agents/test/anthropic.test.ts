import { afterEach, describe, expect, it } from 'vitest';
import { anthropic, ModelHttpError, ModelStreamError } from '../src/index.js';
import { blockStop, jsonDelta, messageDelta, messageStart, messageStop, ping, textAnswer, textDelta, textStart, toolStart } from './support/anthropic-wire.js';
import { collect, collectUntilError } from './support/tools.js';
import { splitInsideCharacter, sseText, startWireServer, type ScriptedResponse, type WireServer } from './support/wire-server.js';

let server: WireServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(responses: ScriptedResponse[]) {
  server = await startWireServer(responses);
  return anthropic({ baseUrl: server.url, apiKey: 'sk-ant-test', model: 'claude-sonnet-4-5', retries: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
}

const tools = [{ name: 'lookup', description: 'Look a word up', inputSchema: { type: 'object', properties: { word: { type: 'string' } } } }];

describe('anthropic', () => {
  it('sends the Messages request shape with x-api-key, anthropic-version, system and tools', async () => {
    const model = await serve([{ sse: textAnswer('hi') }]);
    await collect(model.stream({ messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello' }], tools }));
    const req = server!.requests[0]!;
    expect(req.path).toBe('/v1/messages');
    expect(req.headers['x-api-key']).toBe('sk-ant-test');
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'be brief',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
      tools: [{ name: 'lookup', description: 'Look a word up', input_schema: tools[0]!.inputSchema }],
      stream: true,
    });
  });

  it('completes a tool_use at its content_block_stop, with partial_json split mid-JSON and mid-character', async () => {
    const [head, tail] = splitInsideCharacter(sseText((jsonDelta(2, '{"word": "na誰') as { data: unknown }).data, 'content_block_delta'), '誰');
    const model = await serve([
      {
        sse: [
          messageStart(40),
          textStart(0),
          textDelta(0, 'Checking'),
          blockStop(0),
          toolStart(1, 'toolu_01', 'lookup'),
          jsonDelta(1, ''),
          jsonDelta(1, '{"wo'),
          jsonDelta(1, 'rd": "caf\\u00'),
          jsonDelta(1, 'e9"}'),
          blockStop(1),
          ping(),
          toolStart(2, 'toolu_02', 'lookup'),
          head,
          { wait: 20 },
          tail,
          jsonDelta(2, 've"}'),
          blockStop(2),
          messageDelta('tool_use', 77),
          messageStop(),
        ],
      },
    ]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools }));
    const order = events.filter((e) => e.type === 'tool-call-start' || e.type === 'tool-call-complete').map((e) => `${e.type}:${(e as { id: string }).id}`);
    expect(order).toEqual(['tool-call-start:toolu_01', 'tool-call-complete:toolu_01', 'tool-call-start:toolu_02', 'tool-call-complete:toolu_02']);
    expect(events.filter((e) => e.type === 'tool-call-complete').map((e) => (e as { args: unknown }).args)).toEqual([{ word: 'café' }, { word: 'na誰ve' }]);
    expect(events.find((e) => e.type === 'text-delta')).toEqual({ type: 'text-delta', text: 'Checking' });
    expect(events.at(-2)).toEqual({ type: 'usage', usage: { inputTokens: 40, outputTokens: 77 } });
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls' });
  });

  it('gives a tool_use without input deltas empty arguments', async () => {
    const model = await serve([{ sse: [messageStart(5), toolStart(0, 'toolu_x', 'lookup'), blockStop(0), messageDelta('tool_use', 3), messageStop()] }]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools }));
    expect(events.find((e) => e.type === 'tool-call-complete')).toMatchObject({ id: 'toolu_x', args: {} });
  });

  it('sends tool results as one user message of tool_result blocks in tool_use order, is_error on failures', async () => {
    const model = await serve([{ sse: textAnswer('done') }]);
    await collect(
      model.stream({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: 'Checking', toolCalls: [{ id: 't1', name: 'lookup', args: { word: 'a' } }, { id: 't2', name: 'lookup', args: { word: 'b' } }] },
          { role: 'tool', results: [{ callId: 't1', name: 'lookup', content: 'first', isError: false }, { callId: 't2', name: 'lookup', content: 'timeout: too slow', isError: true }] },
          { role: 'user', content: 'and now?' },
        ],
      }),
    );
    expect(server!.requests[0]!.body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'x' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking' },
          { type: 'tool_use', id: 't1', name: 'lookup', input: { word: 'a' } },
          { type: 'tool_use', id: 't2', name: 'lookup', input: { word: 'b' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'first' },
          { type: 'tool_result', tool_use_id: 't2', content: 'timeout: too slow', is_error: true },
          { type: 'text', text: 'and now?' },
        ],
      },
    ]);
  });

  it('honours Retry-After on 429 and retries a 529 overloaded', async () => {
    const model = await serve([
      { status: 429, headers: { 'retry-after': '1' }, json: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } } },
      { status: 529, json: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
      { sse: textAnswer('ok') },
    ]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(events.find((e) => e.type === 'text-delta')).toEqual({ type: 'text-delta', text: 'ok' });
    const [a, b, c] = server!.requests;
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(950);
    expect(c).toBeDefined();
  });

  it('turns a mid-stream overloaded error event into a retryable ModelStreamError', async () => {
    const model = await serve([
      { sse: [messageStart(5), textStart(0), textDelta(0, 'par'), { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }] },
    ]);
    const error = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelStreamError);
    expect((error as ModelStreamError).retryable).toBe(true);
    expect((error as Error).message).toContain('overloaded_error');
  });

  it('retries a socket destroyed before the first event, and reports one destroyed after output', async () => {
    const model = await serve([
      { sse: [{ destroy: true }] },
      { sse: [messageStart(5), textStart(0), textDelta(0, 'half'), { wait: 10 }, { destroy: true }] },
    ]);
    const { seen, error } = await collectUntilError(model.stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(server!.requests).toHaveLength(2);
    expect(seen).toEqual([{ type: 'text-delta', text: 'half' }]);
    expect(error).toBeInstanceOf(ModelStreamError);
  });

  it('does not retry a 400 invalid_request_error', async () => {
    const model = await serve([{ status: 400, json: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } } }]);
    const error = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelHttpError);
    expect((error as Error).message).toContain('max_tokens: Field required');
    expect(server!.requests).toHaveLength(1);
  });
});
