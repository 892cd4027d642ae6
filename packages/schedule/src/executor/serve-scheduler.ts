import type { Store } from '@verdant/core';
import { providerFromEnv, resolveIntensity, type IntensityProvider } from '@verdant/grid';
import { providerSource } from './intensity-source.js';
import { JobScheduler, type JobSchedulerOptions } from './job-scheduler.js';
import { ProcessRunner } from './process-runner.js';
import { executorDescriptor, executorDescriptors } from './registry.js';
import { TrackedRunner } from './tracked-runner.js';
import type { ExecutorDescriptor } from './types.js';

export interface ServeSchedulerOptions extends Pick<JobSchedulerOptions, 'tickS' | 'leaseS' | 'onEvent' | 'owner' | 'metrics'> {
  store: Store;
  env?: NodeJS.ProcessEnv;
  /** Intensity for the pause policy. Default: the fallback chain configured in `env` over the store. */
  intensity?: IntensityProvider;
  /** Run local jobs under the energy tracker so each is a measured run (default true). */
  track?: boolean;
  /**
   * Other executors whose jobs to follow each pass (their `tick`), by name. Default: every registered one
   * that says it is available here (Slurm: `squeue` on the PATH of `env`).
   */
  follow?: readonly string[];
}

/**
 * The scheduler `verdant serve` runs, wired from the environment: the providers configured there (fallback
 * chain) feed the pause policy; jobs run under the tracker, charged with the zone's intensity as
 * `verdant run` does. Call `start()`, and `stop()` on shutdown.
 */
export function createServeScheduler(o: ServeSchedulerOptions): JobScheduler {
  const env = o.env ?? process.env;
  const intensity = providerSource(o.intensity ?? providerFromEnv(env, o.store));
  const runner = o.track === false ? new ProcessRunner() : new TrackedRunner({ store: o.store, env, lookupFor: (zone) => resolveIntensity({ zone, env }) });
  return new JobScheduler({
    store: o.store,
    intensity,
    runner,
    executors: followed(o.follow, env).map((d) => d.create({ store: o.store })),
    ...(o.tickS !== undefined ? { tickS: o.tickS } : {}),
    ...(o.leaseS !== undefined ? { leaseS: o.leaseS } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    ...(o.owner ? { owner: o.owner } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
  });
}

function followed(names: readonly string[] | undefined, env: NodeJS.ProcessEnv): ExecutorDescriptor[] {
  if (names) return names.map((name) => executorDescriptor(name, 'follow'));
  return executorDescriptors().filter((d) => d.available?.(env) === true);
}
