import type { IntensityLookup, Store } from '@verdant/core';
import { sensorsForTree } from './tree-sensors.js';
import type { EnergySensor } from '../sensors/sensor.js';
import { Tracker, type TrackerSnapshot } from './tracker.js';

export interface TrackOptions {
  name: string;
  /** Intensity for the zone, e.g. `staticLookup('DE')` or `traceLookup(await loadTrace(file))` from @verdant/grid. */
  lookup: IntensityLookup;
  intervalS?: number;
  pue?: number;
  /** Persist the run (it then shows in `verdant runs list`). */
  store?: Store;
  /** Sensors to use; discovered for this process when omitted. */
  sensors?: EnergySensor[];
  env?: NodeJS.ProcessEnv;
}

export interface Tracked<T> {
  result: T;
  runId: string;
  snapshot: TrackerSnapshot;
}

/** The sensors for the current Node process (its own process tree). */
export async function sensorsForThisProcess(env: NodeJS.ProcessEnv = process.env, warn: (m: string) => void = () => undefined): Promise<EnergySensor[]> {
  return sensorsForTree(() => process.pid, { env, warn });
}

/**
 * Measures `fn` in this process: `const { result, snapshot } = await track(() => train(), { name, lookup })`.
 * The run ends as `succeeded`, or `failed` when fn throws (the error is rethrown after the run is saved).
 */
export async function track<T>(fn: () => Promise<T> | T, options: TrackOptions): Promise<Tracked<T>> {
  const sensors = options.sensors ?? (await sensorsForThisProcess(options.env));
  const tracker = new Tracker({
    name: options.name,
    sensors,
    lookup: options.lookup,
    ...(options.intervalS !== undefined ? { intervalS: options.intervalS } : {}),
    ...(options.pue !== undefined ? { pue: options.pue } : {}),
    ...(options.store ? { store: options.store } : {}),
    command: [process.argv0, ...process.argv.slice(1)],
  });
  await tracker.start();
  try {
    const result = await fn();
    const snapshot = await tracker.stop('succeeded', 0);
    return { result, runId: tracker.runId, snapshot };
  } catch (e) {
    await tracker.stop('failed', 1, { error: (e as Error)?.message ?? String(e) });
    throw e;
  }
}
