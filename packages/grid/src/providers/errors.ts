import { ExitCode, VerdantError } from '@verdant/core';

/**
 * Why a provider call failed. The kind decides what the resilience policies do with it:
 * transient kinds are retried and count towards the circuit breaker; the others fail at once.
 */
export type ProviderFailureKind =
  | 'auth' // 401/403, or credentials missing
  | 'bad-request' // 400/422: zone or parameters the API does not accept
  | 'not-found' // 404
  | 'rate-limit' // 429
  | 'server' // 5xx
  | 'network' // connection refused, reset, DNS
  | 'timeout' // no answer within the timeout policy's limit
  | 'malformed' // a body that is not JSON or does not match the documented shape
  | 'circuit-open' // the breaker is open after repeated failures
  | 'unsupported'; // a zone or signal this provider cannot serve

const TRANSIENT: ReadonlySet<ProviderFailureKind> = new Set(['rate-limit', 'server', 'network', 'timeout']);

export interface ProviderErrorOptions {
  status?: number;
  /** Seconds the server asked us to wait (Retry-After), when it said. */
  retryAfterS?: number;
  field?: string;
  fix?: string;
  cause?: unknown;
}

/** A failure of one provider. Its message never carries a credential (see Redactor). */
export class ProviderError extends VerdantError {
  readonly provider: string;
  readonly kind: ProviderFailureKind;
  readonly status: number | undefined;
  readonly retryAfterS: number | undefined;

  constructor(provider: string, kind: ProviderFailureKind, message: string, options: ProviderErrorOptions = {}) {
    super(`${provider}: ${message}`, {
      exitCode: ExitCode.provider,
      ...(options.field ? { field: options.field } : {}),
      ...(options.fix ? { fix: options.fix } : {}),
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
    });
    this.name = 'ProviderError';
    this.provider = provider;
    this.kind = kind;
    this.status = options.status;
    this.retryAfterS = options.retryAfterS;
  }

  /** Worth another attempt after a pause. */
  get transient(): boolean {
    return TRANSIENT.has(this.kind);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), provider: this.provider, kind: this.kind, status: this.status };
  }
}

export function isProviderError(e: unknown): e is ProviderError {
  return e instanceof ProviderError;
}
