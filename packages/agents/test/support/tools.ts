/** Small pieces the executor and agent-loop tests share. */
import { z } from 'zod';
import { tool, type ToolLimits, type ToolResult } from '../../src/index.js';

/** Waits `ms`; rejects with the signal's reason when it fires first. */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });

export const errorOf = (r: ToolResult) => (r.ok ? undefined : r.error);

/** A promise and the function that resolves it (Node 20 has no Promise.withResolvers). */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Every item of an async iterable, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The items an async iterable yields before it throws, and what it threw (undefined when it ended). */
export async function collectUntilError<T>(items: AsyncIterable<T>): Promise<{ seen: T[]; error: unknown }> {
  const seen: T[] = [];
  try {
    for await (const item of items) seen.push(item);
  } catch (error) {
    return { seen, error };
  }
  return { seen, error: undefined };
}

/**
 * A tool named `hang` that records the calls that started and those that saw ctx.signal fire, and never
 * finishes on its own: with `rejectOnAbort` it rejects when its signal fires, otherwise it ignores the
 * signal on purpose (the executor must still report the call without waiting for it).
 */
export function hangingTool(options: { limits?: ToolLimits; rejectOnAbort?: boolean } = {}) {
  const started: string[] = [];
  const sawAbort: string[] = [];
  const hang = tool({
    name: 'hang',
    description: '',
    input: z.object({}),
    ...(options.limits ? { limits: options.limits } : {}),
    execute: (_args, ctx) => {
      started.push(ctx.callId);
      return new Promise<void>((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          sawAbort.push(ctx.callId);
          if (options.rejectOnAbort) reject(ctx.signal.reason as Error);
        });
      });
    },
  });
  return { hang, started, sawAbort };
}

/**
 * A tool named `barrier` whose calls each wait until `size` calls have started, recording `start:<i>` and
 * `end:<i>`. All `size` calls start before any finishes only when they run at the same time; `release()`
 * opens the barrier anyway (so a capped executor finishes instead of waiting forever).
 */
export function barrierTool(size: number) {
  const log: string[] = [];
  let started = 0;
  const { promise: opened, resolve: release } = deferred();
  const barrier = tool({
    name: 'barrier',
    description: '',
    input: z.object({ i: z.number() }),
    execute: async ({ i }) => {
      log.push(`start:${i}`);
      if (++started === size) release();
      await opened;
      log.push(`end:${i}`);
      return i;
    },
  });
  return { barrier, log, release };
}

/** Resolves after the microtasks queued now have run: every call that can start without waiting has started. */
export const settleMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));
