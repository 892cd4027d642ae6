import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tool, ToolExecutor } from '../src/index.js';
import { barrierTool, errorOf, hangingTool, settleMicrotasks, sleep } from './support/tools.js';


describe('ToolExecutor', () => {
  const add = tool({ name: 'add', description: 'Add', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });

  it('validates arguments with zod and returns zod\'s message as a validation error', async () => {
    const ex = new ToolExecutor([add]);
    const ok = await ex.run({ id: 'c1', name: 'add', args: { a: 1, b: 2 } });
    expect(ok).toMatchObject({ ok: true, output: 3, attempts: 1, callId: 'c1' });
    const bad = await ex.run({ id: 'c2', name: 'add', args: { a: 1, b: 'two' } });
    expect(errorOf(bad)?.kind).toBe('validation');
    expect(errorOf(bad)?.message).toMatch(/expected number, received string/);
    expect(errorOf(bad)?.message).toMatch(/b/);
    expect(bad.attempts).toBe(0);
  });

  it('turns unknown tools, bad JSON and throwing tools into error results', async () => {
    const boom = tool({ name: 'boom', description: '', input: z.object({}), execute: () => { throw new Error('disk full'); } });
    const ex = new ToolExecutor([add, boom]);
    expect(errorOf(await ex.run({ id: '1', name: 'nope', args: {} }))).toEqual({ kind: 'unknown-tool', message: expect.stringContaining('add, boom') });
    expect(errorOf(await ex.run({ id: '2', name: 'add', args: undefined, argsError: 'Unexpected end of JSON input' }))?.kind).toBe('invalid-json');
    expect(errorOf(await ex.run({ id: '3', name: 'boom', args: {} }))).toEqual({ kind: 'execution', message: 'disk full' });
  });

  it('times an attempt out (ctx.signal fires) and retries with backoff until one succeeds', async () => {
    let calls = 0;
    const aborted: boolean[] = [];
    const flaky = tool({
      name: 'flaky',
      description: '',
      input: z.object({}),
      limits: { timeoutMs: 30, retries: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 } },
      execute: async (_args, ctx) => {
        calls += 1;
        if (calls < 3) {
          await sleep(1000, ctx.signal).catch(() => aborted.push(ctx.signal.aborted));
          return 'too late';
        }
        return 'third time';
      },
    });
    const result = await new ToolExecutor([flaky]).run({ id: 'f', name: 'flaky', args: {} });
    expect(result).toMatchObject({ ok: true, output: 'third time', attempts: 3 });
    expect(aborted).toEqual([true, true]);
  });

  it('reports a timeout when every attempt times out', async () => {
    const slow = tool({ name: 'slow', description: '', input: z.object({}), limits: { timeoutMs: 20 }, execute: (_a, ctx) => sleep(1000, ctx.signal) });
    const result = await new ToolExecutor([slow]).run({ id: 's', name: 'slow', args: {} });
    expect(errorOf(result)?.kind).toBe('timeout');
  });

  it('opens the circuit after `threshold` consecutive failures and fails fast without calling the tool', async () => {
    let calls = 0;
    const down = tool({
      name: 'down',
      description: '',
      input: z.object({}),
      limits: { circuitBreaker: { threshold: 2, halfOpenAfterMs: 60_000 } },
      execute: () => {
        calls += 1;
        throw new Error('503 from upstream');
      },
    });
    const ex = new ToolExecutor([down]);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await ex.run({ id: `d${i}`, name: 'down', args: {} }));
    expect(results.map((r) => errorOf(r)?.kind)).toEqual(['execution', 'execution', 'circuit-open', 'circuit-open']);
    expect(calls).toBe(2);
  });

  it('lets a trial call through once half-open and closes the circuit when it succeeds', async () => {
    let healthy = false;
    const svc = tool({
      name: 'svc',
      description: '',
      input: z.object({}),
      limits: { circuitBreaker: { threshold: 1, halfOpenAfterMs: 40 } },
      execute: () => {
        if (!healthy) throw new Error('down');
        return 'up';
      },
    });
    const ex = new ToolExecutor([svc]);
    expect(errorOf(await ex.run({ id: '1', name: 'svc', args: {} }))?.kind).toBe('execution');
    expect(errorOf(await ex.run({ id: '2', name: 'svc', args: {} }))?.kind).toBe('circuit-open');
    healthy = true;
    await sleep(60);
    expect(await ex.run({ id: '3', name: 'svc', args: {} })).toMatchObject({ ok: true, output: 'up' });
    expect(await ex.run({ id: '4', name: 'svc', args: {} })).toMatchObject({ ok: true, output: 'up' });
  });

  it('never runs more than 2 at once nor starts more than 5 per second under those limits', async () => {
    const spans: Array<{ start: number; end: number }> = [];
    let running = 0;
    let maxRunning = 0;
    const limited = tool({
      name: 'limited',
      description: '',
      input: z.object({ i: z.number() }),
      limits: { concurrency: 2, rate: { limit: 5, intervalMs: 1000 } },
      execute: async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        const start = performance.now();
        await sleep(40);
        running -= 1;
        spans.push({ start, end: performance.now() });
      },
    });
    const ex = new ToolExecutor([limited], { concurrency: 16 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => ex.run({ id: `l${i}`, name: 'limited', args: { i } })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(maxRunning).toBeLessThanOrEqual(2);
    const starts = spans.map((s) => s.start).sort((a, b) => a - b);
    // In any window of 1 s (small tolerance for timer granularity) at most 5 starts.
    for (let i = 0; i + 5 < starts.length; i++) expect(starts[i + 5]! - starts[i]!).toBeGreaterThanOrEqual(990);
    // Concurrency from the recorded spans: at every start, fewer than 2 others are still running.
    for (const s of spans) expect(spans.filter((o) => o !== s && o.start <= s.start && o.end > s.start).length).toBeLessThan(2);
  });

  it('shares a tool\'s limits between executors (runs) that use the same tool', async () => {
    let running = 0;
    let maxRunning = 0;
    const single = tool({
      name: 'single',
      description: '',
      input: z.object({}),
      limits: { concurrency: 1 },
      execute: async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await sleep(10);
        running -= 1;
      },
    });
    const runs = [new ToolExecutor([single]), new ToolExecutor([single])];
    await Promise.all(Array.from({ length: 6 }, (_, i) => runs[i % 2]!.run({ id: `${i}`, name: 'single', args: {} })));
    expect(maxRunning).toBe(1);
  });

  it('starts every call at once by default (10 calls waiting on a barrier all start before any finishes); a global cap is opt-in', async () => {
    const run = async (concurrency?: number) => {
      const { barrier, log, release } = barrierTool(10);
      const ex = new ToolExecutor([barrier], concurrency === undefined ? {} : { concurrency });
      const pending = Array.from({ length: 10 }, (_, i) => ex.run({ id: `b${i}`, name: 'barrier', args: { i } }));
      // Under a cap the barrier cannot fill: let every call that can start do so, then open it.
      await settleMicrotasks();
      release();
      const results = await Promise.all(pending);
      expect(results.map((r) => (r.ok ? r.output : r.error.kind))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      return log.findIndex((entry) => entry.startsWith('end:')); // calls started before the first one ended
    };
    expect(await run()).toBe(10);
    expect(await run(4)).toBe(4);
  });

  it('caps all tools together at the global concurrency', async () => {
    let running = 0;
    let maxRunning = 0;
    const work = async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await sleep(15);
      running -= 1;
    };
    const a = tool({ name: 'a', description: '', input: z.object({}), execute: work });
    const b = tool({ name: 'b', description: '', input: z.object({}), execute: work });
    const ex = new ToolExecutor([a, b], { concurrency: 3 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => ex.run({ id: `${i}`, name: i % 2 ? 'a' : 'b', args: {} })));
    expect(maxRunning).toBe(3);
  });

  it('on cancel: running calls see their signal fire, queued calls never start, all settle promptly', async () => {
    // It ignores its signal on purpose: the results must still come back.
    const { hang, started, sawAbort } = hangingTool({ limits: { concurrency: 2 } });
    const controller = new AbortController();
    const ex = new ToolExecutor([hang], { signal: controller.signal });
    const pending = Array.from({ length: 5 }, (_, i) => ex.run({ id: `h${i}`, name: 'hang', args: {} }));
    await sleep(30);
    expect(started).toEqual(['h0', 'h1']);
    const t0 = performance.now();
    controller.abort();
    const results = await Promise.all(pending);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(1000); // the tool never finishes: only a timer could make this slow
    expect(results.map((r) => errorOf(r)?.kind)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(sawAbort.sort()).toEqual(['h0', 'h1']);
    expect(results.slice(2).every((r) => r.startedAt === undefined)).toBe(true);
    await sleep(20);
    expect(started).toEqual(['h0', 'h1']); // the queued ones never started, even after slots freed
  });

  it('cancels a single call through its own signal without touching the others', async () => {
    const wait = tool({ name: 'wait', description: '', input: z.object({ ms: z.number() }), execute: async ({ ms }, ctx) => { await sleep(ms, ctx.signal); return ms; } });
    const ex = new ToolExecutor([wait]);
    const one = new AbortController();
    const a = ex.run({ id: 'a', name: 'wait', args: { ms: 500 } }, { signal: one.signal });
    const b = ex.run({ id: 'b', name: 'wait', args: { ms: 20 } });
    one.abort();
    expect(errorOf(await a)?.kind).toBe('cancelled');
    expect(await b).toMatchObject({ ok: true, output: 20 });
  });
});
