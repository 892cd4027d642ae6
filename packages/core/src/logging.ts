import { createRequire } from 'node:module';
import type { Logger } from 'pino';

/** pino (and its worker-thread transport code) is loaded on the first logger, not with @verdant/core. */
let pinoModule: typeof import('pino') | undefined;
const loadPino = (): typeof import('pino') => (pinoModule ??= createRequire(import.meta.url)('pino') as typeof import('pino'));

/** Keys that may carry secrets: never printed, whatever the level. */
export const REDACTED_KEYS = [
  'token',
  'apiKey',
  'api_key',
  'password',
  'authorization',
  'auth-token',
  '*.token',
  '*.apiKey',
  '*.api_key',
  '*.password',
  '*.authorization',
  'headers.authorization',
  'headers["auth-token"]',
  'headers["x-api-key"]',
];

export type { Logger };

/** Structured logs go to stderr so that stdout stays clean for --json output. */
export function createLogger(name: string, level = process.env.VERDANT_LOG_LEVEL ?? 'warn'): Logger {
  const { pino } = loadPino();
  return pino({ name, level, redact: { paths: REDACTED_KEYS, censor: '[redacted]' } }, pino.destination(2));
}
