import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { VerdantError, invalidInput, type Store } from '@verdant/core';
import { runListItem, summarizeGroup, summarizeRun } from '@verdant/energy';
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

  /** A run group (one job on several hosts or tasks), by full id or unique prefix: totals, power now, each host and member. */
  app.get<{ Params: { id: string } }>('/api/groups/:id', async (req, reply) => {
    const notFound = (id: string) => sendError(reply, invalidInput('id', `no run group with id ${id}`, 'the runs of a group carry its group_id in GET /api/runs'), 404);
    let id: string;
    try {
      id = await store.resolveGroupId(req.params.id);
    } catch (e) {
      if (!(e instanceof VerdantError)) throw e;
      if (/^no run group/.test(e.message)) return notFound(req.params.id);
      return sendError(reply, new VerdantError(e.message, { field: 'id', fix: 'pass more characters of the group id', exitCode: e.exitCode }));
    }
    return (await summarizeGroup(store, id)) ?? notFound(id);
  });
};
