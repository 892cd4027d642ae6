import {
  DelegateBackoff,
  ExponentialBackoff,
  handleWhen,
  retry,
  type IBackoff,
  type IRetryBackoffContext,
  type RetryPolicy,
} from 'cockatiel';
import type { EventSourceMessage } from 'eventsource-parser';
import { invalidInput } from '@verdant/core';
import { isRetryableModelError, ModelHttpError } from '../errors.js';
import { sseMessages } from './sse.js';

/** Retries of the model request: network errors, 408/409/429/5xx and streams that broke before any event. */
export interface ModelRetryOptions {
  /** Counts the first try (default 4). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A longer Retry-After than this is clamped to it (default 60 000). */
  maxRetryAfterMs?: number;
}

/** Options every HTTP adapter takes. */
export interface HttpModelOptions {
  /** The model name sent to the provider. */
  model: string;
  apiKey?: string;
  baseUrl?: string;
  retries?: ModelRetryOptions;
  /** Extra headers (e.g. an organisation id). */
  headers?: Record<string, string>;
  /** Default 4096 (Anthropic requires one; OpenAI-compatible servers get it only when set). */
  maxTokens?: number;
}

export function modelRetryPolicy(options: ModelRetryOptions = {}): RetryPolicy {
  const maxAttempts = options.maxAttempts ?? 4;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw invalidInput('retries.maxAttempts', `must be a whole number >= 1, got ${maxAttempts}`);
  }
  const exponential = new ExponentialBackoff({ initialDelay: options.baseDelayMs ?? 500, maxDelay: options.maxDelayMs ?? 20_000 });
  const maxRetryAfter = options.maxRetryAfterMs ?? 60_000;
  // Jittered exponential backoff, except when the server said when to come back.
  const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown>>((context, previous) => {
    const next = previous ? previous.next(undefined) : exponential.next();
    const error = 'error' in context.result ? context.result.error : undefined;
    const retryAfter = error instanceof ModelHttpError ? error.retryAfterMs : undefined;
    return { delay: retryAfter !== undefined ? Math.min(retryAfter, maxRetryAfter) : next.duration, state: next };
  });
  return retry(handleWhen(isRetryableModelError), { maxAttempts: maxAttempts - 1, backoff });
}

export interface StreamRequest<E> {
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  policy: RetryPolicy;
  signal: AbortSignal | undefined;
  /** Turns the provider's SSE messages into normalized events; throws when the stream ends incomplete. */
  decode: (messages: AsyncIterable<EventSourceMessage>) => AsyncIterator<E>;
}

/**
 * POSTs a streaming request and yields its decoded events. Everything up to the first event (connecting,
 * HTTP errors, a stream that breaks before it says anything) is retried by the policy; a break after
 * events were yielded throws a retryable ModelStreamError for the caller to handle (it has seen output).
 */
export async function* streamEvents<E>(request: StreamRequest<E>): AsyncGenerator<E> {
  const { first, events } = await request.policy.execute(async ({ signal }) => {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...request.headers },
      body: JSON.stringify(request.body),
      signal,
    });
    if (!response.ok || !response.body) {
      throw new ModelHttpError(request.provider, response.status, await errorDetail(response), retryAfterMs(response.headers));
    }
    const events = request.decode(sseMessages(response.body, request.provider));
    try {
      return { first: await events.next(), events };
    } catch (error) {
      await events.return?.();
      throw error;
    }
  }, request.signal);
  try {
    for (let next = first; !next.done; next = await events.next()) yield next.value;
  } finally {
    await events.return?.();
  }
}

async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message);
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300);
}

/** `retry-after-ms` (OpenAI) or `Retry-After` as seconds or an HTTP date. */
export function retryAfterMs(headers: Headers): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
