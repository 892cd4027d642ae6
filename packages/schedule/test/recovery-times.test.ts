import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nowS, pidAlive, toIso, type Store } from '@verdant/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobScheduler, jobToJson, submitJob, type JobQueue, type JobRecord } from '../src/index.js';
import { closeQueueStore, openQueueStore, waitFor } from './helpers.js';

let store: Store;
let dir: string;
let queue: JobQueue;
const schedulers: JobScheduler[] = [];

beforeAll(async () => ({ store, dir, queue } = await openQueueStore('verdant-recovery-')));
afterAll(() => closeQueueStore(store, schedulers));

/** A scheduler on a clock the test moves by hand: times in messages and counted running time are exact. */
function scheduler(clock: { t: number }): JobScheduler {
  const s = new JobScheduler({ store, clock: () => clock.t, tickS: 5, leaseS: 30, stopGraceS: 1 });
  schedulers.push(s);
  return s;
}

async function startedJob(name: string, script: string, clock: { t: number }): Promise<{ job: JobRecord; s1: JobScheduler; t0: number }> {
  const { job } = await submitJob(store, { name, argv: ['sh', '-c', script], cwd: dir, zone: 'DE', durationS: 3600, earliestStart: clock.t });
  const s1 = scheduler(clock);
  const t0 = clock.t;
  await s1.tick(); // claims and starts it at t0
  const running = await waitFor('running with a pid', async () => {
    const j = await queue.get(job.id);
    return j?.state === 'running' && j.pid !== null ? j : undefined;
  });
  return { job: running, s1, t0 };
}

describe('crash recovery reports the last heartbeat and the time counted', () => {
  it('a job whose process died with its scheduler: stopped at the last heartbeat, ran until then', async () => {
    const clock = { t: Math.floor(nowS()) + 5 }; // ahead of the wall clock, so the job's planned start is exactly t0
    const { job, s1, t0 } = await startedJob('gone', 'sleep 60', clock);
    clock.t += 10;
    await s1.tick(); // heartbeat at t0 + 10: lease until t0 + 40
    await s1.stop({ abandon: true }); // as kill -9
    process.kill(job.pid!, 'SIGKILL');
    await waitFor('the process gone', () => !pidAlive(job.pid!));
    clock.t += 100; // well past the lease
    await scheduler(clock).tick();
    const failed = (await queue.get(job.id))!;
    expect(failed.state).toBe('failed');
    expect(failed.message).toContain(`stopped at about ${toIso(t0 + 10)}`);
    expect(failed.message).not.toContain(toIso(t0 + 40)); // the lease expiry
    expect(failed.ranS).toBe(10);
    expect(jobToJson(failed).ran_s).toBe(10);
  });

  it('a process left running and watched: its scheduler\'s last heartbeat, and the time it ran until it ended', async () => {
    const stop = join(dir, 'stop-watched');
    const clock = { t: Math.floor(nowS()) + 1000 };
    const { job, s1, t0 } = await startedJob('watched', `while [ ! -f ${stop} ]; do sleep 0.05; done`, clock);
    clock.t += 20;
    await s1.tick(); // last heartbeat t0 + 20
    await s1.stop({ abandon: true });
    clock.t += 60; // lease (t0 + 50) expired
    const s2 = scheduler(clock);
    await s2.tick();
    expect((await queue.get(job.id))!.owner).toBe(s2.owner); // adopted, watching the pid
    clock.t += 30;
    writeFileSync(stop, '');
    await waitFor('the process gone', () => existsSync(stop) && !pidAlive(job.pid!));
    await s2.tick(); // finds it gone at t0 + 110
    const failed = (await queue.get(job.id))!;
    expect(failed.state).toBe('failed');
    expect(failed.message).toMatch(/^interrupted: /);
    expect(failed.message).toContain(`(${s1.owner}) stopped at about ${toIso(t0 + 20)}`);
    expect(failed.message).toContain(`ended at about ${toIso(t0 + 110)}`);
    expect(failed.message).not.toContain(`(${s2.owner})`); // the watcher did not stop
    expect(failed.ranS).toBe(110);
  });
});
