import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelHttpError, ModelStreamError, openaiCompatible } from '../src/index.js';
import { callArgs, callStart, chunk, done, finishChunk, roleChunk, textAnswer, textChunk, usageChunk } from './support/openai-wire.js';
import { collect, collectUntilError } from './support/tools.js';
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
  it('sends the Chat Completions request shape with tools, stream_options, max_completion_tokens and the bearer key', async () => {
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
      max_completion_tokens: 50,
    });
  });

  it('sends max_tokens and leaves stream_options out for older servers, when told to', async () => {
    server = await startWireServer([{ sse: [roleChunk(), textChunk('old'), finishChunk('stop'), done()] }]);
    const model = openaiCompatible({ baseUrl: `${server.url}/v1`, model: 'local', maxTokensField: 'max_tokens', streamUsage: false, maxTokens: 64 });
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(server.requests[0]!.body).toEqual({ model: 'local', messages: [{ role: 'user', content: 'x' }], stream: true, max_tokens: 64 });
    expect(events).toEqual([{ type: 'text-delta', text: 'old' }, { type: 'finish', reason: 'stop' }]);
  });

  it('refuses an unknown maxTokensField before any request', () => {
    expect(() => openaiCompatible({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', maxTokensField: 'max_new_tokens' as never })).toThrow(
      expect.objectContaining({ field: 'maxTokensField', exitCode: 2 }),
    );
  });

  it('tells tool-call fragments without an index apart by id', async () => {
    // Servers that leave out `index`: a new id starts the next call; fragments with neither continue the current one.
    const fragment = (tc: Record<string, unknown>) => chunk({ tool_calls: [tc] });
    const model = await serve([
      {
        sse: [
          roleChunk(),
          fragment({ id: 'call_X', type: 'function', function: { name: 'weather', arguments: '{"city":' } }),
          fragment({ function: { arguments: ' "Oslo"' } }),
          fragment({ id: 'call_X', function: { arguments: '}' } }),
          // Two whole calls in one chunk, each with only its id.
          chunk({
            tool_calls: [
              { id: 'call_Y', type: 'function', function: { name: 'weather', arguments: '{"city": "Lima"}' } },
              { id: 'call_Z', type: 'function', function: { name: 'weather', arguments: '{"city": "Pune"' } },
            ],
          }),
          fragment({ id: 'call_Z', function: { arguments: '}' } }),
          finishChunk('tool_calls'),
          done(),
        ],
      },
    ]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'weather?' }], tools }));
    const starts = events.filter((e) => e.type === 'tool-call-start');
    expect(starts.map((e) => [e.index, e.id])).toEqual([
      [0, 'call_X'],
      [1, 'call_Y'],
      [2, 'call_Z'],
    ]);
    const completes = events.filter((e) => e.type === 'tool-call-complete');
    expect(completes.map((c) => [c.id, c.args])).toEqual([
      ['call_X', { city: 'Oslo' }],
      ['call_Y', { city: 'Lima' }],
      ['call_Z', { city: 'Pune' }],
    ]);
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

  it('does not retry a 401 and names the vendor message', async () => {
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
    const { seen, error } = await collectUntilError(model.stream({ messages: [{ role: 'user', content: 'x' }] }));
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

  it('parses a call\'s arguments once, however many of its fragments end in a closing brace', async () => {
    // 50 nested objects, streamed one fragment per object: 51 fragments end in "}", one closes the arguments.
    const args = { items: Array.from({ length: 50 }, (_, i) => ({ x: i, note: i % 2 ? '} not a brace' : '{"quoted": "\\"}"}' })) };
    const text = JSON.stringify(args);
    const pieces = text.split(/(?<=\})/);
    expect(pieces.length).toBeGreaterThan(50);
    const model = await serve([{ sse: [roleChunk(), callStart(0, 'c1', 'weather'), ...pieces.map((p) => callArgs(0, p)), finishChunk('tool_calls'), done()] }]);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools }));
      const complete = events.find((e) => e.type === 'tool-call-complete');
      expect(complete).toMatchObject({ id: 'c1', args, rawArgs: text });
      // Complete the moment the object closed (right after the last fragment), not at finish_reason.
      expect(events.findIndex((e) => e.type === 'tool-call-complete')).toBe(events.findLastIndex((e) => e.type === 'tool-call-delta') + 1);
      expect(parse.mock.calls.filter(([input]) => typeof input === 'string' && input.startsWith('{"items"'))).toHaveLength(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('decodes a turn of 2,000 calls sent in one write: each complete before the next starts, in order', async () => {
    const calls = Array.from({ length: 2000 }, (_, i) => ({ id: `call_${i}`, args: JSON.stringify({ city: `c${i}` }) }));
    const body = [roleChunk(), ...calls.flatMap((c, i) => [callStart(i, c.id, 'weather'), callArgs(i, c.args)]), finishChunk('tool_calls'), usageChunk(1, 2), done()]
      .map((step) => sseText((step as { data: unknown }).data))
      .join('');
    const model = await serve([{ sse: [{ raw: body }] }]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools }));
    const lifecycle = events.filter((e) => e.type !== 'tool-call-delta').map((e) => ('id' in e ? `${e.type}:${e.id}` : e.type));
    expect(lifecycle).toEqual([...calls.flatMap((c) => [`tool-call-start:${c.id}`, `tool-call-complete:${c.id}`]), 'usage', 'finish']);
    const completes = events.filter((e) => e.type === 'tool-call-complete');
    expect(completes.map((e) => [e.index, e.args])).toEqual(calls.map((_, i) => [i, { city: `c${i}` }]));
  });

  it('completes calls that start out of index order in index order', async () => {
    const model = await serve([
      { sse: [roleChunk(), callStart(1, 'late', 'weather', '{"city": "B"'), callStart(0, 'early', 'weather', '{"city": "A"'), finishChunk('tool_calls'), done()] },
    ]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools }));
    expect(events.filter((e) => e.type === 'tool-call-complete').map((e) => [e.index, e.id, e.argsError === undefined])).toEqual([
      [0, 'early', false],
      [1, 'late', false],
    ]);
  });

  it('delivers the events before a vendor error that arrives in the same network chunk, then the error', async () => {
    const model = await serve([{ sse: [roleChunk(), { raw: sseText((textChunk('partial') as { data: unknown }).data) + sseText({ error: { message: 'server overloaded' } }) }] }]);
    const { seen, error } = await collectUntilError(model.stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(seen).toEqual([{ type: 'text-delta', text: 'partial' }]);
    expect(error).toBeInstanceOf(ModelStreamError);
    expect((error as ModelStreamError).message).toContain('server overloaded');
    expect(server!.requests).toHaveLength(1); // output was seen: not retried inside the adapter
  });

  it('ignores chunks of other choices', async () => {
    const model = await serve([{ sse: [roleChunk(), { data: { choices: [{ index: 1, delta: { content: 'other' }, finish_reason: null }] } }, chunk({ content: 'mine' }), finishChunk('stop'), done()] }]);
    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(events.filter((e) => e.type === 'text-delta')).toEqual([{ type: 'text-delta', text: 'mine' }]);
  });
});
