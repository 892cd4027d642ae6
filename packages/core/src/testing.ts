/**
 * Test helpers: `serviceUrl` for suites that need a real service (on a laptop without the service the suite
 * is skipped with a message saying how to start it; under CI (CI=true) a missing service is a failure, never
 * a skip), `thrown` / `rejection` for the error a call fails with, `testRunRow` for suites that write or
 * summarize runs, `testStores` for suites that run on SQLite and PostgreSQL, and `scratchPostgres` / `scratchStores`
 * for suites that need a store no other test writes to, and
 * `waitFor` to poll for a condition.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVerdantError, type VerdantError } from './errors.js';
import { newId } from './ids.js';
import { Store, type NewRunRow } from './store/store.js';

export type Service = 'postgres' | 'redis' | 'slurm';

const VARS: Record<Service, string> = {
  postgres: 'VERDANT_TEST_DATABASE_URL',
  redis: 'VERDANT_TEST_REDIS_URL',
  slurm: 'VERDANT_TEST_SLURM',
};

/** The service's address, or undefined (after printing why) when the suite should skip. */
export function serviceUrl(service: Service): string | undefined {
  const name = VARS[service];
  const value = process.env[name];
  if (value) return value;
  if (process.env.CI) {
    throw new Error(`${name} is not set but CI=true: .ci/run must start ${service} (see .ci/services.sh)`);
  }
  console.warn(`[skip] ${service} tests: set ${name} (eval "$(bash .ci/services.sh)" starts ${service} locally)`);
  return undefined;
}

/**
 * A run row for tests that write runs to a store or summarize them: a run named "test", running on host
 * "elsewhere" (so no local pid check applies) since now, one-second interval, nothing measured yet, in no
 * group (no `group_id` or `task` unless given, so it also fits a store migrated to before run groups).
 * `overrides` wins field by field.
 */
export function testRunRow(overrides: Partial<NewRunRow> = {}): NewRunRow {
  const now = Date.now() / 1000;
  return {
    id: newId('r'),
    name: 'test',
    status: 'running',
    command: '[]',
    cwd: '/',
    zone: 'DE',
    intensity_source: 'static',
    pue: 1,
    interval_s: 1,
    started_at: now,
    ended_at: null,
    heartbeat_at: now,
    exit_code: null,
    pid: process.pid,
    child_pid: null,
    host: 'elsewhere',
    energy_j: 0,
    emissions_g: 0,
    meta: '{}',
    ...overrides,
  };
}

/** The VerdantError `fn` throws; anything else it throws is rethrown, and throwing nothing fails. */
export function thrown(fn: () => unknown): VerdantError {
  try {
    fn();
  } catch (e) {
    if (isVerdantError(e)) return e;
    throw e;
  }
  throw new Error('expected a VerdantError, nothing was thrown');
}

/** The VerdantError a promise (or a function, sync or async) fails with; anything else fails the test. */
export async function rejection(p: Promise<unknown> | (() => unknown)): Promise<VerdantError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (isVerdantError(e)) return e;
    throw e;
  }
  throw new Error('expected a VerdantError, nothing was thrown');
}

/**
 * A database of its own on the PostgreSQL server of `baseUrl`, for a suite that needs a store no other test
 * writes to (counting or paging every run): created empty, and dropped (with any connections left) by `drop`.
 */
export async function scratchPostgres(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const { default: pg } = await import('pg');
  const name = `verdant_scratch_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = async (text: string): Promise<void> => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * The stores a suite that needs a store of its own runs on: a fresh SQLite file (in a new temporary folder named
 * `prefix`…), and a scratch PostgreSQL database (`scratchPostgres`) where `serviceUrl('postgres')` gives a server.
 * `open` is undefined for a backend the suite skips; `drop` removes what `open` made (nothing for SQLite).
 */
export function scratchStores(prefix: string): Array<{ name: 'sqlite' | 'postgres'; open?: () => Promise<{ url: string; drop: () => Promise<void> }> }> {
  const pg = serviceUrl('postgres');
  return [
    { name: 'sqlite', open: async () => ({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), prefix)), 'v.db')}`, drop: async () => undefined }) },
    { name: 'postgres', ...(pg ? { open: () => scratchPostgres(pg) } : {}) },
  ];
}

/**
 * The stores a suite runs on, by name: a fresh SQLite file (in a new temporary folder named `prefix`…) and the
 * test PostgreSQL server (`serviceUrl('postgres')`: undefined, so the suite skips, where there is none outside CI).
 */
export function testStores(prefix: string): Array<[name: 'sqlite' | 'postgres', url: string | undefined]> {
  return [
    ['sqlite', `sqlite:${join(mkdtempSync(join(tmpdir(), prefix)), 'v.db')}`],
    ['postgres', serviceUrl('postgres')],
  ];
}

/**
 * Opens stores on `url` for a suite, each with `open()`, and closes every one it opened with `closeAll()` (pass it
 * to the suite's afterAll).
 */
export function storeOpener(url: string | undefined): { open: () => Promise<Store>; closeAll: () => Promise<void> } {
  const opened: Store[] = [];
  return {
    open: async () => {
      if (!url) throw new Error('storeOpener: no store url (the suite should have been skipped)');
      const store = await Store.open({ url });
      opened.push(store);
      return store;
    },
    closeAll: async () => {
      for (const s of opened.splice(0)) await s.close();
    },
  };
}

/**
 * Polls `check` every `everyMs` until it gives something truthy, which it returns; fails after `timeoutMs` saying
 * what it waited for. Tests wait for a condition this way, never for a fixed time.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
