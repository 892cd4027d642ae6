import type { z } from 'zod';
import { ProviderError } from './errors.js';
import type { Redactor } from './redact.js';

/** How much of an error body goes into a message: enough to see the server's reason. */
const BODY_SNIPPET_CHARS = 200;

export interface GetJsonRequest {
  provider: string;
  url: URL;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  redactor: Redactor;
}

/**
 * One GET returning parsed JSON; every non-2xx status, unreadable body and network failure becomes a
 * ProviderError whose kind the resilience policies act on. Messages pass through the redactor.
 */
export async function getJson(req: GetJsonRequest): Promise<unknown> {
  const { provider, url, redactor } = req;
  const where = redactor.redact(`${url.pathname}`);
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', ...req.headers }, signal: req.signal ?? null });
  } catch (e) {
    if (req.signal?.aborted) throw e; // the timeout policy (or the caller) cancelled: let it classify
    throw new ProviderError(provider, 'network', `cannot reach ${url.origin}${where}: ${redactor.redact(describeCause(e))}`, {
      cause: e,
      fix: 'check the network and the provider base URL',
    });
  }
  const text = await res.text();
  if (!res.ok) throw statusError(provider, res, where, redactor.redact(text.slice(0, BODY_SNIPPET_CHARS)));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError(provider, 'malformed', `${where} answered ${res.status} with a body that is not JSON`);
  }
}

/** Validates a body against the documented shape; a mismatch is a provider error, never a crash later. */
export function parseBody<T>(provider: string, what: string, schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : '(root)';
  throw new ProviderError(provider, 'malformed', `unexpected ${what} response: ${path}: ${issue?.message ?? 'invalid'}`);
}

function statusError(provider: string, res: Response, where: string, snippet: string): ProviderError {
  const status = res.status;
  const detail = snippet ? `: ${snippet}` : '';
  if (status === 401 || status === 403) {
    return new ProviderError(provider, 'auth', `${where} refused the credentials (HTTP ${status})${detail}`, { status });
  }
  if (status === 404) return new ProviderError(provider, 'not-found', `${where} not found (HTTP 404)${detail}`, { status });
  if (status === 429 || status === 503) {
    const retryAfterS = parseRetryAfter(res.headers.get('retry-after'));
    const kind = status === 429 ? 'rate-limit' : 'server';
    return new ProviderError(provider, kind, `${where} answered HTTP ${status}${detail}`, {
      status,
      ...(retryAfterS !== undefined ? { retryAfterS } : {}),
    });
  }
  if (status >= 500) return new ProviderError(provider, 'server', `${where} answered HTTP ${status}${detail}`, { status });
  return new ProviderError(provider, 'bad-request', `${where} rejected the request (HTTP ${status})${detail}`, { status });
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns seconds, or undefined. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - nowMs) / 1000);
}

function describeCause(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    const code = cause && typeof cause === 'object' && 'code' in cause ? ` (${String((cause as { code: unknown }).code)})` : '';
    return `${e.message}${code}`;
  }
  return String(e);
}

/** new URL('v3/x', base) keeps base's path only when base ends with a slash (an API behind a prefix). */
export function withSlash(base: URL): URL {
  return base.href.endsWith('/') ? base : new URL(`${base.href}/`);
}
