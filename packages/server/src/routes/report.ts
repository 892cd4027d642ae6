import type { FastifyPluginAsync } from 'fastify';
import { VerdantError, type Store } from '@verdant/core';
import { renderRunReport, summarizeRun } from '@verdant/energy';
import { sendError, sendNotFound } from '../errors.js';

/**
 * GET /api/runs/:id/report.html: the run's self-contained HTML report (`verdant report <run> --html`), for the
 * dashboard's "Open HTML report". Like every /api route it needs the token when one is set.
 */
export const reportRoutes: FastifyPluginAsync<{ store: Store }> = async (app, { store }) => {
  app.get<{ Params: { id: string } }>('/api/runs/:id/report.html', async (req, reply) => {
    let id: string;
    try {
      id = await store.resolveRunId(req.params.id);
    } catch (e) {
      if (!(e instanceof VerdantError)) throw e;
      if (/^no run/.test(e.message)) return sendNotFound(reply, 'run', req.params.id);
      return sendError(reply, new VerdantError(e.message, { field: 'id', fix: 'pass more characters of the id', exitCode: e.exitCode }));
    }
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
