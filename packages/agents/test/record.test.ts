import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Store } from '@verdant/core';
import { scratchPostgres, serviceUrl } from '@verdant/core/testing';
import { getAgentRun, listAgentRuns, openaiCompatible, runAgent, tool } from '../src/index.js';
import * as O from './support/openai-wire.js';
import { deferred, sleep } from './support/tools.js';
import { startWireServer } from './support/wire-server.js';

const dir = mkdtempSync(join(tmpdir(), 'verdant-agent-runs-'));
const pg = serviceUrl('postgres');
const backends: Array<[string, () => Promise<{ url: string; drop: () => Promise<void> }>, boolean]> = [
  ['sqlite', async () => ({ url: `sqlite:${join(mkdtempSync(join(dir, 's-')), 'v.db')}`, drop: async () => undefined }), true],
  ['postgres', () => scratchPostgres(pg!), Boolean(pg)],
];

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await read().catch(() => undefined); // the run row may not be written yet
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

for (const [name, make, enabled] of backends) {
  describe.skipIf(!enabled)(`recorded agent runs on ${name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const s = await make();
      drop = s.drop;
      store = await Store.open({ url: s.url });
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it('records the run live: turns, calls with real start/end, queue and rate-limit waits, tokens, cost, redacted arguments', async () => {
      const wire = await startWireServer([
        {
          sse: O.callsAnswer(
            [
              { id: 'a', name: 'lookup', args: { q: 'one', secret: 's3' } },
              { id: 'b', name: 'lookup', args: { q: 'two', secret: 's3' } },
              { id: 'c', name: 'limited', args: {} },
              { id: 'd', name: 'limited', args: {} },
              { id: 'e', name: 'nope', args: {} },
            ],
            100,
            20,
          ),
        },
        { sse: O.textAnswer('done', 150, 5) },
      ]);
      const gate = deferred();
      const lookup = tool({
        name: 'lookup',
        description: '',
        input: z.object({ q: z.string(), secret: z.string() }),
        limits: { concurrency: 1 },
        execute: async ({ q }) => {
          await gate.promise;
          return { found: q };
        },
      });
      const limited = tool({ name: 'limited', description: '', input: z.object({}), limits: { rate: { limit: 1, intervalMs: 300 } }, execute: () => 'ok' });
      const model = openaiCompatible({ baseUrl: `${wire.url}/v1`, model: 'gpt-4o-mini', retries: { maxAttempts: 1 } });
      const run = runAgent({
        model,
        tools: [lookup, limited],
        messages: [{ role: 'user', content: 'x' }],
        pricing: { 'gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 2 } },
        record: { store, name: 'test run', includeArgs: true, redact: (v, where) => (where.kind === 'args' ? { ...(v as object), secret: '***' } : v) },
      });
      expect(run.runId).toMatch(/^arun_/);

      // Live: while the first lookup holds, the run is running, one call runs and one is queued behind it.
      const live = await until(() => getAgentRun(store, run.runId!), (r) => r.calls.some((c) => c.callId === 'a' && c.status === 'running') && r.calls.length === 5, 'the calls to show');
      expect(live.status).toBe('running');
      expect(live.calls.find((c) => c.callId === 'b')!.status).toBe('queued');
      expect((await listAgentRuns(store)).find((r) => r.id === run.runId)).toMatchObject({ status: 'running', name: 'test run' });
      const gateOpened = Date.now() / 1000; // a cannot end before this
      gate.resolve();
      await run.result;
      await wire.close();

      const r = await getAgentRun(store, run.runId!);
      expect(r).toMatchObject({ status: 'finished', finishReason: 'stop', steps: 2, inputTokens: 250, outputTokens: 25, vendor: 'openai-compatible', model: 'gpt-4o-mini' });
      expect(r.costUsd).toBeCloseTo((250 * 1 + 25 * 2) / 1e6, 12);
      expect(r.turns.map((t) => [t.step, t.finishReason, t.inputTokens])).toEqual([[1, 'tool-calls', 100], [2, 'stop', 150]]);
      for (const t of r.turns) {
        expect(t.endedAt!).toBeGreaterThanOrEqual(t.startedAt);
        expect(t.firstTokenAt!).toBeGreaterThanOrEqual(t.startedAt);
      }
      const byId = new Map(r.calls.map((c) => [c.callId, c]));
      const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((id) => byId.get(id)!);
      expect(a).toMatchObject({ step: 1, tool: 'lookup', status: 'ok', attempts: 1, args: { q: 'one', secret: '***' }, output: { found: 'one' } });
      // b waited for a's slot: it started only once a could end (the gate opened). (a's end is stamped after its
      // slot is given back, so b may start a moment before the stamp: compare with the gate, not the stamp.)
      expect(b!.startedAt!).toBeGreaterThanOrEqual(gateOpened);
      expect(a!.endedAt!).toBeGreaterThanOrEqual(gateOpened);
      expect(b!.queueWaitS!).toBeGreaterThan(0);
      // One of the rate-limited calls waited for the window.
      expect(Math.max(c!.rateWaitS, d!.rateWaitS)).toBeGreaterThan(0);
      expect(e).toMatchObject({ status: 'unknown-tool', startedAt: null, error: expect.stringContaining('unknown tool "nope"') });
      for (const call of [a, b, c, d]) expect(call!.endedAt!).toBeGreaterThanOrEqual(call!.startedAt!);
      expect(r.criticalPath).toHaveLength(1);
      expect(r.criticalPath[0]!.seconds).toBeGreaterThan(0);
    });

    it('records a failed run with its error, and refuses an unknown id with a not-found error', async () => {
      const wire = await startWireServer([{ status: 401, json: { error: { message: 'bad key' } } }]);
      const model = openaiCompatible({ baseUrl: `${wire.url}/v1`, model: 'm', retries: { maxAttempts: 1 } });
      const run = runAgent({ model, messages: [{ role: 'user', content: 'x' }], record: { store } });
      await expect(run.result).rejects.toThrow(/401/);
      await wire.close();
      const r = await getAgentRun(store, run.runId!);
      expect(r).toMatchObject({ status: 'failed', error: expect.stringContaining('401'), name: 'm' });
      expect(r.args).toBeUndefined();
      expect(r.turns[0]!.error).toContain('401');
      await expect(getAgentRun(store, 'arun_missing')).rejects.toMatchObject({ field: 'id', exitCode: 127 });
    });
  });
}
