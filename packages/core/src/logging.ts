import { pino, type Logger } from 'pino';

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
  return pino({ name, level, redact: { paths: REDACTED_KEYS, censor: '[redacted]' } }, pino.destination(2));
}
