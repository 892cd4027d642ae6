import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '@verdant/core';
import type { CommandResult, CommandRun } from '../src/process/run-command.js';

const dirs: string[] = [];
const stores: Store[] = [];

/** A scratch directory, removed by cleanupTemp(). */
export function tempDir(prefix = 'verdant-energy-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A SQLite store in a scratch directory; cleanupTemp() closes it and removes the directory. */
export async function tempStore(prefix = 'verdant-energy-'): Promise<{ store: Store; dir: string }> {
  const dir = tempDir(prefix);
  const store = await Store.open({ url: `sqlite:${join(dir, 'v.db')}` });
  stores.push(store);
  return { store, dir };
}

/**
 * An environment whose configured store is SQLite under `<dir>/home`, with one fixture GPU of `powerW` as the only
 * sensor (its file named after `tag`, so that runs of one test can each have their own).
 */
export function fixtureGpuEnv(dir: string, powerW: number, tag = 'gpu'): NodeJS.ProcessEnv {
  const sensors = join(dir, `sensors-${tag}.json`);
  writeFileSync(sensors, JSON.stringify({ sensors: [{ id: 'gpu:0', kind: 'gpu', powerW }] }));
  return { ...process.env, VERDANT_HOME: join(dir, 'home'), VERDANT_DATABASE_URL: '', VERDANT_FAKE_SENSORS: sensors, VERDANT_NVML: '0' };
}

/** Closes the stores and removes the directories made since the last call (an afterEach hook). */
export async function cleanupTemp(): Promise<void> {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The run's result, or a stopped run and a failure if it has not ended in time (a regression cannot hang the suite). */
export async function finish(run: CommandRun, withinS: number): Promise<CommandResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), withinS * 1000)));
  const first = await Promise.race([run.done, late]);
  clearTimeout(timer);
  if (first === 'late') {
    await run.stop('test timed out', 0.5);
    await run.done;
    throw new Error(`the run did not finish within ${withinS} s`);
  }
  return first;
}
