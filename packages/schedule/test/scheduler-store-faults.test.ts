import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nowS, Store } from '@verdant/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue, JobScheduler, submitJob, type JobRecord, type JobRunner } from '../src/index.js';
import { closeQueueStore, openQueueStore, outputLines as lines, untilState, waitFor } from './helpers.js';

let store: Store;
let url: string;
let dir: string;
let queue: JobQueue;
const schedulers: JobScheduler[] = [];
const others: Store[] = [];

// A short busy timeout: the lock below outlasts it many times over, as a long writer outlasts the default.
beforeAll(async () => ({ store, url, dir, queue } = await openQueueStore('verdant-sched-faults-', { busyTimeoutMs: 100 })));
afterAll(async () => {
  await closeQueueStore(undefined, schedulers);
  for (const s of others) await s.close();
  await store?.close();
});

function scheduler(opts: Partial<ConstructorParameters<typeof JobScheduler>[0]> = {}) {
  const errors: string[] = [];
  const s = new JobScheduler({ store, tickS: 0.1, leaseS: 30, stopGraceS: 1, onEvent: (e) => e.state === 'error' && errors.push(e.message), ...opts });
  schedulers.push(s);
  return { s, errors };
}

async function submit(name: string, script: string, startInS = 0): Promise<JobRecord> {
  const { job } = await submitJob(store, { name, argv: ['sh', '-c', script], cwd: dir, zone: 'DE', durationS: 5, earliestStart: nowS() + startInS });
  return job;
}

const until = (id: string, ...states: string[]) => untilState(queue, id, ...states);
const eventStates = async (id: string) => (await queue.events(id)).map((e) => e.state);

/** Another connection takes SQLite's write lock and holds it until released (a long writer in another process). */
async function lockStore(): Promise<{ release: () => Promise<void> }> {
  const other = await Store.open({ url });
  others.push(other);
  let unlock!: () => void;
  const held = new Promise<void>((r) => (unlock = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const tx = other.db.transaction().execute(async (t) => {
    await sql`UPDATE kv SET value = value WHERE key = 'none'`.execute(t); // takes the write lock
    locked();
    await held;
  });
  await isLocked;
  return {
    release: async () => {
      unlock();
      await tx;
    },
  };
}

describe('the scheduler when the store cannot be written', () => {
  it('SQLite locked past the busy timeout while a job ends and another falls due: none lost, none run twice', async () => {
    const marker = join(dir, 'locked-marker');
    const go = join(dir, 'locked-go');
    const a = await submit('A', `echo A >> ${marker}; while [ ! -e ${go} ]; do sleep 0.05; done; echo A-done >> ${marker}`);
    const b = await submit('B', `echo B >> ${marker}`, 1);
    const { s, errors } = scheduler();
    s.start();
    await until(a.id, 'running');
    const lock = await lockStore();
    writeFileSync(go, ''); // A ends while the store is locked: its outcome cannot be written
    await waitFor('A to exit', async () => lines(marker).includes('A-done'));
    // B falls due while locked (it cannot be claimed), and several passes fail.
    await waitFor('B due and passes failing', async () => nowS() > b.plannedStart + 0.3 && errors.filter((e) => /locked|busy/i.test(e)).length >= 3);
    expect((await queue.get(a.id))!.state).toBe('running'); // A's exit is held, not lost
    expect((await queue.get(b.id))!.state).toBe('scheduled');
    await lock.release();
    expect(await until(a.id, 'succeeded')).toMatchObject({ exitCode: 0, attempts: 1, owner: null });
    expect(await until(b.id, 'succeeded')).toMatchObject({ exitCode: 0, attempts: 1 });
    for (const j of [a, b]) expect(await eventStates(j.id)).toEqual(['scheduled', 'running', 'succeeded']);
    expect(lines(marker).sort()).toEqual(['A', 'A-done', 'B']);
    await s.stop();
  });

  it('a claim that committed but whose answer was lost starts the job once', async () => {
    const out = join(dir, 'claim-out');
    const job = await submit('claimed', `echo "attempt $VERDANT_JOB_ATTEMPT" >> ${out}`);
    const claim = JobQueue.prototype.claim;
    let lost = 0;
    JobQueue.prototype.claim = async function (this: JobQueue, j, ...rest) {
      const won = await claim.call(this, j, ...rest);
      if (j.id === job.id && lost++ === 0) throw new Error('Connection terminated unexpectedly');
      return won;
    };
    try {
      const { s, errors } = scheduler();
      await s.tick(); // claims, then "loses" the answer: the pass fails
      expect(errors.some((e) => /terminated/.test(e))).toBe(true);
      expect((await queue.get(job.id))!.state).toBe('running'); // the claim did commit
      s.start();
      expect(await until(job.id, 'succeeded')).toMatchObject({ attempts: 1, exitCode: 0 });
      expect(lines(out)).toEqual(['attempt 1']);
      expect(lost).toBe(1);
      await s.stop();
    } finally {
      JobQueue.prototype.claim = claim;
    }
  });

  it('a change whose event could not be written keeps the change and writes the event once later', async () => {
    const job = await submit('events', 'exit 0', 3600);
    // A trigger refuses job_events rows while kv says so: the jobs row changes, its event insert fails.
    await sql`CREATE TRIGGER refuse_events BEFORE INSERT ON job_events
              WHEN (SELECT value FROM kv WHERE key = 'refuse_events') = '1' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`.execute(store.db);
    try {
      await store.kvSet('refuse_events', '1');
      const q = JobQueue.of(store);
      expect(await q.request(job.id, 'hold')).toBe(true);
      expect((await q.get(job.id))!.pendingRequest).toBe('hold');
      await expect(q.flushEvents()).rejects.toThrow(/disk I\/O error/);
      expect(await eventStates(job.id)).toEqual(['scheduled']);
      await store.kvSet('refuse_events', '0');
      await q.flushEvents();
      await q.flushEvents();
      const events = await q.events(job.id);
      expect(events.map((e) => [e.state, e.message])).toEqual([
        ['scheduled', expect.any(String)],
        ['scheduled', 'hold requested'],
      ]);
    } finally {
      await sql`DROP TRIGGER refuse_events`.execute(store.db);
      await queue.cancel(job.id);
    }
  });

  it('a runner whose exit could not be saved records the job failed with the reason, not stuck running', async () => {
    const failing: JobRunner = {
      start: async () => ({
        pid: process.pid,
        runId: undefined,
        pause: async () => undefined,
        resume: async () => undefined,
        signal: () => undefined,
        stop: async () => undefined,
        done: new Promise((_, reject) => setTimeout(() => reject(new Error('its run could not be written to the store')), 100)),
      }),
    };
    const job = await submit('unsaved', 'exit 0');
    const { s } = scheduler({ runner: failing });
    s.start();
    const failed = await until(job.id, 'failed');
    expect(failed.message).toBe('ended, but its run could not be written to the store');
    expect(failed).toMatchObject({ exitCode: null, owner: null, attempts: 1 });
    await s.stop();
  });
});
