import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Store } from '@verdant/core';
import { providerFromEnv, type IntensityProvider } from '@verdant/grid';
import { assertTokenForHost, bearerAuth } from './auth.js';
import { installErrorHandling } from './errors.js';
import { requestGuard } from './guard.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { metricsRoutes } from './routes/metrics.js';
import { runRoutes } from './routes/runs.js';
import { carbonAwareRoutes } from './routes/carbon-aware.js';
import { planRoutes } from './routes/plan.js';

export interface ServerOptions {
  store: Store;
  /** Host the server will listen on; beyond loopback a token of at least 16 characters is mandatory. */
  host?: string;
  /**
   * Bearer token required on every route but /healthz. Without one the server answers only requests whose
   * Host is a loopback name (DNS-rebinding defence, docs/api.md); with one, any Host.
   */
  token?: string;
  extraRegistries?: Registry[];
  logger?: boolean;
  /** Carbon-intensity source for the Carbon Aware SDK routes, /api/plan and /api/jobs. Default: the env-configured fallback chain over the store. */
  intensity?: IntensityProvider;
  /** Epoch seconds used as "now" by those routes (replay a trace as if live, as TraceProvider's clock does). Default: wall clock. */
  clock?: () => number;
}

/** Builds the HTTP API (routes registered as plugins; the caller listens). */
export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  assertTokenForHost(opts.host ?? '127.0.0.1', opts.token);
  // Query strings are coerced from text, but an unknown parameter is an error rather than silently dropped.
  const app = Fastify({ logger: opts.logger ?? false, ajv: { customOptions: { removeAdditional: false } } });
  installErrorHandling(app);
  requestGuard(app, { token: opts.token !== undefined });
  if (opts.token !== undefined) bearerAuth(app, opts.token);
  const intensity = opts.intensity ?? providerFromEnv(process.env, opts.store);
  await app.register(healthRoutes, { store: opts.store });
  await app.register(runRoutes, { store: opts.store });
  await app.register(jobRoutes, { store: opts.store, intensity });
  const clock = opts.clock ? { now: opts.clock } : {};
  await app.register(carbonAwareRoutes, { intensity, ...clock });
  await app.register(planRoutes, { intensity, ...clock });
  await app.register(metricsRoutes, { store: opts.store, ...(opts.extraRegistries ? { extraRegistries: opts.extraRegistries } : {}) });
  return app;
}
