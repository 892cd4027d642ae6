import type { FastifyPluginAsync } from 'fastify';
import { Registry } from 'prom-client';
import type { Store } from '@verdant/core';
import { collectStoreMetrics } from '@verdant/energy';
import { collectQueueMetrics } from '@verdant/schedule';

export interface MetricsOptions {
  store: Store;
  /** Other registries to expose alongside the run metrics (e.g. the agent orchestrator's). */
  extraRegistries?: Registry[];
}

/**
 * Prometheus exposition of the store: totals by name, zone and host, and per-run series for live and recently
 * ended runs only, so neither the page nor its cost grows with the number of runs stored (docs/api.md).
 */
export const metricsRoutes: FastifyPluginAsync<MetricsOptions> = async (app, opts) => {
  app.get('/metrics', async (_req, reply) => {
    // The library's window: the 100 most recently ended runs of the last hour (docs/api.md).
    // And the job queue's unfinished jobs by state (reads only those, through the state index).
    const [own, queue] = await Promise.all([collectStoreMetrics(opts.store), collectQueueMetrics(opts.store)]);
    const registry = Registry.merge([own, queue, ...(opts.extraRegistries ?? [])]);
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
};
