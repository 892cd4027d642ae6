import type { DiscoveryContext } from '../sensor.js';
import { processTreePids } from './procfs.js';
import { sharedQuery } from './tool.js';

/**
 * The pids of the measured run (root and descendants), or undefined before the command has started.
 * One procfs scan serves every sensor read at the same instant.
 */
export function runPidsReader(ctx: DiscoveryContext): () => Promise<Set<number> | undefined> {
  const scan = sharedQuery(async () => {
    const root = ctx.rootPid();
    return root === undefined ? undefined : processTreePids(ctx.procfsRoot, root);
  });
  return scan;
}
