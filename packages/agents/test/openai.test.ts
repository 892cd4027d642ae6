import { afterEach, describe, expect, it } from 'vitest';
import { ModelHttpError, ModelStreamError, openaiCompatible, type ModelEvent } from '../src/index.js';
import { callArgs, callStart, chunk, done, finishChunk, roleChunk, textAnswer, textChunk, usageChunk } from './support/openai-wire.js';
import { collect } from './support/tools.js';
import { splitInsideCharacter, sseText, startWireServer, type ScriptedResponse, type WireServer } from './support/wire-server.js';

let server: WireServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(responses: ScriptedResponse[]) {
  server = await startWireServer(responses);
  return openaiCompatible({ baseUrl: `${server.url}/v1`, apiKey: 'sk-test-key', model: 'gpt-4o', retries: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
}

const tools = [{ name: 'weather', description: 'Weather in a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }];

describe('openaiCompatible', () => {
  it('sends the Chat Completions request shape with tools, stream_options and the bearer key', async () => {
    const model = await serve([{ sse: textAnswer('hi') }]);
    await collect(model.stream({ messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello' }], tools, maxTokens: 50 }));
    const req = server!.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test-key');
    expect(req.body).toEqual({
      model: 'gpt-4o',
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello' }],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'weather', description: 'Weather in a city', parameters: tools[0]!.inputSchema } }],
      max_tokens: 50,
    });
  });

  it('reassembles argument fragments split mid-JSON and mid-character, and completes each call when the next index starts', async () => {
    // The second call's first fragment arrives as two byte chunks split inside "ü".
    const [head, tail] = splitInsideCharacter(
      sseText((callStart(1, 'call_B', 'weather', '{"city":"Zü') as { data: unknown }).data),
      'ü',
    );
    const model = await serve([
      {
        sse: [
          roleChunk(),
          callStart(0, 'call_A', 'weather'),
          callArgs(0, '{"ci'),
          callArgs(0, 'ty": "Par'),
          callArgs(0, 'is \\u00'), // an escape split across fragments
          callArgs(0, 'e9"}'),
          head,
          { wait: 20 },
          tail,
          callArgs(1, 'rich"}'),
          finishChunk('tool_calls'),
          usageChunk(30, 12),
          done(),
        ],
      },
    ]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'weather?' }], tools }));
    const kinds = events.map((e) => (e.type === 'tool-call-complete' ? `complete:${e.id}` : e.type === 'tool-call-start' ? `start:${e.id}` : e.type));
    // call_A is complete before call_B's arguments stream, call_B when the finish_reason arrives.
    expect(kinds.filter((k) => k.startsWith('start') || k.startsWith('complete'))).toEqual(['start:call_A', 'complete:call_A', 'start:call_B', 'complete:call_B']);
    const completes = events.filter((e) => e.type === 'tool-call-complete');
    expect(completes.map((c) => c.args)).toEqual([{ city: 'Paris é' }, { city: 'Zürich' }]);
    expect(events.at(-2)).toEqual({ type: 'usage', usage: { inputTokens: 30, outputTokens: 12 } });
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls' });
  });

  it('streams text deltas and reports arguments that are not JSON as argsError', async () => {
    const model = await serve([
      { sse: [roleChunk(), textChunk('Hel'), textChunk('lo'), callStart(0, 'c1', 'weather', '{"city": '), callStart(1, 'c2', 'weather', '{"city": "Ro'), finishChunk('length'), done()] },
    ]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools }));
    // An unfinished object completes when the next index starts; the truncated last one at finish.
    const order = events.filter((e) => e.type === 'tool-call-start' || e.type === 'tool-call-complete').map((e) => `${e.type}:${(e as { id: string }).id}`);
    expect(order).toEqual(['tool-call-start:c1', 'tool-call-complete:c1', 'tool-call-start:c2', 'tool-call-complete:c2']);
    expect(events.filter((e) => e.type === 'text-delta').map((e) => (e as { text: string }).text).join('')).toBe('Hello');
    const complete = events.find((e) => e.type === 'tool-call-complete');
    expect(complete).toMatchObject({ id: 'c1', args: undefined, rawArgs: '{"city": ' });
    expect((complete as { argsError?: string }).argsError).toBeTruthy();
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });

  it('waits for Retry-After on 429 before retrying', async () => {
    const model = await serve([
      { status: 429, headers: { 'retry-after': '1' }, json: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } },
      { sse: textAnswer('ok') },
    ]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(events.some((e) => e.type === 'text-delta')).toBe(true);
    const [first, second] = server!.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950); // the header said 1 s; our own backoff is 5-20 ms
  });

  it('retries a 5xx and then succeeds', async () => {
    const model = await serve([{ status: 503, json: { error: { message: 'overloaded' } } }, { status: 500, json: {} }, { sse: textAnswer('fine') }]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(events.find((e) => e.type === 'text-delta')).toEqual({ type: 'text-delta', text: 'fine' });
    expect(server!.requests).toHaveLength(3);
  });

  it('does not retry a 401 and names the provider message', async () => {
    const model = await serve([{ status: 401, json: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } } }]);
    const error = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelHttpError);
    expect((error as ModelHttpError).status).toBe(401);
    expect((error as ModelHttpError).message).toContain('Incorrect API key provided');
    expect((error as ModelHttpError).message).not.toContain('sk-test-key');
    expect(server!.requests).toHaveLength(1);
  });

  it('retries a stream dropped before any event', async () => {
    const model = await serve([{ sse: [roleChunk(), { destroy: true }] }, { sse: textAnswer('second time') }]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(events.find((e) => e.type === 'text-delta')).toEqual({ type: 'text-delta', text: 'second time' });
    expect(server!.requests).toHaveLength(2);
  });

  it('surfaces a stream dropped after output as a retryable ModelStreamError', async () => {
    const model = await serve([{ sse: [roleChunk(), textChunk('partial'), { wait: 10 }, { destroy: true }] }]);
    const seen: ModelEvent[] = [];
    const error = await (async () => {
      for await (const e of model.stream({ messages: [{ role: 'user', content: 'x' }] })) seen.push(e);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ type: 'text-delta', text: 'partial' }]);
    expect(error).toBeInstanceOf(ModelStreamError);
    expect((error as ModelStreamError).retryable).toBe(true);
  });

  it('treats a stream that ends without finish_reason or [DONE] as broken', async () => {
    const model = await serve([{ sse: [roleChunk(), textChunk('cut')] }]);
    await expect(collect(model.stream({ messages: [{ role: 'user', content: 'x' }] }))).rejects.toBeInstanceOf(ModelStreamError);
  });

  it('sends tool results as one role:tool message per call, in the order of the tool_calls', async () => {
    const model = await serve([{ sse: textAnswer('done') }]);
    await collect(
      model.stream({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'weather', args: { city: 'A' } }, { id: 'b', name: 'weather', args: { city: 'B' } }] },
          { role: 'tool', results: [{ callId: 'a', name: 'weather', content: '{"t":1}', isError: false }, { callId: 'b', name: 'weather', content: 'execution: boom', isError: true }] },
        ],
      }),
    );
    expect(server!.requests[0]!.body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'weather', arguments: '{"city":"A"}' } },
          { id: 'b', type: 'function', function: { name: 'weather', arguments: '{"city":"B"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: '{"t":1}' },
      { role: 'tool', tool_call_id: 'b', content: 'execution: boom' },
    ]);
  });

  it('ignores chunks of other choices', async () => {
    const model = await serve([{ sse: [roleChunk(), { data: { choices: [{ index: 1, delta: { content: 'other' }, finish_reason: null }] } }, chunk({ content: 'mine' }), finishChunk('stop'), done()] }]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(events.filter((e) => e.type === 'text-delta')).toEqual([{ type: 'text-delta', text: 'mine' }]);
  });
});
