import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ExitCode, VerdantError } from '@verdant/core';
import { errorBody } from './errors.js';

/** Methods that never change state; every other method (POST, PUT, PATCH, DELETE) is treated as state-changing. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A loopback name or address as it may appear in a Host header or URL: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) !== 6) return false;
  try {
    return new URL(`http://[${h}]/`).hostname === '[::1]';
  } catch {
    return false;
  }
}

/** The host name of a `Host` header (`name`, `name:port`, `[v6]`, `[v6]:port`); undefined when malformed. */
function hostHeaderName(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(value.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

/** The host of an `Origin` header's URL (brackets kept for IPv6); undefined for `null` or anything unparsable. */
function originHost(origin: string): { name: string; host: string } | undefined {
  if (origin === 'null') return undefined;
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return { name: u.hostname.toLowerCase(), host: u.host.toLowerCase() };
  } catch {
    return undefined;
  }
}

/**
 * Whether the browser page that sent this request belongs to the server itself: no `Origin` (not a browser,
 * or a same-origin navigation), an Origin naming the request's own host and port, or, when the request came
 * to a loopback name, any loopback origin (the same machine).
 */
function sameSite(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const o = originHost(origin);
  if (!o) return false;
  const host = (req.headers.host ?? '').toLowerCase();
  if (o.host === host) return true;
  const name = hostHeaderName(host);
  return name !== undefined && isLoopbackName(name) && isLoopbackName(o.name);
}

export interface GuardOptions {
  /** Whether a bearer token protects the server; without one, only loopback Host names are served. */
  token: boolean;
}

function forbidden(message: string, field: string, fix: string): ReturnType<typeof errorBody> {
  return errorBody(new VerdantError(message, { field, fix, exitCode: ExitCode.usage }));
}

/**
 * DNS-rebinding and cross-site request defence, before any body is read:
 *
 * - without a token, a `Host` that is not a loopback name (`localhost`, `127.x.y.z`, `[::1]`, any port) is
 *   refused on every route, and so is an `Origin` from another site;
 * - on state-changing methods (anything but GET/HEAD/OPTIONS), an `Origin` from another site or
 *   `Sec-Fetch-Site: cross-site` is refused, with or without a token.
 *
 * With a token the token is the protection, so any Host is served (a reverse proxy or a public name).
 */
export function requestGuard(app: FastifyInstance, opts: GuardOptions): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!opts.token) {
      const raw = req.headers.host;
      const name = hostHeaderName(raw);
      if (name === undefined || !isLoopbackName(name)) {
        return reply
          .code(403)
          .send(forbidden(`this server answers only to loopback names, not Host ${JSON.stringify(raw ?? '')}`, 'Host', 'open it as http://127.0.0.1:<port> or http://localhost:<port>, or start it with a token'));
      }
    }
    const changes = !SAFE_METHODS.has(req.method);
    if ((changes || !opts.token) && !sameSite(req)) {
      return reply
        .code(403)
        .send(forbidden(`requests from another site (Origin ${JSON.stringify(req.headers.origin)}) are refused`, 'Origin', 'call the API from the same origin, or from a program that sends no Origin header'));
    }
    if (changes && req.headers['sec-fetch-site'] === 'cross-site') {
      return reply
        .code(403)
        .send(forbidden('a cross-site request cannot change state (Sec-Fetch-Site: cross-site)', 'Sec-Fetch-Site', 'send it from the same site, or from a program rather than a web page'));
    }
    return undefined;
  });
}
