import type { DiscoveryContext } from '../sensor.js';
import { listProcesses } from './procfs.js';
import { sharedQuery } from './tool.js';

/** The measured run's pids (root and descendants) and every pid visible in procfs. */
export interface RunProcesses {
  run: Set<number>;
  visible: Set<number>;
}

/**
 * Reads the run's process tree, or undefined before the command has started.
 * One procfs scan serves every sensor read at the same instant.
 */
export function runPidsReader(ctx: DiscoveryContext): () => Promise<RunProcesses | undefined> {
  return sharedQuery(async () => {
    const root = ctx.rootPid();
    if (root === undefined) return undefined;
    const all = await listProcesses(ctx.procfsRoot);
    const children = new Map<number, number[]>();
    for (const p of all) {
      const siblings = children.get(p.ppid);
      if (siblings) siblings.push(p.pid);
      else children.set(p.ppid, [p.pid]);
    }
    const visible = new Set(all.map((p) => p.pid));
    const run = new Set<number>(visible.has(root) ? [root] : []);
    // A Set visits members added while it is iterated: this walks the whole tree.
    for (const pid of run) for (const child of children.get(pid) ?? []) run.add(child);
    return { run, visible };
  });
}
