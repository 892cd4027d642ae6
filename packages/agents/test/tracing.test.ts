import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanStatusCode } from '@opentelemetry/api';
import { openaiCompatible, runAgent, tool, type ModelAdapter } from '../src/index.js';
import * as O from './support/openai-wire.js';
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

function tracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: provider.getTracer('test') };
}

const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe('OpenTelemetry spans', () => {
  it('one span for the run, one per model turn under it, one per tool call under its turn, with GenAI attributes', async () => {
    const model = await openai([
      { sse: O.callsAnswer([{ id: 'c1', name: 'lookup', args: { q: 'a' } }, { id: 'c2', name: 'lookup', args: { q: 'bb' } }, { id: 'c3', name: 'flaky', args: {} }], 120, 30) },
      { sse: O.textAnswer('done', 200, 5) },
    ]);
    let flakyTries = 0;
    const lookup = tool({ name: 'lookup', description: '', input: z.object({ q: z.string() }), limits: { concurrency: 1 }, execute: ({ q }) => q.toUpperCase() });
    const flaky = tool({
      name: 'flaky',
      description: '',
      input: z.object({}),
      limits: { retries: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
      execute: () => {
        flakyTries++;
        throw new Error(`down ${flakyTries}`);
      },
    });
    const { exporter, tracer } = tracing();
    await runAgent({ model, tools: [lookup, flaky], messages: [{ role: 'user', content: 'x' }], tracer, maxTokens: 256 }).result;

    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((s) => s.name === 'invoke_agent');
    const turns = spans.filter((s) => s.name === 'chat gpt-4o-mini');
    const calls = spans.filter((s) => s.name.startsWith('execute_tool '));
    expect(runs).toHaveLength(1);
    expect(turns).toHaveLength(2);
    expect(calls).toHaveLength(3);
    const run = runs[0]!;
    expect(parentOf(run)).toBeUndefined();
    for (const t of turns) {
      expect(parentOf(t)).toBe(run.spanContext().spanId);
      expect(t.spanContext().traceId).toBe(run.spanContext().traceId);
    }
    const [turn1, turn2] = [...turns].sort((a, b) => (a.attributes['verdant.agent.step'] as number) - (b.attributes['verdant.agent.step'] as number));
    for (const c of calls) expect(parentOf(c)).toBe(turn1!.spanContext().spanId);

    expect(run.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'openai-compatible',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.max_tokens': 256,
      'gen_ai.usage.input_tokens': 320,
      'gen_ai.usage.output_tokens': 35,
      'verdant.agent.finish_reason': 'stop',
      'verdant.agent.steps': 2,
    });
    expect(turn1!.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 30, 'gen_ai.response.finish_reasons': ['tool-calls'] });
    expect(turn2!.attributes).toMatchObject({ 'gen_ai.response.finish_reasons': ['stop'] });
    for (const t of turns) expect(t.attributes['verdant.agent.time_to_first_token_s']).toBeGreaterThanOrEqual(0);

    const byId = new Map(calls.map((c) => [c.attributes['gen_ai.tool.call.id'], c]));
    expect(byId.get('c2')!.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup',
      'gen_ai.tool.type': 'function',
      'verdant.tool.args_bytes': Buffer.byteLength('{"q":"bb"}'),
      'verdant.tool.status': 'ok',
      'verdant.tool.attempts': 1,
      'verdant.tool.retries': 0,
    });
    expect(byId.get('c2')!.attributes['verdant.tool.queue_wait_s']).toBeGreaterThanOrEqual(0);
    const failed = byId.get('c3')!;
    expect(failed.attributes).toMatchObject({ 'verdant.tool.status': 'execution', 'verdant.tool.attempts': 2, 'verdant.tool.retries': 1, 'error.type': 'execution' });
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'down 2' });
  });

  it('marks the run and the turn as failed when the model request fails', async () => {
    const model = await openai([{ status: 400, json: { error: { message: 'bad request' } } }]);
    const { exporter, tracer } = tracing();
    await expect(runAgent({ model, messages: [{ role: 'user', content: 'x' }], tracer }).result).rejects.toThrow(/HTTP 400/);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.status.code])).toEqual([
      ['chat gpt-4o-mini', SpanStatusCode.ERROR],
      ['invoke_agent', SpanStatusCode.ERROR],
    ]);
    expect(spans[0]!.attributes['error.type']).toBe('ModelHttpError');
  });
});
