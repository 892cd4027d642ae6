import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ExitCode, VerdantError } from '@verdant/core';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/** Listening beyond loopback without a token would publish every run to the network: refuse. */
export function assertTokenForHost(host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token) {
    throw new VerdantError(`a bearer token is required to listen on ${host}`, {
      field: '--token',
      fix: 'set VERDANT_API_TOKEN (or --token), or listen on 127.0.0.1',
      exitCode: ExitCode.usage,
    });
  }
}

const OPEN_ROUTES = new Set(['/healthz']);

/** Requires `Authorization: Bearer <token>` on every route but /healthz, compared in constant time. */
export function bearerAuth(app: FastifyInstance, token: string): void {
  const expected = Buffer.from(token);
  app.addHook('onRequest', async (req, reply) => {
    if (OPEN_ROUTES.has(req.url.split('?')[0]!)) return;
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'missing or wrong bearer token', field: 'Authorization' });
    }
  });
}
