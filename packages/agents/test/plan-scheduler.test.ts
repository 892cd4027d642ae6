import { describe, expect, it } from 'vitest';
import { parsePlanLine, type PlanTask } from '../src/plan/parse.js';
import { PlanScheduler, type SchedulerEvent } from '../src/plan/scheduler.js';
import { criticalPathMs } from '../src/plan/critical-path.js';

const task = (line: string): PlanTask => parsePlanLine(line)!;

/** A deferred result per task, so the test decides when each task finishes. */
function controlledInvoker() {
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const calls: Array<{ id: number; args: Record<string, unknown> }> = [];
  const invoke = (t: PlanTask, args: Record<string, unknown>) =>
    new Promise<unknown>((resolve, reject) => {
      calls.push({ id: t.id, args });
      pending.set(t.id, { resolve, reject });
    });
  const finish = async (id: number, value: unknown) => {
    pending.get(id)!.resolve(value);
    await new Promise((r) => setImmediate(r));
  };
  const failTask = async (id: number, message: string) => {
    pending.get(id)!.reject(new Error(message));
    await new Promise((r) => setImmediate(r));
  };
  return { invoke, calls, finish, failTask, started: () => calls.map((c) => c.id) };
}

describe('PlanScheduler', () => {
  it('runs a diamond: both branches after the root, the join after both, with results substituted', async () => {
    const ctl = controlledInvoker();
    const events: SchedulerEvent[] = [];
    const scheduler = new PlanScheduler({ invoke: ctl.invoke, onEvent: (e) => events.push(e) });
    scheduler.add(task('1. search({"q": "heat pumps"})'));
    scheduler.add(task('2. fetch({"url": "$1/a"})'));
    scheduler.add(task('3. fetch({"url": "${1}/b"})'));
    scheduler.add(task('4. summarize({"texts": ["$2", "$3"]})'));
    scheduler.close();

    expect(ctl.started()).toEqual([1]);
    await ctl.finish(1, 'https://x.test');
    expect(ctl.started()).toEqual([1, 2, 3]);
    expect(ctl.calls[1]!.args).toEqual({ url: 'https://x.test/a' });
    expect(ctl.calls[2]!.args).toEqual({ url: 'https://x.test/b' });
    await ctl.finish(3, 'page b');
    expect(ctl.started()).toEqual([1, 2, 3]);
    await ctl.finish(2, 'page a');
    expect(ctl.started()).toEqual([1, 2, 3, 4]);
    expect(ctl.calls[3]!.args).toEqual({ texts: ['page a', 'page b'] });
    await ctl.finish(4, 'summary');

    const outcomes = await scheduler.done();
    expect(outcomes.map((o) => [o.id, o.ok])).toEqual([[1, true], [2, true], [3, true], [4, true]]);
    const ends = events.filter((e) => e.type === 'task-end').map((e) => (e.type === 'task-end' ? e.outcome.id : 0));
    expect(ends).toEqual([1, 3, 2, 4]);
  });

  it('starts a task added after its dependency already finished (the plan is still streaming)', async () => {
    const ctl = controlledInvoker();
    const scheduler = new PlanScheduler({ invoke: ctl.invoke });
    scheduler.add(task('1. search({"q": "a"})'));
    await ctl.finish(1, { hits: 3 });
    scheduler.add(task('2. count({"n": $1})'));
    expect(ctl.calls[1]!.args).toEqual({ n: { hits: 3 } });
    await ctl.finish(2, 3);
    scheduler.close();
    expect((await scheduler.done()).every((o) => o.ok)).toBe(true);
  });

  it('fails dependents of a failed task with an error naming it, and keeps running the rest', async () => {
    const ctl = controlledInvoker();
    const scheduler = new PlanScheduler({ invoke: ctl.invoke });
    scheduler.add(task('1. search({"q": "a"})'));
    scheduler.add(task('2. fetch({"url": "$1"})'));
    scheduler.add(task('3. summarize({"t": "$2"})'));
    scheduler.add(task('4. search({"q": "independent"})'));
    scheduler.close();
    await ctl.failTask(1, 'HTTP 503 from search');
    await ctl.finish(4, 'ok');
    const outcomes = await scheduler.done();
    const byId = new Map(outcomes.map((o) => [o.id, o]));
    expect(ctl.started()).toEqual([1, 4]);
    expect(byId.get(1)).toMatchObject({ ok: false, error: 'HTTP 503 from search' });
    expect(byId.get(2)).toMatchObject({ ok: false, error: 'dependency $1 (search) failed: HTTP 503 from search', startedMs: undefined });
    expect(byId.get(3)).toMatchObject({ ok: false, error: expect.stringMatching(/^dependency \$2 \(fetch\) failed: dependency \$1/) });
    expect(byId.get(4)).toMatchObject({ ok: true, result: 'ok' });
  });

  it('fails a task whose line could not be parsed, and one added after its dependency failed', async () => {
    const ctl = controlledInvoker();
    const scheduler = new PlanScheduler({ invoke: ctl.invoke });
    scheduler.add(task('1. search("not json")'));
    scheduler.add(task('2. fetch({"url": "$1"})'));
    scheduler.close();
    const outcomes = await scheduler.done();
    expect(outcomes[0]).toMatchObject({ ok: false, error: expect.stringMatching(/not a JSON object/) });
    expect(outcomes[1]).toMatchObject({ ok: false, error: expect.stringMatching(/^dependency \$1 \(search\) failed/) });
    expect(ctl.calls).toEqual([]);
  });

  it('turns a synchronous throw of the invoker into a failed task', async () => {
    const scheduler = new PlanScheduler({
      invoke: () => {
        throw new Error('boom');
      },
    });
    scheduler.add(task('1. a({})'));
    scheduler.close();
    expect(await scheduler.done()).toMatchObject([{ ok: false, error: 'boom' }]);
  });

  it('on abort, fails waiting tasks and passes the signal to running ones', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const scheduler = new PlanScheduler({
      signal: controller.signal,
      invoke: (_t, _a, signal) =>
        new Promise((_resolve, reject) => {
          seen = signal;
          signal.addEventListener('abort', () => reject(signal.reason as Error));
        }),
    });
    scheduler.add(task('1. slow({})'));
    scheduler.add(task('2. next({"x": "$1"})'));
    scheduler.close();
    controller.abort(new Error('user pressed ctrl-c'));
    const outcomes = await scheduler.done();
    expect(seen?.aborted).toBe(true);
    expect(outcomes[0]).toMatchObject({ ok: false, error: 'user pressed ctrl-c' });
    expect(outcomes[1]).toMatchObject({ ok: false, error: 'aborted before start: user pressed ctrl-c' });
  });

  it('resolves references to tasks of an earlier plan without re-running them', async () => {
    const ctl = controlledInvoker();
    const earlier = new Map([[1, { id: 1, tool: 'search', args: {}, startedMs: 0, endedMs: 1, ok: true as const, result: 'r1' }]]);
    const scheduler = new PlanScheduler({ invoke: ctl.invoke, earlier });
    scheduler.add(task('2. fetch({"url": "$1"})'));
    scheduler.close();
    await ctl.finish(2, 'page');
    expect(ctl.calls).toEqual([{ id: 2, args: { url: 'r1' } }]);
    expect((await scheduler.done()).map((o) => o.id)).toEqual([2]);
  });
});

describe('criticalPathMs', () => {
  it('is the longest chain of durations', () => {
    expect(
      criticalPathMs([
        { id: 1, deps: [], durationMs: 100 },
        { id: 2, deps: [1], durationMs: 50 },
        { id: 3, deps: [1], durationMs: 80 },
        { id: 4, deps: [2, 3], durationMs: 10 },
        { id: 5, deps: [], durationMs: 150 },
      ]),
    ).toBe(190);
  });

  it('rejects a dependency listed after its dependent', () => {
    expect(() => criticalPathMs([{ id: 1, deps: [2], durationMs: 1 }])).toThrow(/not listed before it/);
  });
});
