import type { FastifyPluginAsync } from 'fastify';
import { ExitCode, isVerdantError, parseWholeNumber, type Store } from '@verdant/core';
import { sendError } from '../errors.js';

export interface AgentRunRouteOptions {
  store: Store;
}

// /api/agent-runs: agent runs recorded by @verdant/agents (runAgent's `record` option). Each route: validate,
// one library call, the library's JSON. A running run is read as it is now: poll it for live updates.
export const agentRunRoutes: FastifyPluginAsync<AgentRunRouteOptions> = async (app, opts) => {
  const agents = () => import('@verdant/agents');

  app.get<{ Querystring: { limit?: string } }>(
    '/api/agent-runs',
    { schema: { querystring: { type: 'object', properties: { limit: { type: 'string' } }, additionalProperties: false } } },
    async (req, reply) => {
      try {
        const limit = req.query.limit === undefined ? 50 : parseWholeNumber(req.query.limit, 'limit', 1);
        const a = await agents();
        return { runs: (await a.listAgentRuns(opts.store, { limit })).map(a.agentRunListItem) };
      } catch (e) {
        if (isVerdantError(e)) return sendError(reply, e);
        throw e;
      }
    },
  );

  app.get<{ Params: { id: string } }>('/api/agent-runs/:id', async (req, reply) => {
    try {
      const a = await agents();
      return a.agentRunDocument(await a.getAgentRun(opts.store, req.params.id));
    } catch (e) {
      if (isVerdantError(e)) return sendError(reply, e, e.exitCode === ExitCode.notFound ? 404 : undefined);
      throw e;
    }
  });
};
