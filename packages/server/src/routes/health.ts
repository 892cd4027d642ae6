import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '@verdant/core';

export const healthRoutes: FastifyPluginAsync<{ store: Store }> = async (app, { store }) => {
  app.get('/healthz', async (_req, reply) => {
    try {
      await store.listRuns({ limit: 1 });
      return { status: 'ok', store: store.dialect };
    } catch (e) {
      return reply.code(503).send({ status: 'error', error: (e as Error).message });
    }
  });
};
