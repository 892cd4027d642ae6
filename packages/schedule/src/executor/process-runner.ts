import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { signalTree } from '@verdant/energy';
import type { JobRunner, RunExit, RunnableJob, RunningJob } from './runner.js';

/**
 * Runs a job as a plain child process (argv, never a shell) with stdout and stderr appended to its output
 * file. Pauses freeze the whole tree so worker processes stop too.
 */
export class ProcessRunner implements JobRunner {
  constructor(private readonly procfsRoot = '/proc') {}

  async start(job: RunnableJob): Promise<RunningJob> {
    const [cmd, ...args] = job.argv;
    if (!cmd) throw new Error('ProcessRunner: empty argv');
    const fd = openSync(job.outputPath, 'a');
    const child = (() => {
      try {
        return spawn(cmd, args, { cwd: job.cwd, env: { ...process.env, ...job.env }, stdio: ['ignore', fd, fd] });
      } finally {
        closeSync(fd); // the child holds its own copy
      }
    })();
    const spawnError = await new Promise<Error | undefined>((res) => {
      child.once('spawn', () => res(undefined));
      child.once('error', (e) => res(e));
    });
    if (spawnError || child.pid === undefined) throw spawnError ?? new Error(`cannot start ${cmd}`);
    const pid = child.pid;
    const done = new Promise<RunExit>((res) => child.once('exit', (code, signal) => res({ exitCode: code, signal })));
    const procfs = this.procfsRoot;
    let killTimer: NodeJS.Timeout | undefined;
    void done.then(() => killTimer && clearTimeout(killTimer));
    return {
      pid,
      runId: undefined,
      pause: async () => void (await signalTree(pid, 'SIGSTOP', procfs)),
      resume: async () => void (await signalTree(pid, 'SIGCONT', procfs)),
      signal: (sig) => trySignal(pid, sig),
      stop: async (graceS = 10) => {
        await signalTree(pid, 'SIGCONT', procfs); // a stopped process cannot handle SIGTERM
        trySignal(pid, 'SIGTERM');
        killTimer = setTimeout(() => void signalTree(pid, 'SIGKILL', procfs), graceS * 1000);
        killTimer.unref();
      },
      done,
    };
  }
}

export function trySignal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Shell-style status: the exit code, or 128 + the signal number. */
export function exitStatus(exit: RunExit): number {
  if (exit.exitCode !== null) return exit.exitCode;
  return 128 + (exit.signal ? (osConstants.signals[exit.signal] ?? 0) : 0);
}
