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
import { streamRoutes } from './routes/stream.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { simulateRoutes } from './routes/simulate.js';
import { webRoutes } from './routes/web.js';
import { reportRoutes } from './routes/report.js';
import { accelRoutes } from './routes/accel.js';
import { agentRunRoutes } from './routes/agent-runs.js';
import { moeRoutes } from './routes/moe.js';

export interface ServerOptions {
  store: Store;
  /** Host the server will listen on; beyond loopback a token of at least 16 characters is mandatory. */
  host?: string;
  /**
   * Bearer token required on every route but /healthz and the web dashboard's page and assets. Without one the server answers only requests whose
   * Host is a loopback name (DNS-rebinding defence, docs/api.md); with one, any Host.
   */
  token?: string;
  extraRegistries?: Registry[];
  logger?: boolean;
  /** Carbon-intensity source for the Carbon Aware SDK routes, /api/plan and /api/jobs. Default: the env-configured fallback chain over the store. */
  intensity?: IntensityProvider;
  /** Epoch seconds used as "now" by those routes (replay a trace as if live, as TraceProvider's clock does). Default: wall clock. */
  clock?: () => number;
  /** The user's zones for /api/zones and a run's what-if (default VERDANT_ZONES, else VERDANT_REGION). */
  zones?: readonly string[];
  /** How often the SSE streams read the store, ms (defaults 500 for a run, 1000 for /api/stream; tests shorten them). */
  streamPollMs?: { run?: number; live?: number };
  /** The built web dashboard served at / (default: @verdant/web's dist). */
  webRoot?: string;
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
  await app.register(healthRoutes, { store: opts.store, auth: opts.token !== undefined ? 'bearer' : 'none' });
  await app.register(runRoutes, { store: opts.store, intensity, ...(opts.clock ? { now: opts.clock } : {}), ...(opts.zones ? { zones: opts.zones } : {}) });
  await app.register(jobRoutes, { store: opts.store, intensity });
  const clock = opts.clock ? { now: opts.clock } : {};
  await app.register(carbonAwareRoutes, { intensity, ...clock });
  await app.register(planRoutes, { intensity, ...clock });
  await app.register(streamRoutes, { store: opts.store, ...(opts.streamPollMs?.run ? { runPollMs: opts.streamPollMs.run } : {}), ...(opts.streamPollMs?.live ? { livePollMs: opts.streamPollMs.live } : {}) });
  await app.register(dashboardRoutes, { store: opts.store, intensity, ...clock, ...(opts.zones ? { zones: opts.zones } : {}) });
  await app.register(simulateRoutes);
  await app.register(metricsRoutes, { store: opts.store, ...(opts.extraRegistries ? { extraRegistries: opts.extraRegistries } : {}) });
  await app.register(reportRoutes, { store: opts.store });
  await app.register(accelRoutes, { store: opts.store, intensity, ...clock });
  await app.register(agentRunRoutes, { store: opts.store });
  await app.register(moeRoutes, { store: opts.store });
  await app.register(webRoutes, opts.webRoot ? { root: opts.webRoot } : {});
  return app;
}
