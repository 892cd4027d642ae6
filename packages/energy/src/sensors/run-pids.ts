import type { DiscoveryContext } from './sensor.js';
import { currentProcessTree } from './procfs.js';
import { sharedQuery } from './tool.js';

/** The measured run's pids (root and descendants) and every pid visible in procfs. */
export interface RunProcesses {
  run: Set<number>;
  visible: ReadonlySet<number>;
}

/**
 * Reads the run's process tree, or undefined before the command has started. The tree is scanned for new
 * members at every read (a GPU process the run started a moment ago is the run's at once), reading only the
 * processes procfs did not list before; one read serves every sensor read at the same instant.
 */
export function runPidsReader(ctx: DiscoveryContext): () => Promise<RunProcesses | undefined> {
  return sharedQuery(async () => {
    const root = ctx.rootPid();
    if (root === undefined) return undefined;
    const { tree, visible } = currentProcessTree(ctx.procfsRoot, root);
    return { run: new Set(tree.map((p) => p.pid)), visible };
  });
}
