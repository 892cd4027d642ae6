import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Store } from '@verdant/core';
import { runAgent, tool, type ModelAdapter, type ModelEvent } from '@verdant/agents';
import { buildServer } from '../src/index.js';

let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  store = await Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-agent-runs-api-')), 'v.db')}` });
  app = await buildServer({ store });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

/** A model that calls `echo` twice in its first turn and answers in its second. */
function scripted(): ModelAdapter {
  let turn = 0;
  return {
    vendor: 'scripted',
    modelId: 'm1',
    async *stream(): AsyncIterable<ModelEvent> {
      turn++;
      if (turn === 1) {
        for (const [i, id] of ['c1', 'c2'].entries()) yield { type: 'tool-call-complete', index: i, id, name: 'echo', args: { text: id }, rawArgs: JSON.stringify({ text: id }) };
        yield { type: 'usage', usage: { inputTokens: 10, outputTokens: 4 } };
        yield { type: 'finish', reason: 'tool-calls' };
      } else {
        yield { type: 'text-delta', text: 'done' };
        yield { type: 'usage', usage: { inputTokens: 20, outputTokens: 2 } };
        yield { type: 'finish', reason: 'stop' };
      }
    },
  };
}

describe('/api/agent-runs', () => {
  it('lists recorded runs and shows one with its turns, calls and critical path', async () => {
    const echo = tool({ name: 'echo', description: '', input: z.object({ text: z.string() }), execute: ({ text }) => text });
    const run = runAgent({ model: scripted(), tools: [echo], messages: [{ role: 'user', content: 'x' }], record: { store, name: 'api test' } });
    await run.result;

    const list = await app.inject({ url: '/api/agent-runs?limit=5' });
    expect(list.statusCode).toBe(200);
    expect(list.json().runs[0]).toMatchObject({ id: run.runId, name: 'api test', status: 'finished', steps: 2, input_tokens: 30, output_tokens: 6 });

    const one = await app.inject({ url: `/api/agent-runs/${run.runId}` });
    expect(one.statusCode).toBe(200);
    const body = one.json();
    expect(body.turns.map((t: { step: number; finish_reason: string }) => [t.step, t.finish_reason])).toEqual([[1, 'tool-calls'], [2, 'stop']]);
    expect(body.calls.map((c: { call_id: string; status: string }) => [c.call_id, c.status])).toEqual([['c1', 'ok'], ['c2', 'ok']]);
    for (const c of body.calls) expect(c.ended_at).toBeGreaterThanOrEqual(c.started_at);
    expect(body.calls[0]).not.toHaveProperty('args');
    expect(body.critical_path).toEqual([{ step: 1, seconds: expect.any(Number), seq: expect.any(Number) }]);
  });

  it('answers 404 for an unknown run and 400 for a bad limit or an unknown parameter', async () => {
    const missing = await app.inject({ url: '/api/agent-runs/arun_nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ field: 'id' });
    const bad = await app.inject({ url: '/api/agent-runs?limit=0' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'limit' });
    expect((await app.inject({ url: '/api/agent-runs?lmit=3' })).statusCode).toBe(400);
  });
});
