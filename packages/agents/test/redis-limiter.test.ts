import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { VerdantError } from '@verdant/core';
import { serviceUrl } from '@verdant/core/testing';
import { z } from 'zod';
import { RedisRateLimiter } from '../src/redis/rate-limiter.js';
import { ToolExecutor } from '../src/executor/executor.js';
import { createAgentMetrics } from '../src/metrics/prometheus.js';
import { tool } from '../src/tool.js';

const url = serviceUrl('redis');
const CHILD = fileURLToPath(new URL('./fixtures/redis-limiter-child.mjs', import.meta.url));
const LIMITER_SOURCE = fileURLToPath(new URL('../src/redis/rate-limiter.ts', import.meta.url));

interface ChildMessage {
  type: 'ready' | 'done';
  grants?: number[];
}

function nextMessage(child: ChildProcess, type: ChildMessage['type']): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildMessage) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before "${type}"`)));
  });
}

/** The most grants that fall into any half-open window [t, t + intervalMs). */
function busiestWindow(grants: number[], intervalMs: number): number {
  const sorted = [...grants].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    // 1 ns tolerance: grant times are whole microseconds divided by 1000.
    while (sorted[end]! - sorted[start]! >= intervalMs - 1e-6) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

describe.skipIf(!url)('RedisRateLimiter (real redis-server)', () => {
  const clients: Redis[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('two processes sharing a key never exceed the quota in any window', async () => {
    const key = `test:${randomUUID()}`;
    const limit = 4;
    const intervalMs = 150;
    const perChild = 10;
    const children = [0, 1].map(() =>
      fork(CHILD, [url!, key, String(limit), String(intervalMs), String(perChild), LIMITER_SOURCE], { stdio: 'inherit' }),
    );
    try {
      await Promise.all(children.map((c) => nextMessage(c, 'ready')));
      const done = children.map((c) => nextMessage(c, 'done'));
      for (const c of children) c.send('go');
      const results = await Promise.all(done);
      const perProcess = results.map((r) => r.grants!);
      const all = perProcess.flat();

      expect(perProcess.map((g) => g.length)).toEqual([perChild, perChild]);
      // Both processes drew from the same window, and it was filled to (never past) the limit.
      expect(busiestWindow(all, intervalMs)).toBe(limit);
      expect(busiestWindow(perProcess[0]!, intervalMs)).toBeLessThan(limit + 1);
      const sorted = [...all].sort((a, b) => a - b);
      for (let i = limit; i < sorted.length; i++) {
        expect(sorted[i]! - sorted[i - limit]!).toBeGreaterThanOrEqual(intervalMs - 1e-6);
      }
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill();
    }
  });

  it('admits up to the limit at once, then waits for the window to slide', async () => {
    const redis = new Redis(url!);
    clients.push(redis);
    // A window long enough that the second grant comes within it even when the machine is busy.
    const limiter = new RedisRateLimiter({ redis, limit: 2, intervalMs: 1000, prefix: `test:${randomUUID()}:` });
    const grants = [];
    for (let i = 0; i < 3; i++) grants.push(await limiter.acquire('tool'));
    expect(grants[1]!.grantedAtMs - grants[0]!.grantedAtMs).toBeLessThan(1000);
    expect(grants[2]!.grantedAtMs - grants[0]!.grantedAtMs).toBeGreaterThanOrEqual(1000);
    expect(grants[2]!.waitedMs).toBeGreaterThan(0);
    // Separate keys are separate windows.
    const other = await limiter.acquire('other-tool');
    expect(other.grantedAtMs).toBeGreaterThanOrEqual(grants[2]!.grantedAtMs);
    await limiter.close();
    expect(redis.status).toBe('ready');
  });

  it('a quota passed to acquire() overrides the default, as the executor does with a tool limit', async () => {
    const redis = new Redis(url!);
    clients.push(redis);
    const prefix = `test:${randomUUID()}:`;
    const limiter = new RedisRateLimiter({ redis, prefix });
    await limiter.acquire('k', undefined, { limit: 1, intervalMs: 60_000 });
    expect(await redis.zcard(`${prefix}k`)).toBe(1);
    const ttl = await redis.pttl(`${prefix}k`);
    expect(ttl).toBeGreaterThan(59_000);
    await expect(limiter.acquire('k')).rejects.toThrow(VerdantError);
  });

  it('rejects with the abort reason while waiting for a slot', async () => {
    const limiter = new RedisRateLimiter({ redis: url!, limit: 1, intervalMs: 60_000, prefix: `test:${randomUUID()}:` });
    await limiter.acquire('k');
    const controller = new AbortController();
    const waiting = limiter.acquire('k', controller.signal);
    setTimeout(() => controller.abort(new Error('user cancelled')), 20);
    await expect(waiting).rejects.toThrow('user cancelled');
    await limiter.close();
  });

  it('is a tool limit store: two executors with their own tool objects share one quota through it', async () => {
    const limiter = new RedisRateLimiter({ redis: url!, prefix: `test:${randomUUID()}:` });
    const grants: number[] = [];
    const store = {
      acquire: async (key: string, signal?: AbortSignal, quota?: { limit: number; intervalMs: number }) => {
        const grant = await limiter.acquire(key, signal, quota);
        grants.push(grant.grantedAtMs);
        return grant;
      },
    };
    const calls: string[] = [];
    const makeTool = () =>
      tool({
        name: 'vendor',
        description: 'a vendor with a shared quota',
        input: z.object({ i: z.number() }),
        limits: { rate: { limit: 2, intervalMs: 100, store, key: 'vendor-x' } },
        execute: ({ i }) => {
          calls.push(String(i));
          return i;
        },
      });
    const metrics = createAgentMetrics();
    const executors = [new ToolExecutor([makeTool()], { observer: metrics.observer }), new ToolExecutor([makeTool()])];
    const results = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) => executors[i % 2]!.run({ id: `c${i}`, name: 'vendor', args: { i } })),
    );
    await limiter.close();

    expect(results.every((r) => r.ok)).toBe(true);
    expect(calls).toHaveLength(6);
    expect(grants).toHaveLength(6);
    expect(busiestWindow(grants, 100)).toBe(2);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/verdant_agent_tool_rate_limit_waits_total\{tool="vendor"\} [1-3]\n/);
  });

  it('fails closed: an unreachable Redis fails the call as an execution error', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, retryStrategy: () => 10 });
    redis.on('error', () => undefined); // connection errors surface through the command instead
    const limiter = new RedisRateLimiter({ redis });
    let ran = false;
    const t = tool({
      name: 'guarded',
      description: 'never runs without a slot',
      input: z.object({}),
      limits: { rate: { limit: 1, intervalMs: 1000, store: limiter } },
      execute: () => (ran = true),
    });
    const result = await new ToolExecutor([t]).run({ id: 'c1', name: 'guarded', args: {} });
    redis.disconnect();
    expect(result).toMatchObject({ ok: false, error: { kind: 'execution' } });
    expect(ran).toBe(false);
  });

  it('names the field and the fix for a bad quota', () => {
    let error: unknown;
    try {
      new RedisRateLimiter({ redis: new Redis(url!, { lazyConnect: true }), limit: 0, intervalMs: 1000 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VerdantError);
    expect((error as VerdantError).field).toBe('limit');
    expect((error as VerdantError).fix).toMatch(/positive integer|starts allowed/);
  });
});
