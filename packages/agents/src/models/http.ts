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
import { SseReader } from './sse.js';

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
  /** The model name sent to the vendor. */
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

/**
 * Turns one response's SSE messages into normalized events. One decoder per response (a retried request
 * gets a fresh one). Its methods append to `out`, so a network chunk's events are decoded in one pass.
 */
export interface StreamDecoder<E> {
  /** Decodes one message; returns true when it ends the stream (`[DONE]`, `message_stop`). Throws on a vendor error event. */
  message(message: EventSourceMessage, out: E[]): boolean;
  /** The stream is over (ended by a message or by the body): appends the last events, or throws when the response was incomplete. */
  end(out: E[]): void;
}

export interface StreamRequest<E> {
  vendor: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  policy: RetryPolicy;
  signal: AbortSignal | undefined;
  /** Makes the decoder of one response. */
  decoder: () => StreamDecoder<E>;
}

/**
 * POSTs a streaming request and yields its decoded events. Everything up to the first event (connecting,
 * HTTP errors, a stream that breaks before it says anything) is retried by the policy; a break after
 * events were yielded throws a retryable ModelStreamError for the caller to handle (it has seen output).
 */
export function streamEvents<E>(request: StreamRequest<E>): AsyncIterableIterator<E> {
  return new EventStream(request);
}

/**
 * The iterator `streamEvents` returns. Events are decoded a network chunk at a time into a buffer and handed
 * out from it, so an event costs one resolved promise rather than a trip through a chain of async
 * generators; an error met while decoding a chunk is thrown after the events before it.
 */
class EventStream<E> implements AsyncIterableIterator<E> {
  private events: E[] = [];
  private cursor = 0;
  private sse: SseReader | undefined;
  private decoder: StreamDecoder<E> | undefined;
  /** No more events will be decoded (the stream ended, failed, or the consumer left). */
  private finished = false;
  private failure: { error: unknown } | undefined;
  private opened = false;

  constructor(private readonly request: StreamRequest<E>) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<E>> {
    if (this.cursor < this.events.length) return Promise.resolve({ value: this.events[this.cursor++]!, done: false });
    return this.pull();
  }

  return(): Promise<IteratorResult<E>> {
    this.stop();
    this.events = [];
    this.cursor = 0;
    this.failure = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  private async pull(): Promise<IteratorResult<E>> {
    if (!this.opened) {
      this.opened = true;
      try {
        await this.request.policy.execute(({ signal }) => this.open(signal), this.request.signal);
      } catch (error) {
        this.stop();
        throw error;
      }
    }
    while (this.cursor >= this.events.length) {
      if (this.failure) {
        const { error } = this.failure;
        this.failure = undefined;
        throw error;
      }
      if (this.finished) return { value: undefined, done: true };
      this.events = [];
      this.cursor = 0;
      await this.fill();
    }
    return { value: this.events[this.cursor++]!, done: false };
  }

  /** One attempt: connect, then read until the first event (a failure before it is the attempt's, and retried). */
  private async open(signal: AbortSignal): Promise<void> {
    this.events = [];
    this.cursor = 0;
    this.finished = false;
    this.failure = undefined;
    const { request } = this;
    const response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...request.headers },
      body: JSON.stringify(request.body),
      signal,
    });
    if (!response.ok || !response.body) {
      throw new ModelHttpError(request.vendor, response.status, await errorDetail(response), retryAfterMs(response.headers));
    }
    this.sse = new SseReader(response.body, request.vendor);
    this.decoder = request.decoder();
    while (this.events.length === 0 && !this.finished) await this.fill();
    const failure = this.failed();
    if (this.events.length === 0 && failure) throw failure.error;
  }

  /** Decodes the events of the next network chunk into the buffer; a failure is kept for after them. */
  private async fill(): Promise<void> {
    const sse = this.sse!;
    const decoder = this.decoder!;
    try {
      const messages = await sse.read();
      if (this.finished) return; // the consumer left while we waited
      if (messages === undefined) {
        this.stop();
        decoder.end(this.events);
        return;
      }
      for (const message of messages) {
        if (decoder.message(message, this.events)) {
          this.stop();
          decoder.end(this.events);
          return;
        }
      }
    } catch (error) {
      this.stop();
      this.failure = { error };
    }
  }

  /** What `fill` kept (a method, so the compiler does not assume the field unchanged across awaits). */
  private failed(): { error: unknown } | undefined {
    return this.failure;
  }

  private stop(): void {
    this.finished = true;
    this.sse?.cancel();
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
