import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { isVerdantError, type Store } from '@verdant/core';
import { providerFromEnv, type IntensityProvider } from '@verdant/grid';
import { providerSource } from '@verdant/schedule';
import { assertTokenForHost, bearerAuth } from './auth.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { metricsRoutes } from './routes/metrics.js';
import { runRoutes } from './routes/runs.js';
import { carbonAwareRoutes } from './routes/carbon-aware.js';
import { planRoutes } from './routes/plan.js';

export interface ServerOptions {
  store: Store;
  /** Host the server will listen on; decides whether a token is mandatory. */
  host?: string;
  token?: string;
  extraRegistries?: Registry[];
  logger?: boolean;
  /** Carbon-intensity source for the Carbon Aware SDK routes and /api/plan. Default: the env-configured fallback chain over the store. */
  intensity?: IntensityProvider;
  /** Epoch seconds used as "now" by those routes (replay a trace as if live, as TraceProvider's clock does). Default: wall clock. */
  clock?: () => number;
}

/** Builds the HTTP API (routes registered as plugins; the caller listens). */
export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  assertTokenForHost(opts.host ?? '127.0.0.1', opts.token);
  const app = Fastify({ logger: opts.logger ?? false });
  app.setErrorHandler((err, _req, reply) => {
    if (isVerdantError(err)) return reply.code(400).send(err.toJSON());
    const e = err as { validation?: unknown; statusCode?: number; message: string };
    if (e.validation) return reply.code(400).send({ error: e.message, fix: 'see the API reference in docs/api.md' });
    return reply.code(e.statusCode ?? 500).send({ error: e.message });
  });
  if (opts.token) bearerAuth(app, opts.token);
  await app.register(healthRoutes, { store: opts.store });
  await app.register(runRoutes, { store: opts.store });
  await app.register(jobRoutes, { store: opts.store, ...(opts.intensity ? { source: providerSource(opts.intensity) } : {}) });
  const intensity = opts.intensity ?? providerFromEnv(process.env, opts.store);
  const clock = opts.clock ? { now: opts.clock } : {};
  await app.register(carbonAwareRoutes, { intensity, ...clock });
  await app.register(planRoutes, { intensity, ...clock });
  await app.register(metricsRoutes, { store: opts.store, ...(opts.extraRegistries ? { extraRegistries: opts.extraRegistries } : {}) });
  return app;
}
