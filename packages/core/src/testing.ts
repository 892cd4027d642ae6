/**
 * Test helpers: `serviceUrl` for suites that need a real service (on a laptop without the service the suite
 * is skipped with a message saying how to start it; under CI (CI=true) a missing service is a failure, never
 * a skip), `thrown` / `rejection` for the error a call fails with, and `testRunRow` for suites that write or
 * summarize runs.
 */
import { isVerdantError, type VerdantError } from './errors.js';
import { newId } from './ids.js';
import type { NewRunRow } from './store/store.js';

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
