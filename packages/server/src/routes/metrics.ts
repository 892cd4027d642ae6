import type { FastifyPluginAsync } from 'fastify';
import { Registry } from 'prom-client';
import type { Store } from '@verdant/core';
import { createRunMetrics, observeSummary, summarizeRow } from '@verdant/energy';

export interface MetricsOptions {
  store: Store;
  /** Other registries to expose alongside the run metrics (e.g. the agent orchestrator's). */
  extraRegistries?: Registry[];
  /** How many recent runs to expose (running runs are always included). */
  recentRuns?: number;
}

/** Prometheus exposition of the store: counters and gauges rebuilt from the runs at each scrape. */
export const metricsRoutes: FastifyPluginAsync<MetricsOptions> = async (app, opts) => {
  app.get('/metrics', async (_req, reply) => {
    const m = createRunMetrics();
    const rows = await opts.store.listRuns({ limit: opts.recentRuns ?? 100 });
    for (const r of rows) {
      const s = await summarizeRow(opts.store, r);
      const power = r.status === 'running' ? await opts.store.latestPower(r.id) : new Map<string, number>();
      observeSummary(m, s, power);
    }
    const registry = opts.extraRegistries?.length ? Registry.merge([m.registry, ...opts.extraRegistries]) : m.registry;
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
};
