import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type OpenOptions } from '@verdant/core';
import { waitFor as pollFor } from '@verdant/core/testing';
import { JobQueue, type JobRecord, type JobScheduler } from '../src/index.js';

/** A test file's SQLite store in a fresh directory (where its jobs also run and write), and its job queue. */
export interface QueueStore {
  dir: string;
  url: string;
  store: Store;
  queue: JobQueue;
}

export async function openQueueStore(prefix: string, options: Omit<OpenOptions, 'url'> = {}): Promise<QueueStore> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const url = `sqlite:${join(dir, 'v.db')}`;
  const store = await Store.open({ url, ...options });
  return { dir, url, store, queue: JobQueue.of(store) };
}

/** Stops the schedulers a file started (abandoning their jobs) and closes its store. */
export async function closeQueueStore(store: Store | undefined, schedulers: readonly JobScheduler[] = []): Promise<void> {
  for (const s of schedulers) await s.stop({ abandon: true });
  await store?.close();
}

/** Polls `fn` every 50 ms until it returns something truthy; fails naming `what` after `timeoutMs` (core's `waitFor`). */
export function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  return pollFor(what, fn, timeoutMs, 50);
}

/** Waits until the job is in one of `states`; returns its record. */
export function untilState(queue: JobQueue, id: string, ...states: string[]): Promise<JobRecord> {
  return waitFor(`${id} to be ${states.join('|')}`, async () => {
    const j = await queue.get(id);
    return j && states.includes(j.state) ? j : undefined;
  });
}

/** The non-empty lines of a job's output file ([] before it exists). */
export const outputLines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
