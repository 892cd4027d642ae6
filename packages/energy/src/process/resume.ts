import { ExitCode, VerdantError, localHostName, pidAlive, type Store } from '@verdant/core';
import { signalTree } from './tree-signals.js';
import { summarizeRun, type RunSummary } from '../outputs/summary.js';

/**
 * Resumes a paused run from another process: SIGCONT to the command's process tree. The tracking process
 * notices the tree running again and records the status itself.
 */
export async function resumeRun(store: Store, runId: string, procfsRoot = '/proc'): Promise<RunSummary> {
  const row = await store.getRun(runId);
  if (!row) throw new VerdantError(`no run with id ${runId}`, { field: 'run', exitCode: ExitCode.usage });
  if (row.status !== 'paused') {
    throw new VerdantError(`run ${runId} is ${row.status}, not paused`, {
      field: 'run',
      fix: 'only runs paused by --on-exceed pause or --carbon-aware can be resumed',
      exitCode: ExitCode.usage,
    });
  }
  if (row.host !== localHostName()) {
    throw new VerdantError(`run ${runId} runs on ${row.host}`, { field: 'run', fix: `run \`verdant resume\` on ${row.host}`, exitCode: ExitCode.usage });
  }
  if (row.child_pid === null || !pidAlive(row.child_pid)) {
    throw new VerdantError(`run ${runId}'s command is no longer running`, { field: 'run', exitCode: ExitCode.usage });
  }
  await signalTree(row.child_pid, 'SIGCONT', procfsRoot);
  await store.updateRun(runId, { status: 'running' });
  return (await summarizeRun(store, runId))!;
}
