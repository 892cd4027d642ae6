import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '@verdant/core';
import { renderRunReport, summarizeRun } from '@verdant/energy';
import { resolveRunParam, sendNotFound } from '../errors.js';

/**
 * GET /api/runs/:id/report.html: the run's self-contained HTML report (`verdant report <run> --html`), for the
 * dashboard's "Open HTML report". Like every /api route it needs the token when one is set.
 */
export const reportRoutes: FastifyPluginAsync<{ store: Store }> = async (app, { store }) => {
  app.get<{ Params: { id: string } }>('/api/runs/:id/report.html', async (req, reply) => {
    const id = await resolveRunParam(store, req.params.id, reply);
    if (id === undefined) return reply;
    const summary = await summarizeRun(store, id);
    if (!summary) return sendNotFound(reply, 'run', req.params.id);
    const html = await renderRunReport(summary, await store.samples(id));
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
      .header('x-content-type-options', 'nosniff')
      .send(html);
  });
};
