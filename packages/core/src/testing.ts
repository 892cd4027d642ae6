/**
 * Test helpers for suites that need a real service. On a laptop without the service the suite is skipped
 * with a message saying how to start it; under CI (CI=true) a missing service is a failure, never a skip.
 */
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
