import { getEventListeners } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tool, ToolExecutor } from '../src/index.js';
import { Semaphore } from '../src/executor/semaphore.js';
import { LinkedAbort } from '../src/abort.js';
import { errorOf, hangingTool, sleep } from './support/tools.js';


/** A pino logger writing JSON lines into an array, with a count of child loggers made from it. */
function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  let children = 0;
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<typeof child>) => {
    children += 1;
    return child(...args);
  }) as typeof logger.child;
  return { logger, lines, children: () => children };
}

describe('ToolExecutor fast path (tools without limits)', () => {
  it('makes the child logger only for a tool that reads ctx.logger, bound to the tool and call', async () => {
    const rec = recordingLogger();
    const quiet = tool({ name: 'quiet', description: '', input: z.object({}), execute: () => 'ok' });
    const chatty = tool({
      name: 'chatty',
      description: '',
      input: z.object({}),
      execute: (_a, ctx) => {
        ctx.logger.info('working');
        ctx.logger.info('still working');
        return 'ok';
      },
    });
    const ex = new ToolExecutor([quiet, chatty], { logger: rec.logger });
    await Promise.all([ex.run({ id: 'q1', name: 'quiet', args: {} }), ex.run({ id: 'q2', name: 'quiet', args: {} })]);
    expect(rec.children()).toBe(0);
    await ex.run({ id: 'c1', name: 'chatty', args: {} });
    expect(rec.children()).toBe(1); // once per call, however often the tool logs
    expect(rec.lines.map((l) => [l.msg, l.tool, l.callId])).toEqual([
      ['working', 'chatty', 'c1'],
      ['still working', 'chatty', 'c1'],
    ]);
  });

  it('gives a context that survives spreading and destructuring', async () => {
    const seen: unknown[] = [];
    const probe = tool({
      name: 'probe',
      description: '',
      input: z.object({}),
      execute: (_a, ctx) => {
        const copy = { ...ctx };
        const { signal, callId } = ctx;
        seen.push(copy.signal instanceof AbortSignal, typeof copy.logger.info, signal instanceof AbortSignal, callId);
      },
    });
    await new ToolExecutor([probe]).run({ id: 'p', name: 'probe', args: {} });
    expect(seen).toEqual([true, 'function', true, 'p']);
  });

  it('adds at most one listener to the executor\'s and the caller\'s signal, however many calls wait or run', async () => {
    const run = new AbortController();
    const branch = new AbortController();
    const waits = tool({
      name: 'waits',
      description: '',
      input: z.object({ i: z.number() }),
      execute: async ({ i }, ctx) => {
        ctx.signal.addEventListener('abort', () => undefined); // never removed: must stay on the call's own signal
        await sleep(1);
        return i;
      },
    });
    const ex = new ToolExecutor([waits], { signal: run.signal, concurrency: 4 });
    const pending = Array.from({ length: 50 }, (_, i) => ex.run({ id: `w${i}`, name: 'waits', args: { i } }, { signal: branch.signal }));
    expect(getEventListeners(run.signal, 'abort').length).toBeLessThanOrEqual(1);
    expect(getEventListeners(branch.signal, 'abort').length).toBeLessThanOrEqual(1);
    const results = await Promise.all(pending);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(getEventListeners(run.signal, 'abort').length).toBeLessThanOrEqual(1);
    expect(getEventListeners(branch.signal, 'abort').length).toBeLessThanOrEqual(1);
  });

  it('on cancel under the global cap: running calls see their signal fire, queued calls never start', async () => {
    const { hang, started, sawAbort } = hangingTool(); // ignores its signal on purpose
    const controller = new AbortController();
    const ex = new ToolExecutor([hang], { signal: controller.signal, concurrency: 2 });
    const pending = Array.from({ length: 5 }, (_, i) => ex.run({ id: `h${i}`, name: 'hang', args: {} }));
    await sleep(20);
    expect(started).toEqual(['h0', 'h1']);
    const t0 = performance.now();
    controller.abort();
    const results = await Promise.all(pending);
    // The tool never finishes, so settling at all shows nothing waited for it; the bound only rules out a
    // timer, with room for a busy machine.
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(results.map((r) => errorOf(r)?.kind)).toEqual(Array(5).fill('cancelled'));
    expect(results.map((r) => r.startedAt === undefined)).toEqual([false, false, true, true, true]);
    expect(sawAbort.sort()).toEqual(['h0', 'h1']);
    await sleep(20);
    expect(started).toEqual(['h0', 'h1']);
  });

  it('frees the global slot when a tool settles, so queued calls start in arrival order', async () => {
    const order: number[] = [];
    const step = tool({
      name: 'step',
      description: '',
      input: z.object({ i: z.number() }),
      execute: async ({ i }) => {
        order.push(i);
        await sleep(2);
        return i;
      },
    });
    const sync = tool({ name: 'sync', description: '', input: z.object({ i: z.number() }), execute: ({ i }) => i * 10 });
    const ex = new ToolExecutor([step, sync], { concurrency: 1 });
    const results = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => ex.run({ id: `s${i}`, name: 'step', args: { i } })),
      ex.run({ id: 'y', name: 'sync', args: { i: 7 } }),
    ]);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(results.map((r) => (r.ok ? r.output : r.error.kind))).toEqual([0, 1, 2, 3, 70]);
    // A synchronous tool releases its slot at once: the next call runs without waiting.
    expect(await ex.run({ id: 'y2', name: 'sync', args: { i: 1 } })).toMatchObject({ ok: true, output: 10, attempts: 1 });
  });

  it('logs a failing call at debug level with the tool and call id', async () => {
    const rec = recordingLogger();
    const boom = tool({ name: 'boom', description: '', input: z.object({}), execute: () => Promise.reject(new Error('disk full')) });
    const result = await new ToolExecutor([boom], { logger: rec.logger }).run({ id: 'b1', name: 'boom', args: {} });
    expect(errorOf(result)).toEqual({ kind: 'execution', message: 'disk full' });
    expect(rec.lines).toMatchObject([{ level: 20, tool: 'boom', callId: 'b1', msg: 'tool call failed', err: { message: 'disk full' } }]);
  });
});

describe('Semaphore', () => {
  it('takes free slots at once and hands released ones to waiters first come, first served', async () => {
    const sem = new Semaphore(2);
    expect(sem.tryAcquire()).toBe(true);
    expect(sem.tryAcquire()).toBe(true);
    expect(sem.tryAcquire()).toBe(false);
    const granted: string[] = [];
    const a = sem.acquire().then(() => granted.push('a'));
    const b = sem.acquire().then(() => granted.push('b'));
    sem.release();
    expect(sem.tryAcquire()).toBe(false); // the released slot went to "a", not to a newcomer
    await a;
    expect(granted).toEqual(['a']);
    sem.release();
    await b;
    expect(granted).toEqual(['a', 'b']);
  });

  it('drops an aborted waiter from the line without giving it a slot', async () => {
    const sem = new Semaphore(1);
    sem.tryAcquire();
    const controller = new AbortController();
    const dropped = sem.acquire(controller.signal);
    const next = sem.acquire();
    controller.abort(new Error('stop'));
    await expect(dropped).rejects.toThrow('stop');
    sem.release();
    await next; // the slot skipped the aborted waiter
    expect(sem.tryAcquire()).toBe(false);
    sem.release();
    expect(sem.tryAcquire()).toBe(true);
    await expect(sem.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});

describe('LinkedAbort', () => {
  it('fires its signal and rejects its race with the first parent\'s reason, then lets go of the parents', async () => {
    const a = new AbortController();
    const b = new AbortController();
    const link = new LinkedAbort(a.signal, b.signal);
    expect(link.aborted).toBe(false);
    const never = link.race(new Promise(() => undefined));
    const signal = link.signal;
    b.abort(new Error('branch cancelled'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('branch cancelled');
    await expect(never).rejects.toThrow('branch cancelled');
    expect(link.aborted).toBe(true);
    a.abort(new Error('run cancelled')); // disposed: the first reason stays
    expect((signal.reason as Error).message).toBe('branch cancelled');
  });

  it('listens to a parent through one listener however many operations are in flight under it', () => {
    const run = new AbortController();
    const links = Array.from({ length: 100 }, () => new LinkedAbort(run.signal, undefined));
    const signals = links.map((l) => l.signal);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(1);
    links[0]!.dispose(); // settled before the abort: not told
    run.abort();
    expect(signals.map((s) => s.aborted)).toEqual([false, ...Array(99).fill(true)]);
  });

  it('registers nothing until asked, and is aborted at once under an aborted parent', async () => {
    const a = new AbortController();
    const idle = new LinkedAbort(a.signal, undefined);
    expect(idle.aborted).toBe(false);
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
    await expect(idle.race(Promise.resolve(5))).resolves.toBe(5);
    idle.dispose();
    const late = new LinkedAbort(undefined, AbortSignal.abort(new Error('gone')));
    expect(late.signal.aborted).toBe(true);
    await expect(late.race(Promise.resolve(1))).rejects.toThrow('gone');
    expect(new LinkedAbort(undefined, undefined).signal.aborted).toBe(false);
  });
});
