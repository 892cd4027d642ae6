import { describe, expect, it } from 'vitest';
import { isRetryableModelError, ModelHttpError, ModelStreamError } from '../src/index.js';
import { joinUrl, retryAfterMs } from '../src/models/http.js';

describe('retryAfterMs', () => {
  it('reads retry-after-ms, Retry-After seconds and Retry-After as an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    const fromDate = retryAfterMs(new Headers({ 'retry-after': inTwoSeconds }))!;
    expect(fromDate).toBeGreaterThan(0);
    expect(fromDate).toBeLessThanOrEqual(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(Date.now() - 60_000).toUTCString() }))).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });
});

describe('isRetryableModelError', () => {
  it('retries rate limits, server errors, timeouts, network failures and broken streams, nothing else', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 529]) expect(isRetryableModelError(new ModelHttpError('p', status, '', undefined))).toBe(true);
    for (const status of [400, 401, 403, 404, 422]) expect(isRetryableModelError(new ModelHttpError('p', status, '', undefined))).toBe(false);
    expect(isRetryableModelError(new TypeError('fetch failed'))).toBe(true);
    expect(isRetryableModelError(new ModelStreamError('cut', { retryable: true }))).toBe(true);
    expect(isRetryableModelError(new ModelStreamError('bad event', { retryable: false }))).toBe(false);
    expect(isRetryableModelError(new DOMException('aborted', 'AbortError'))).toBe(false);
  });
});

describe('joinUrl', () => {
  it('joins without doubling or dropping slashes', () => {
    expect(joinUrl('http://h:1/v1/', '/chat/completions')).toBe('http://h:1/v1/chat/completions');
    expect(joinUrl('http://h:1', 'v1/messages')).toBe('http://h:1/v1/messages');
  });
});
