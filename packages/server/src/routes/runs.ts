import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { VerdantError, type Store } from '@verdant/core';
import { runListItem, summarizeRun } from '@verdant/energy';
import { sendError, sendNotFound } from '../errors.js';

const listQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    status: { type: 'string', enum: ['running', 'paused', 'succeeded', 'failed', 'stopped', 'interrupted'] },
  },
  additionalProperties: false,
} as const;

export const runRoutes: FastifyPluginAsync<{ store: Store }> = async (app, { store }) => {
  app.get<{ Querystring: { limit: number; status?: 'running' }; }>('/api/runs', { schema: { querystring: listQuery } }, async (req) => {
    const rows = await store.listRuns({ limit: req.query.limit, ...(req.query.status ? { status: req.query.status } : {}) });
    return { runs: rows.map(runListItem) };
  });

  /** The full run id for a path's id or unique prefix; undefined (after a 404) when there is none. */
  const resolve = async (idOrPrefix: string, reply: FastifyReply): Promise<string | undefined> => {
    try {
      return await store.resolveRunId(idOrPrefix);
    } catch (e) {
      if (!(e instanceof VerdantError)) throw e;
      // No match is a 404; an ambiguous prefix is bad input (400) naming the same parameter.
      if (/^no run/.test(e.message)) await sendNotFound(reply, 'run', idOrPrefix);
      else await sendError(reply, new VerdantError(e.message, { field: 'id', fix: 'pass more characters of the id', exitCode: e.exitCode }));
      return undefined;
    }
  };

  app.get<{ Params: { id: string } }>('/api/runs/:id', async (req, reply) => {
    const id = await resolve(req.params.id, reply);
    return id === undefined ? reply : summarizeRun(store, id);
  });

  app.get<{ Params: { id: string } }>('/api/runs/:id/samples', async (req, reply) => {
    const id = await resolve(req.params.id, reply);
    return id === undefined ? reply : { run_id: id, samples: await store.samples(id) };
  });
};
