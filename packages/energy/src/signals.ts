import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The pids of a process tree (root first), read from procfs children lists. Used to pause and resume the
 * whole tree: a SIGSTOP to the root alone would leave its workers (DataLoader processes, torchrun ranks)
 * running.
 */
export async function treePids(rootPid: number, procfsRoot = '/proc'): Promise<number[]> {
  const out: number[] = [];
  const queue = [rootPid];
  const seen = new Set<number>();
  while (queue.length) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    let tasks: string[] = [];
    try {
      tasks = await readdir(join(procfsRoot, String(pid), 'task'));
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const children = await readFile(join(procfsRoot, String(pid), 'task', tid, 'children'), 'utf8');
        for (const c of children.split(/\s+/)) if (c) queue.push(Number(c));
      } catch {
        // task exited while we read
      }
    }
  }
  return out;
}

/** Sends a signal to every process of the tree; returns how many received it. */
export async function signalTree(rootPid: number, signal: NodeJS.Signals, procfsRoot = '/proc'): Promise<number> {
  let pids: number[];
  try {
    pids = await treePids(rootPid, procfsRoot);
  } catch {
    pids = [rootPid];
  }
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
