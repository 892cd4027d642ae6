import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { invalidInput } from '@verdant/core';
import type { RateLimitStore } from '../types.js';
import { SLIDING_WINDOW_SCRIPT } from './sliding-window.lua.js';
import { sleep } from './sleep.js';

export interface RateQuota {
  /** Starts allowed per window. */
  limit: number;
  intervalMs: number;
}

export interface RedisRateLimiterOptions extends Partial<RateQuota> {
  /** A connected ioredis client (kept open on close()) or a redis:// URL (the limiter owns that connection). */
  redis: Redis | string;
  /** Prefix of the Redis keys (default "verdant:rate:"). */
  prefix?: string;
}

export interface RateGrant {
  /** How long acquire() waited for the slot. */
  waitedMs: number;
  /** When Redis admitted the start, in epoch milliseconds by the Redis server's clock. */
  grantedAtMs: number;
}

const SCRIPT_SHA = createHash('sha1').update(SLIDING_WINDOW_SCRIPT).digest('hex');

/**
 * A sliding-window rate limit kept in Redis so several processes share one vendor's quota: in any window
 * of `intervalMs` at most `limit` acquire() calls succeed across all of them, per key.
 *
 * Use it as a tool's shared limit: `limits: { rate: { limit: 10, intervalMs: 1000, store: limiter } }`.
 */
export class RedisRateLimiter implements RateLimitStore {
  private readonly redis: Redis;
  private readonly ownsConnection: boolean;
  private readonly prefix: string;
  private readonly defaults: RateQuota | undefined;
  private readonly instance = randomUUID();
  private sequence = 0;

  constructor(options: RedisRateLimiterOptions) {
    if (typeof options.redis === 'string') {
      this.redis = new Redis(options.redis, { lazyConnect: false, maxRetriesPerRequest: 3 });
      this.ownsConnection = true;
    } else {
      this.redis = options.redis;
      this.ownsConnection = false;
    }
    this.prefix = options.prefix ?? 'verdant:rate:';
    if (options.limit !== undefined || options.intervalMs !== undefined) {
      this.defaults = validateQuota({ limit: options.limit ?? Number.NaN, intervalMs: options.intervalMs ?? Number.NaN });
    }
  }

  /**
   * Waits until a start under `key` is allowed, then records it. `quota` overrides the limiter's default
   * (the executor passes the tool's `limits.rate`). Rejects with the signal's reason when aborted.
   */
  async acquire(key: string, signal?: AbortSignal, quota?: RateQuota): Promise<RateGrant> {
    const { limit, intervalMs } = quota ? validateQuota(quota) : this.requireDefaults();
    const started = performance.now();
    const redisKey = this.prefix + key;
    while (true) {
      signal?.throwIfAborted();
      const member = `${this.instance}:${this.sequence++}`;
      const [admitted, value] = await this.run(redisKey, limit, intervalMs, member);
      if (admitted === 1) return { waitedMs: performance.now() - started, grantedAtMs: value / 1000 };
      // Wake just after the oldest start leaves the window; other waiters may win the race, then we wait again.
      await sleep(Math.max(1, Math.ceil(value / 1000)), signal);
    }
  }

  /** Closes the connection when the limiter opened it from a URL. */
  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit();
  }

  private async run(key: string, limit: number, intervalMs: number, member: string): Promise<[number, number]> {
    try {
      return (await this.redis.evalsha(SCRIPT_SHA, 1, key, limit, intervalMs, member)) as [number, number];
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return (await this.redis.eval(SLIDING_WINDOW_SCRIPT, 1, key, limit, intervalMs, member)) as [number, number];
    }
  }

  private requireDefaults(): RateQuota {
    if (!this.defaults) {
      throw invalidInput('limit', 'no quota for this acquire()', 'pass { limit, intervalMs } to new RedisRateLimiter() or to acquire()');
    }
    return this.defaults;
  }
}

function validateQuota(quota: RateQuota): RateQuota {
  if (!Number.isInteger(quota.limit) || quota.limit < 1) {
    throw invalidInput('limit', `must be a positive integer, got ${quota.limit}`, 'set limit to the starts allowed per window, e.g. 10');
  }
  if (!Number.isFinite(quota.intervalMs) || quota.intervalMs < 1) {
    throw invalidInput('intervalMs', `must be at least 1 ms, got ${quota.intervalMs}`, 'set intervalMs to the window length, e.g. 1000');
  }
  // Redis expiries take whole milliseconds.
  return { limit: quota.limit, intervalMs: Math.ceil(quota.intervalMs) };
}
