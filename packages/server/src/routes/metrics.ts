import type { FastifyPluginAsync } from 'fastify';
import { Registry } from 'prom-client';
import type { Store } from '@verdant/core';
import { collectStoreMetrics } from '@verdant/energy';

export interface MetricsOptions {
  store: Store;
  /** Other registries to expose alongside the run metrics (e.g. the agent orchestrator's). */
  extraRegistries?: Registry[];
  /** How many recently ended runs keep their own series (default 100; live runs always have theirs). */
  recentRuns?: number;
  /** How long after it ended a run keeps its own series, s (default 3600). */
  recentS?: number;
}

/**
 * Prometheus exposition of the store: totals by name, zone and host, and per-run series for live and recently
 * ended runs only, so neither the page nor its cost grows with the number of runs stored (docs/api.md).
 */
export const metricsRoutes: FastifyPluginAsync<MetricsOptions> = async (app, opts) => {
  app.get('/metrics', async (_req, reply) => {
    const own = await collectStoreMetrics(opts.store, {
      ...(opts.recentRuns !== undefined ? { recentLimit: opts.recentRuns } : {}),
      ...(opts.recentS !== undefined ? { recentS: opts.recentS } : {}),
    });
    const registry = opts.extraRegistries?.length ? Registry.merge([own, ...opts.extraRegistries]) : own;
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
};
