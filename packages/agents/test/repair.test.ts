import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openaiCompatible, repairWithModel, runAgent, tool, type AgentEvent, type ModelAdapter, type RepairRequest } from '../src/index.js';
import * as O from './support/openai-wire.js';
import { collect } from './support/tools.js';
import { startWireServer, type ScriptedResponse, type WireServer } from './support/wire-server.js';

let server: WireServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function openai(responses: ScriptedResponse[]): Promise<ModelAdapter> {
  server = await startWireServer(responses);
  return openaiCompatible({ baseUrl: `${server.url}/v1`, apiKey: 'k', model: 'gpt-4o-mini', retries: { maxAttempts: 1 } });
}

const weather = () =>
  tool({ name: 'weather', description: 'Current weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, execute: ({ city }) => `sunny in ${city as string}` });

const repairs = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'tool-call-repair' ? [e] : []));

describe('repair of malformed tool calls', () => {
  it('gives each malformed call to the hook once, runs the repaired call under the same id, and records both', async () => {
    const model = await openai([
      { sse: [O.roleChunk(), O.callStart(0, 'bad_json', 'weather', '{"city": "Oslo"'), O.callStart(1, 'bad_type', 'weather', '{"city": 7}'), O.callStart(2, 'ghost', 'forecast', '{"city": "Rome"}'), O.finishChunk('tool_calls'), O.done()] },
      { sse: O.textAnswer('done') },
    ]);
    const seen: RepairRequest[] = [];
    const repairToolCall = (r: RepairRequest) => {
      seen.push(r);
      if (r.error.kind === 'invalid-json') return { name: r.call.name, args: JSON.parse(`${r.rawArgs!}}`) as unknown };
      if (r.error.kind === 'unknown-tool') return { name: 'weather', args: r.call.args };
      return { name: r.call.name, args: { city: String((r.call.args as { city: unknown }).city) } };
    };
    const run = runAgent({ model, tools: [weather()], messages: [{ role: 'user', content: 'x' }], repairToolCall });
    const events = await collect(run);
    const result = await run.result;

    expect(seen.map((r) => r.error.kind).sort()).toEqual(['invalid-json', 'unknown-tool', 'validation']);
    expect(seen[0]!.tools.map((t) => t.name)).toEqual(['weather']);
    const byId = new Map(repairs(events).map((e) => [e.original.id, e]));
    expect(byId.get('bad_json')).toMatchObject({ original: { name: 'weather', args: undefined, rawArgs: '{"city": "Oslo"' }, error: { kind: 'invalid-json' }, repaired: { id: 'bad_json', name: 'weather', args: { city: 'Oslo' } } });
    expect(byId.get('ghost')).toMatchObject({ original: { name: 'forecast' }, repaired: { id: 'ghost', name: 'weather' } });
    expect(byId.get('bad_type')).toMatchObject({ original: { args: { city: 7 } }, repaired: { args: { city: '7' } } });
    expect(result.steps[0]!.toolResults.map((r) => r.ok && r.output)).toEqual(['sunny in Oslo', 'sunny in 7', 'sunny in Rome']);
    // The transcript carries the calls that ran.
    const assistant = server!.requests[1]!.body.messages.find((m: { role: string }) => m.role === 'assistant');
    expect(assistant.tool_calls.map((c: { id: string; function: { name: string } }) => [c.id, c.function.name])).toEqual([['bad_json', 'weather'], ['bad_type', 'weather'], ['ghost', 'weather']]);
  });

  it('keeps the original error when the hook gives up, throws, or its repair fails too (no second attempt)', async () => {
    const model = await openai([
      { sse: [O.roleChunk(), O.callStart(0, 'a', 'weather', '{"city": 1}'), O.callStart(1, 'b', 'weather', '{"city": 2}'), O.callStart(2, 'c', 'weather', '{"city": 3}'), O.finishChunk('tool_calls'), O.done()] },
      { sse: O.textAnswer('done') },
    ]);
    let calls = 0;
    const repairToolCall = (r: RepairRequest) => {
      calls++;
      if (r.call.id === 'a') return undefined;
      if (r.call.id === 'b') throw new Error('repair service down');
      return { name: 'weather', args: { city: 4 } };
    };
    const run = runAgent({ model, tools: [weather()], messages: [{ role: 'user', content: 'x' }], repairToolCall });
    const events = await collect(run);
    const result = await run.result;
    expect(calls).toBe(3);
    const byId = new Map(repairs(events).map((e) => [e.original.id, e]));
    expect(byId.get('a')).toMatchObject({ repaired: undefined });
    expect(byId.get('b')).toMatchObject({ repaired: undefined, repairError: 'repair service down' });
    expect(byId.get('c')).toMatchObject({ repaired: { args: { city: 4 } } });
    expect(result.steps[0]!.toolResults.map((r) => !r.ok && r.error.kind)).toEqual(['validation', 'validation', 'validation']);
  });

  it('repairWithModel asks the model to re-issue the call, showing it the error and the tools', async () => {
    const model = await openai([
      { sse: O.callsAnswer([{ id: 'call_1', name: 'weather', args: { town: 'Oslo' } }]) },
      { sse: O.callsAnswer([{ id: 'fix_1', name: 'weather', args: { city: 'Oslo' } }]) },
      { sse: O.textAnswer('sunny') },
    ]);
    const run = runAgent({ model, tools: [weather()], messages: [{ role: 'user', content: 'x' }], repairToolCall: repairWithModel(model) });
    const events = await collect(run);
    expect((await run.result).text).toBe('sunny');
    expect(repairs(events)).toEqual([
      expect.objectContaining({ original: expect.objectContaining({ id: 'call_1', args: { town: 'Oslo' } }), repaired: { id: 'call_1', name: 'weather', args: { city: 'Oslo' } } }),
    ]);
    const repairRequest = server!.requests[1]!.body;
    expect(repairRequest.messages[0].content).toContain('unknown argument "town"');
    expect(repairRequest.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['weather']);
  });

  it('emits tool-call-args-stripped for a strip tool', async () => {
    const model = await openai([{ sse: O.callsAnswer([{ id: 'c', name: 'w', args: { city: 'Oslo', mood: 'happy' } }]) }, { sse: O.textAnswer('ok') }]);
    const w = tool({ name: 'w', description: '', input: z.object({ city: z.string() }), unknownArgs: 'strip', execute: (a) => a });
    const events = await collect(runAgent({ model, tools: [w], messages: [{ role: 'user', content: 'x' }] }));
    expect(events.find((e) => e.type === 'tool-call-args-stripped')).toMatchObject({ step: 1, call: { id: 'c' }, keys: ['mood'] });
  });
});
