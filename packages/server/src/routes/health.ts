import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '@verdant/core';

/**
 * GET /healthz, open without a token. `auth` says whether the API wants a bearer token ('bearer') or not
 * ('none'), so the dashboard asks for it before its first API call instead of after a 401.
 */
export const healthRoutes: FastifyPluginAsync<{ store: Store; auth?: 'bearer' | 'none' }> = async (app, { store, auth = 'none' }) => {
  app.get('/healthz', async (_req, reply) => {
    try {
      await store.listRuns({ limit: 1 });
      return { status: 'ok', store: store.dialect, auth };
    } catch (e) {
      return reply.code(503).send({ status: 'error', error: (e as Error).message });
    }
  });
};
