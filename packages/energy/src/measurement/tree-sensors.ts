import { readEnv } from '@verdant/core';
import type { EnergySensor } from '../sensors/sensor.js';
import { discoverSensors, type DiscoverOptions } from '../sensors/index.js';

export interface TreeSensorOptions extends DiscoverOptions {
  /** Where VERDANT_FAKE_SENSORS, VERDANT_SYSFS_ROOT and VERDANT_PROCFS_ROOT are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Discovery notes for the user (a family skipped, a permission to grant). */
  warn?: (message: string) => void;
}

/**
 * The sensors for one process tree. They are found before the tree exists: `rootPid` answers undefined until its
 * root has started (a command spawned after discovery), and the models attribute to that tree from then on.
 * `runCommand` and `track` use it; callers give `sensors` only to measure with sensors of their own.
 */
export async function sensorsForTree(rootPid: () => number | undefined, options: TreeSensorOptions = {}): Promise<EnergySensor[]> {
  const { env = process.env, warn = () => undefined, ...discover } = options;
  const paths = readEnv(env);
  return discoverSensors({ env, sysfsRoot: paths.sysfsRoot, procfsRoot: paths.procfsRoot, rootPid, warn }, discover);
}
