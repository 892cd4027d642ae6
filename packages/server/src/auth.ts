import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ExitCode, VerdantError } from '@verdant/core';
import { errorBody } from './errors.js';
import { isLoopbackName } from './guard.js';
import { isDataPath } from './routes/web.js';

/** Shortest token accepted on a public bind: 16 characters (guessing one over HTTP is then hopeless). */
export const MIN_PUBLIC_TOKEN_LENGTH = 16;

/**
 * Listening beyond loopback without a token would publish every run and let anyone start jobs: refuse, and
 * refuse a token that protects nothing (blank, with whitespace a header cannot carry, or short on a public bind).
 * Errors name the library's own fields (`token`, `host`).
 */
export function assertTokenForHost(host: string, token: string | undefined): void {
  // A listen address (`127.0.0.1`, `::1`, `[::1]`, `localhost`) is read as a Host name is.
  const loopback = isLoopbackName(host);
  if (token !== undefined) {
    if (token.trim() === '') {
      throw new VerdantError('the bearer token is blank', { field: 'token', fix: `give a token of at least ${MIN_PUBLIC_TOKEN_LENGTH} characters, or none on a loopback address`, exitCode: ExitCode.usage });
    }
    // eslint-disable-next-line no-control-regex
    if (/[\s\u0000-\u001f\u007f]/.test(token)) {
      throw new VerdantError('the bearer token contains whitespace or control characters, which an Authorization header cannot carry', {
        field: 'token',
        fix: 'use visible characters only, e.g. the output of `openssl rand -hex 32`',
        exitCode: ExitCode.usage,
      });
    }
  }
  if (loopback) return;
  if (token === undefined) {
    throw new VerdantError(`a bearer token is required to listen on ${host}`, {
      field: 'token',
      fix: `set a token of at least ${MIN_PUBLIC_TOKEN_LENGTH} characters, or listen on 127.0.0.1`,
      exitCode: ExitCode.usage,
    });
  }
  if (token.length < MIN_PUBLIC_TOKEN_LENGTH) {
    throw new VerdantError(`a token of ${token.length} characters is too short to listen on ${host}`, {
      field: 'token',
      fix: `use at least ${MIN_PUBLIC_TOKEN_LENGTH} characters, e.g. the output of \`openssl rand -hex 32\``,
      exitCode: ExitCode.usage,
    });
  }
}

const OPEN_ROUTES = new Set(['/healthz']);

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The credentials of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 7235). */
export function bearerCredentials(header: string | undefined): string | undefined {
  const m = /^bearer +(\S+) *$/i.exec(header ?? '');
  return m ? m[1] : undefined;
}

/**
 * Requires `Authorization: Bearer <token>` on every route but /healthz and the web dashboard's static files. Both sides are hashed before a
 * constant-time comparison, so neither the token nor its length leaks through timing.
 */
export function bearerAuth(app: FastifyInstance, token: string): void {
  const expected = digest(token);
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.url !== undefined && OPEN_ROUTES.has(req.routeOptions.url)) return undefined;
    // The dashboard's page and assets carry no data (routes/web.ts); the API, /metrics and the Carbon Aware
    // routes, unknown paths under them included, still need the token.
    if (req.routeOptions.config?.webApp === true && !isDataPath(req.url)) return undefined;
    const given = bearerCredentials(req.headers.authorization);
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send(errorBody(new VerdantError('missing or wrong bearer token', { field: 'Authorization', fix: 'send Authorization: Bearer <token>, the token the server was started with', exitCode: ExitCode.usage })));
    }
    return undefined;
  });
}
