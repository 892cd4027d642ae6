import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { anthropic, ModelStreamError, openaiCompatible, runAgent, tool, type AgentEvent, type ModelAdapter } from '../src/index.js';
import * as A from './support/anthropic-wire.js';
import * as O from './support/openai-wire.js';
import { barrierTool, collect, deferred, hangingTool, settleMicrotasks, sleep } from './support/tools.js';
import { startWireServer, type ScriptedResponse, type WireServer } from './support/wire-server.js';

let server: WireServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const retries = { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 };
async function openai(responses: ScriptedResponse[]): Promise<ModelAdapter> {
  server = await startWireServer(responses);
  return openaiCompatible({ baseUrl: `${server.url}/v1`, apiKey: 'k', model: 'gpt-4o-mini', retries });
}
async function claude(responses: ScriptedResponse[]): Promise<ModelAdapter> {
  server = await startWireServer(responses);
  return anthropic({ baseUrl: server.url, apiKey: 'k', model: 'claude-haiku-4-5', retries });
}

/** A tool that waits `ms` and echoes its city, recording when each call started and finished. */
function weatherTool(log: string[] = []) {
  return tool({
    name: 'weather',
    description: 'Current weather in a city',
    input: z.object({ city: z.string(), ms: z.number().default(0) }),
    execute: async ({ city, ms }, ctx) => {
      log.push(`start:${city}`);
      await sleep(ms, ctx.signal);
      log.push(`end:${city}`);
      return { city, tempC: city.length };
    },
  });
}

describe('runAgent with an OpenAI-compatible server', () => {
  it('runs parallel calls, returns results in tool_calls order, sums usage and prices it', async () => {
    const model = await openai([
      { sse: O.callsAnswer([{ id: 'call_slow', name: 'weather', args: { city: 'Oslo', ms: 60 } }, { id: 'call_fast', name: 'weather', args: { city: 'Rome' } }], 100, 20) },
      { sse: O.textAnswer('Oslo is colder.', 180, 8) },
    ]);
    const run = runAgent({
      model,
      tools: [weatherTool()],
      messages: [{ role: 'user', content: 'Compare Oslo and Rome' }],
      pricing: { 'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
    });
    const events = await collect(run);
    const result = await run.result;

    // Events in completion order: the fast call finishes first.
    const finishes = events.filter((e) => e.type === 'tool-call-finish').map((e) => (e.type === 'tool-call-finish' ? e.result.callId : ''));
    expect(finishes).toEqual(['call_fast', 'call_slow']);
    expect(events.map((e) => e.type)).toEqual([
      'step-start', 'tool-call-start', 'tool-call-start', 'tool-call-finish', 'tool-call-finish', 'step-finish',
      'step-start', 'text-delta', 'step-finish', 'finish',
    ]);

    // The second request carries the assistant turn and one tool message per call, in tool_calls order.
    const second = server!.requests[1]!.body;
    expect(second.messages).toEqual([
      { role: 'user', content: 'Compare Oslo and Rome' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_slow', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo","ms":60}' } },
          { id: 'call_fast', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_slow', content: '{"city":"Oslo","tempC":4}' },
      { role: 'tool', tool_call_id: 'call_fast', content: '{"city":"Rome","tempC":4}' },
    ]);
    expect(second.tools[0].function.parameters).toMatchObject({ type: 'object', required: ['city'] });

    expect(result.finishReason).toBe('stop');
    expect(result.text).toBe('Oslo is colder.');
    expect(result.steps).toHaveLength(2);
    expect(result.usage).toEqual({ inputTokens: 280, outputTokens: 28 });
    expect(result.costUsd).toBeCloseTo((280 * 0.15 + 28 * 0.6) / 1e6, 12);
  });

  it('dispatches a call as soon as its arguments are complete, before the next call streams', async () => {
    let call2SentAt = 0;
    const starts = new Map<string, number>();
    const first = deferred();
    const probe = tool({
      name: 'probe',
      description: '',
      input: z.object({ n: z.number() }),
      execute: ({ n }) => {
        starts.set(`n${n}`, performance.now());
        if (n === 1) first.resolve();
        return n;
      },
    });
    const model = await openai([
      {
        sse: [
          O.roleChunk(),
          O.callStart(0, 'c1', 'probe'),
          O.callArgs(0, '{"n": 1}'),
          // The stream goes on once the first call has started (a dispatch that waits for more of the stream
          // never starts it: after 5 s the stream goes on anyway and the order below fails).
          { until: Promise.race([first.promise, sleep(5000)]) },
          { call: () => (call2SentAt = performance.now()) },
          O.callStart(1, 'c2', 'probe'),
          O.callArgs(1, '{"n": 2}'),
          O.finishChunk('tool_calls'),
          O.done(),
        ],
      },
      { sse: O.textAnswer('ok') },
    ]);
    const result = await runAgent({ model, tools: [probe], messages: [{ role: 'user', content: 'go' }] }).result;
    expect(result.steps[0]!.toolResults.map((r) => r.ok && r.output)).toEqual([1, 2]);
    expect(starts.get('n1')).toBeLessThan(call2SentAt);
    expect(starts.get('n2')).toBeGreaterThan(call2SentAt);
  });

  it('returns invalid arguments to the model as error results and keeps going', async () => {
    const model = await openai([
      { sse: [O.roleChunk(), O.callStart(0, 'bad_json', 'weather', '{"city": '), O.callStart(1, 'bad_type', 'weather', '{"city": 7}'), O.callStart(2, 'ghost', 'teleport', '{}'), O.finishChunk('tool_calls'), O.done()] },
      { sse: O.textAnswer('sorry') },
    ]);
    const events = await collect(runAgent({ model, tools: [weatherTool()], messages: [{ role: 'user', content: 'x' }] }));
    const errors = events.flatMap((e) => (e.type === 'tool-call-error' ? [e.result.error.kind] : []));
    expect(errors.sort()).toEqual(['invalid-json', 'unknown-tool', 'validation']);
    const toolMessages = server!.requests[1]!.body.messages.filter((m: { role: string }) => m.role === 'tool');
    expect(toolMessages.map((m: { tool_call_id: string }) => m.tool_call_id)).toEqual(['bad_json', 'bad_type', 'ghost']);
    expect(toolMessages[1].content).toMatch(/^validation: .*expected string, received number/s);
  });

  it('stops at maxSteps when the model keeps calling tools', async () => {
    const loop = { sse: O.callsAnswer([{ id: 'again', name: 'weather', args: { city: 'Lima' } }]) };
    const model = await openai([loop, loop, loop, loop]);
    const result = await runAgent({ model, tools: [weatherTool()], messages: [{ role: 'user', content: 'x' }], maxSteps: 3 }).result;
    expect(result.finishReason).toBe('max-steps');
    expect(result.steps).toHaveLength(3);
    expect(server!.requests).toHaveLength(3);
    expect(result.costUsd).toBeUndefined();
  });

  it('re-requests a step whose stream dropped after output, cancelling the calls that attempt dispatched', async () => {
    const log: string[] = [];
    const model = await openai([
      { sse: [O.roleChunk(), O.callStart(0, 'first_try', 'weather', '{"city":"Kyiv","ms":5000}'), O.callStart(1, 'x', 'weather', '{"ci'), { wait: 30 }, { destroy: true }] },
      { sse: O.callsAnswer([{ id: 'second_try', name: 'weather', args: { city: 'Kyiv' } }]) },
      { sse: O.textAnswer('done') },
    ]);
    const events = await collect(runAgent({ model, tools: [weatherTool(log)], messages: [{ role: 'user', content: 'x' }] }));
    const retry = events.find((e) => e.type === 'step-retry');
    expect(retry).toMatchObject({ type: 'step-retry', step: 1, attempt: 1 });
    const cancelled = events.find((e) => e.type === 'tool-call-error');
    expect(cancelled).toMatchObject({ result: { callId: 'first_try', error: { kind: 'cancelled' } } });
    expect(log).toEqual(['start:Kyiv', 'start:Kyiv', 'end:Kyiv']);
    const final = events.at(-1);
    expect(final?.type === 'finish' && final.result.finishReason).toBe('stop');
    // The re-requested turn is what the model sees; the broken attempt left no trace in the conversation.
    expect(server!.requests[2]!.body.messages.filter((m: { role: string }) => m.role === 'tool')).toHaveLength(1);
  });

  it('rejects the result (and ends the event stream with the error) when the stream keeps dropping', async () => {
    const drop = { sse: [O.roleChunk(), O.textChunk('hal'), { wait: 10 }, { destroy: true }] as ScriptedResponse['sse'] };
    const model = await openai([drop, drop]);
    const run = runAgent({ model, messages: [{ role: 'user', content: 'x' }] });
    await expect(collect(run)).rejects.toBeInstanceOf(ModelStreamError);
    await expect(run.result).rejects.toBeInstanceOf(ModelStreamError);
  });

  it('cancels the run: running calls see abort, queued calls never start, the run ends as cancelled', async () => {
    const { hang, started, sawAbort: aborted } = hangingTool({ limits: { concurrency: 1 }, rejectOnAbort: true });
    const model = await openai([{ sse: O.callsAnswer([{ id: 'h1', name: 'hang', args: {} }, { id: 'h2', name: 'hang', args: {} }, { id: 'h3', name: 'hang', args: {} }]) }]);
    const controller = new AbortController();
    const run = runAgent({ model, tools: [hang], messages: [{ role: 'user', content: 'x' }], signal: controller.signal });
    const events: AgentEvent[] = [];
    let abortedAt = 0;
    for await (const e of run) {
      events.push(e);
      if (e.type === 'tool-call-start' && e.call.id === 'h3') {
        await sleep(20);
        abortedAt = performance.now();
        controller.abort();
      }
    }
    const result = await run.result;
    // The calls never finish on their own, so ending at all shows nothing waited for them; the bound only
    // rules out waiting for a timer, with room for a busy machine.
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(result.finishReason).toBe('cancelled');
    expect(started).toEqual(['h1']);
    expect(aborted).toEqual(['h1']);
    expect(result.steps[0]!.toolResults.map((r) => !r.ok && r.error.kind)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(server!.requests).toHaveLength(1); // no further model request after the cancel
  });

  it('starts all calls of a turn together by default: 10 calls waiting on a barrier all start before any finishes', async () => {
    const { barrier, log, release } = barrierTool(10);
    const calls = Array.from({ length: 10 }, (_, i) => ({ id: `b${i}`, name: 'barrier', args: { i } }));
    const model = await openai([{ sse: O.callsAnswer(calls) }, { sse: O.textAnswer('done') }]);
    const run = runAgent({ model, tools: [barrier], messages: [{ role: 'user', content: 'x' }] });
    let dispatched = 0;
    for await (const e of run) {
      // Once all 10 are dispatched, a capped run would wait for the barrier forever: open it, then look.
      if (e.type === 'tool-call-start' && ++dispatched === 10) {
        await settleMicrotasks();
        release();
      }
    }
    const result = await run.result;
    expect(result.steps[0]!.toolResults.map((r) => r.ok && r.output)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(log.slice(0, 10).every((entry) => entry.startsWith('start:'))).toBe(true);
    expect(log.slice(10).every((entry) => entry.startsWith('end:'))).toBe(true);
  });

  it('cancels a model request in flight', async () => {
    const model = await openai([{ sse: [O.roleChunk(), O.textChunk('thinking'), { wait: 5000 }, ...O.textAnswer('late')] }]);
    const controller = new AbortController();
    const run = runAgent({ model, messages: [{ role: 'user', content: 'x' }], signal: controller.signal });
    for await (const e of run) if (e.type === 'text-delta') controller.abort();
    const result = await run.result;
    expect(result.finishReason).toBe('cancelled');
    expect(result.steps).toHaveLength(0);
  });
});

describe('runAgent with an Anthropic server', () => {
  it('sends results as tool_result blocks in tool_use order, failures with is_error', async () => {
    const flaky = tool({ name: 'flaky', description: '', input: z.object({}), execute: () => { throw new Error('upstream 503'); } });
    const model = await claude([
      { sse: A.callsAnswer([{ id: 'toolu_slow', name: 'weather', args: { city: 'Quito', ms: 40 } }, { id: 'toolu_bad', name: 'flaky', args: {} }, { id: 'toolu_fast', name: 'weather', args: { city: 'Bern' } }], 50, 30) },
      { sse: A.textAnswer('Quito 5, Bern 4.', 120, 9) },
    ]);
    const result = await runAgent({
      model,
      tools: [weatherTool(), flaky],
      messages: [{ role: 'system', content: 'terse' }, { role: 'user', content: 'weather?' }],
      pricing: { 'claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 5 } },
    }).result;
    const body = server!.requests[1]!.body;
    expect(body.system).toBe('terse');
    expect(body.messages.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_slow', content: '{"city":"Quito","tempC":5}' },
        { type: 'tool_result', tool_use_id: 'toolu_bad', content: 'execution: upstream 503', is_error: true },
        { type: 'tool_result', tool_use_id: 'toolu_fast', content: '{"city":"Bern","tempC":4}' },
      ],
    });
    expect(body.messages.at(-2).content.map((b: { type: string; id?: string }) => b.id ?? b.type)).toEqual(['text', 'toolu_slow', 'toolu_bad', 'toolu_fast']);
    expect(result.text).toBe('Quito 5, Bern 4.');
    expect(result.usage).toEqual({ inputTokens: 170, outputTokens: 39 });
    expect(result.costUsd).toBeCloseTo((170 * 1 + 39 * 5) / 1e6, 12);
  });

  it('dispatches a tool_use at its content_block_stop, before the next block streams', async () => {
    let secondSentAt = 0;
    let firstStartedAt = 0;
    const first = deferred();
    const probe = tool({
      name: 'probe',
      description: '',
      input: z.object({ n: z.number() }),
      execute: ({ n }) => {
        if (n === 1) {
          firstStartedAt = performance.now();
          first.resolve();
        }
        return n;
      },
    });
    const model = await claude([
      {
        sse: [
          A.messageStart(10),
          A.toolStart(0, 'toolu_1', 'probe'),
          A.jsonDelta(0, '{"n":'),
          A.jsonDelta(0, ' 1}'),
          A.blockStop(0),
          { until: Promise.race([first.promise, sleep(5000)]) }, // as above: waits for the dispatch, 5 s at most
          { call: () => (secondSentAt = performance.now()) },
          A.toolStart(1, 'toolu_2', 'probe'),
          A.jsonDelta(1, '{"n": 2}'),
          A.blockStop(1),
          A.messageDelta('tool_use', 20),
          A.messageStop(),
        ],
      },
      { sse: A.textAnswer('ok') },
    ]);
    await runAgent({ model, tools: [probe], messages: [{ role: 'user', content: 'go' }] }).result;
    expect(firstStartedAt).toBeGreaterThan(0);
    expect(firstStartedAt).toBeLessThan(secondSentAt);
  });
});
