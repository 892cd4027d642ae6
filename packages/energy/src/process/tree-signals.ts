import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanProcessTree } from '../sensors/procfs.js';

/**
 * Sends a signal to every process of the tree (root first; children first for SIGSTOP); returns how many
 * received it. Pausing means the whole tree: a SIGSTOP to the root alone would leave its workers
 * (DataLoader processes, torchrun ranks) running.
 */
export async function signalTree(rootPid: number, signal: NodeJS.Signals, procfsRoot = '/proc'): Promise<number> {
  // A fresh scan (not the samplers' cached tree): a child born a second ago must stop too.
  const tree = await scanProcessTree(procfsRoot, rootPid);
  const pids = tree.length ? tree.map((p) => p.pid) : [rootPid];
  // Stop children before the parent (so none is reaped and restarted meanwhile); continue parent first.
  if (signal === 'SIGSTOP') pids.reverse();
  let n = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      n++;
    } catch {
      // gone already
    }
  }
  return n;
}

/** True when the process is stopped (state T in /proc/<pid>/stat). */
export async function isStopped(pid: number, procfsRoot = '/proc'): Promise<boolean> {
  try {
    const stat = await readFile(join(procfsRoot, String(pid), 'stat'), 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'T' || state === 't';
  } catch {
    return false;
  }
}
