import { ExitCode, VerdantError } from '@verdant/core';

/** The vendor answered with an HTTP error status. */
export class ModelHttpError extends VerdantError {
  readonly status: number;
  /** From `retry-after-ms` or `Retry-After` (seconds or HTTP date); undefined when absent. */
  readonly retryAfterMs: number | undefined;

  constructor(vendor: string, status: number, detail: string, retryAfterMs: number | undefined) {
    super(`${vendor} answered HTTP ${status}${detail ? `: ${detail}` : ''}`, {
      exitCode: ExitCode.provider,
      fix: fixFor(status),
    });
    this.name = 'ModelHttpError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }

  get retryable(): boolean {
    return this.status === 408 || this.status === 409 || this.status === 429 || this.status >= 500;
  }
}

/** The response stream broke (socket closed, vendor error event) before the message was complete. */
export class ModelStreamError extends VerdantError {
  readonly retryable: boolean;

  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { exitCode: ExitCode.provider, cause: options.cause, fix: 'retry the request; check the vendor status' });
    this.name = 'ModelStreamError';
    this.retryable = options.retryable;
  }
}

function fixFor(status: number): string | undefined {
  if (status === 401 || status === 403) return 'check the API key and its permissions';
  if (status === 404) return 'check the base URL and the model name';
  if (status === 400 || status === 422) return 'check the request: model name, messages and tool schemas';
  if (status === 429) return 'slow down or raise the vendor quota';
  return undefined;
}

/** Whether an error from the model call is worth retrying (network errors, 408/409/429/5xx, dropped streams). */
export function isRetryableModelError(error: unknown): boolean {
  if (error instanceof ModelHttpError || error instanceof ModelStreamError) return error.retryable;
  if (isAbortError(error)) return false;
  // fetch() rejects with a TypeError ("fetch failed", "terminated") on network failures.
  return error instanceof TypeError || hasNetworkCode(error);
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

function hasNetworkCode(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR_)/.test(code);
}

/**
 * Thrown by a tool whose backing server could not be reached or went away during the call (e.g. an MCP server
 * process that died). The call's result is an `unavailable` error; the next call may reconnect.
 */
export class ToolUnavailableError extends VerdantError {
  constructor(message: string, options: { cause?: unknown; fix?: string } = {}) {
    super(message, { exitCode: ExitCode.provider, cause: options.cause, fix: options.fix ?? 'retry the call: the next one reconnects' });
    this.name = 'ToolUnavailableError';
  }
}
