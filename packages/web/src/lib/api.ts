// Every request to the API goes through here: the bearer token (kept in sessionStorage, sent as a header,
// never in a URL), the house error body, and the sign-in dialog when the server answers 401.

const TOKEN_KEY = 'verdant.token';

/** An error answered by the API: { error, field, fix, exit_code } (docs/api.md). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field: string | null = null,
    readonly fix: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function readToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

let token: string | null = readToken();
let signInWaiters: Array<() => void> = [];
const authListeners = new Set<(needed: boolean) => void>();

export function authHeaders(): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Called by the sign-in dialog: keeps the token for this tab and retries what waited for it. */
export function setToken(value: string): void {
  token = value.trim() || null;
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage refused (private mode): the token lives until the tab reloads
  }
  const waiters = signInWaiters;
  signInWaiters = [];
  for (const l of authListeners) l(false);
  for (const w of waiters) w();
}

/** Subscribes to "a token is needed" (true) and "one was given" (false). */
export function onAuth(listener: (needed: boolean) => void): () => void {
  authListeners.add(listener);
  if (signInWaiters.length) listener(true);
  return () => authListeners.delete(listener);
}

/** Resolves once the user has given a (new) token. */
export function waitForToken(): Promise<void> {
  return new Promise((resolve) => {
    signInWaiters.push(resolve);
    if (signInWaiters.length === 1) for (const l of authListeners) l(true);
  });
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: { error?: unknown; field?: unknown; fix?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON
  }
  const nested = typeof body.error === 'object' && body.error !== null ? (body.error as Record<string, unknown>) : undefined;
  const message = String(nested?.message ?? body.error ?? `${res.status} ${res.statusText}`);
  const field = (nested?.field ?? body.field ?? null) as string | null;
  const fix = (nested?.fix ?? body.fix ?? null) as string | null;
  return new ApiError(message, res.status, field, fix);
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  signal?: AbortSignal;
  accept?: string;
}

let authKnown: Promise<void> | undefined;

/**
 * Before the first API call: /healthz (open) says whether the server wants a token; if it does and this tab
 * has none, the sign-in dialog asks for it first, so a correct token never meets a 401.
 */
export function ensureAuth(): Promise<void> {
  authKnown ??= fetch('/healthz', { headers: { accept: 'application/json' } })
    .then((r): Promise<{ auth?: string }> => (r.ok ? (r.json() as Promise<{ auth?: string }>) : Promise.resolve({})))
    .then((h) => (h.auth === 'bearer' && !token ? waitForToken() : undefined))
    .catch(() => undefined);
  return authKnown;
}

/** A request with the token; on 401 it waits for the sign-in dialog and tries again. */
export async function request(path: string, opts: RequestOptions = {}): Promise<Response> {
  await ensureAuth();
  for (;;) {
    const headers: Record<string, string> = { accept: opts.accept ?? 'application/json', ...authHeaders() };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      credentials: 'same-origin',
    });
    if (res.status === 401) {
      await res.body?.cancel();
      await waitForToken();
      continue;
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await request(path, signal ? { signal } : {});
  return (await res.json()) as T;
}

export async function postJson<T>(path: string, body?: unknown): Promise<T> {
  const res = await request(path, { method: 'POST', ...(body !== undefined ? { body } : {}) });
  return (await res.json()) as T;
}

/** Fetches a file (with the token) and hands it to the browser as a download. */
export async function download(path: string, filename: string, accept = '*/*'): Promise<void> {
  const res = await request(path, { accept });
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Opens a fetched HTML document (with the token) in a new tab. */
export async function openHtml(path: string): Promise<void> {
  const w = window.open('', '_blank');
  const res = await request(path, { accept: 'text/html' });
  const url = URL.createObjectURL(new Blob([await res.text()], { type: 'text/html' }));
  if (w) w.location.href = url;
  else window.location.href = url;
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const isAbort = (e: unknown): boolean => e instanceof DOMException && e.name === 'AbortError';

/** A message for an error shown on a page: the API's own words and fix. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) return e.fix ? `${e.message} (${e.fix})` : e.message;
  return e instanceof Error ? e.message : String(e);
}
