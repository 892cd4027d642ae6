import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nowS, type Store } from '@verdant/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServeScheduler, JobScheduler, LocalExecutor, submitJob, TrackedRunner, type IntensitySource, type JobQueue, type JobRecord } from '../src/index.js';
import { closeQueueStore, openQueueStore, outputLines as lines, untilState, waitFor } from './helpers.js';

let store: Store;
let dir: string;
let queue: JobQueue;
const schedulers: JobScheduler[] = [];

beforeAll(async () => ({ store, dir, queue } = await openQueueStore('verdant-exec-')));
afterAll(() => closeQueueStore(store, schedulers));

/** A settable intensity, as a provider would report it. */
function dial(initial: number): IntensitySource & { value: number } {
  const d = { value: initial, name: 'dial', series: async () => [], current: async () => d.value };
  return d;
}

function scheduler(opts: Partial<ConstructorParameters<typeof JobScheduler>[0]> = {}): JobScheduler {
  const s = new JobScheduler({ store, tickS: 0.1, leaseS: 1, stopGraceS: 1, ...opts });
  schedulers.push(s);
  return s;
}

async function submit(name: string, script: string, extra: Record<string, unknown> = {}): Promise<JobRecord> {
  const { job } = await submitJob(store, { name, argv: ['sh', '-c', script], cwd: dir, zone: 'DE', durationS: 5, earliestStart: nowS(), ...extra });
  return job;
}

const stateOf = async (id: string) => (await queue.get(id))!.state;
const until = (id: string, ...states: string[]) => untilState(queue, id, ...states);

describe('local scheduler', () => {
  it('runs due jobs, records exit codes and output, and leaves future jobs alone', async () => {
    const ok = await submit('ok', 'echo hello; exit 0');
    const bad = await submit('bad', 'echo oops >&2; exit 3');
    const missing = await submitJob(store, { name: 'missing', argv: ['verdant-no-such-binary'], cwd: dir, zone: 'DE', durationS: 1, earliestStart: nowS() });
    const later = await submit('later', 'exit 0', { earliestStart: nowS() + 3600 });
    const s = scheduler();
    s.start();
    expect(await until(ok.id, 'succeeded')).toMatchObject({ exitCode: 0, attempts: 1, owner: null });
    expect(await until(bad.id, 'failed')).toMatchObject({ exitCode: 3 });
    expect(await until(missing.job.id, 'failed')).toMatchObject({ exitCode: 127 });
    expect(readFileSync(join(dir, `verdant-${ok.id}.out`), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(dir, `verdant-${bad.id}.out`), 'utf8')).toBe('oops\n');
    expect(await stateOf(later.id)).toBe('scheduled');
    await s.stop();
    await queue.cancel(later.id);
  });

  it('restart after a graceful stop: every job runs exactly once', async () => {
    const marks = ['A', 'B', 'C'].map((n) => join(dir, `graceful-${n}`));
    const a = await submit('A', `sleep 0.6; echo ran >> ${marks[0]}`);
    const b = await submit('B', `echo ran >> ${marks[1]}`, { earliestStart: nowS() + 1.5 });
    const c = await submit('C', `echo ran >> ${marks[2]}`, { earliestStart: nowS() + 1.5 });
    const s1 = scheduler();
    s1.start();
    await until(a.id, 'running');
    await s1.stop(); // mid-schedule: A is running, B and C not yet due
    expect(await stateOf(a.id)).toBe('succeeded'); // stop waited for A
    expect(await stateOf(b.id)).toBe('scheduled');
    const s2 = scheduler();
    s2.start();
    await until(b.id, 'succeeded');
    await until(c.id, 'succeeded');
    await s2.stop();
    for (const m of marks) expect(lines(m)).toEqual(['ran']);
    for (const j of [a, b, c]) expect((await queue.get(j.id))!.attempts).toBe(1);
  });

  it('restart after a crash: the orphan is watched and reported, never started twice; the rest run once', async () => {
    const marks = ['A', 'B', 'C'].map((n) => join(dir, `crash-${n}`));
    const a = await submit('A', `sleep 3; echo ran >> ${marks[0]}`);
    const b = await submit('B', `echo ran >> ${marks[1]}`, { earliestStart: nowS() + 1 });
    const c = await submit('C', `echo ran >> ${marks[2]}`, { earliestStart: nowS() + 1 });
    const s1 = scheduler({ leaseS: 0.5 });
    s1.start();
    const running = await until(a.id, 'running');
    await s1.stop({ abandon: true }); // as kill -9: no cleanup, no heartbeat, A's process keeps running
    const s2 = scheduler({ leaseS: 0.5 });
    s2.start();
    await waitFor('A adopted', async () => (await queue.get(a.id))!.owner === s2.owner);
    expect((await queue.get(a.id))!.message).toMatch(new RegExp(`watching pid ${running.pid}`));
    const failed = await until(a.id, 'failed');
    expect(failed.message).toMatch(/interrupted/);
    await until(b.id, 'succeeded');
    await until(c.id, 'succeeded');
    await s2.stop();
    for (const m of marks) expect(lines(m)).toEqual(['ran']);
    expect(failed.attempts).toBe(1);
  });

  it('pauses a running job (SIGSTOP) when intensity rises past the threshold and resumes it when it falls', async () => {
    const out = join(dir, 'ticks');
    const grid = dial(100);
    const job = await submit('ticker', `i=0; while [ $i -lt 30 ]; do echo $i >> ${out}; i=$((i+1)); sleep 0.05; done`, {
      interruptible: true,
      pauseAboveG: 300,
      resumeBelowG: 200,
    });
    const s = scheduler({ intensity: grid });
    await s.tick();
    await until(job.id, 'running');
    await waitFor('some output', async () => lines(out).length >= 3);
    grid.value = 400;
    await s.tick();
    const paused = await until(job.id, 'paused');
    expect(paused.message).toMatch(/intensity 400 > 300/);
    const frozen = lines(out).length;
    await new Promise((r) => setTimeout(r, 400));
    expect(lines(out).length).toBe(frozen); // stopped: nothing written
    grid.value = 250; // inside the band: stays paused
    await s.tick();
    expect(await stateOf(job.id)).toBe('paused');
    grid.value = 150;
    await s.tick();
    await until(job.id, 'running');
    await waitFor('ticker done', async () => {
      await s.tick();
      return (await stateOf(job.id)) === 'succeeded';
    });
    expect(lines(out)).toHaveLength(30);
    const events = (await queue.events(job.id)).map((e) => e.state);
    expect(events).toEqual(['scheduled', 'running', 'paused', 'running', 'succeeded']);
    await s.stop();
  });

  it('resumes regardless of intensity when the deadline slack is used up', async () => {
    const grid = dial(900);
    let clock = nowS() + 1;
    const job = await submit('deadline', 'sleep 1', { interruptible: true, pauseAboveG: 300, resumeBelowG: 200, durationS: 60, deadline: clock + 600 });
    const s = scheduler({ intensity: grid, tickS: 1, clock: () => clock }); // margin: 2 passes = 2 s
    await s.tick(); // starts it
    await until(job.id, 'running');
    clock += 10;
    await s.tick(); // dirty, 530 s of slack: pause
    expect(await stateOf(job.id)).toBe('paused');
    clock += 500; // 600 - 510 - 50 remaining = 40 s of slack: still dirty, stays paused
    await s.tick();
    expect(await stateOf(job.id)).toBe('paused');
    clock += 38.5; // 1.5 s of slack left: resume whatever the intensity
    await s.tick();
    const resumed = await queue.get(job.id);
    expect(resumed!.state === 'running' || resumed!.state === 'succeeded').toBe(true);
    expect((await queue.events(job.id)).find((e) => e.state === 'running' && /deadline/.test(e.message))?.message).toMatch(/deadline: 2 s of slack left/);
    await until(job.id, 'succeeded');
    await s.stop();
  });

  it('checkpoint contract: sends the signal, marks the exit as paused, restarts with VERDANT_JOB_RESUMED', async () => {
    const state = join(dir, 'ckpt');
    const log = join(dir, 'ckpt-log');
    // Counts to 20, saving progress on SIGUSR1 and exiting; on restart continues from the saved count.
    const script = [
      `i=0; [ -f ${state} ] && i=$(cat ${state})`,
      `echo "start attempt=$VERDANT_JOB_ATTEMPT resumed=\${VERDANT_JOB_RESUMED:-0} sig=$VERDANT_CHECKPOINT_SIGNAL from=$i" >> ${log}`,
      `trap 'echo $i > ${state}; exit 0' USR1`,
      `while [ $i -lt 20 ]; do i=$((i+1)); sleep 0.05; done`,
      `echo done >> ${log}`,
    ].join('\n');
    const grid = dial(100);
    const job = await submit('ckpt', script, { interruptible: true, checkpointSignal: 'SIGUSR1', pauseAboveG: 300, resumeBelowG: 200 });
    const s = scheduler({ intensity: grid });
    await s.tick();
    await until(job.id, 'running');
    await waitFor('started', async () => lines(log).length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    grid.value = 500;
    await s.tick();
    const paused = await until(job.id, 'paused');
    expect(paused.pid).toBeNull();
    expect(paused.message).toMatch(/checkpointed/);
    const saved = Number(readFileSync(state, 'utf8'));
    expect(saved).toBeGreaterThan(0);
    grid.value = 100;
    await s.tick();
    await waitFor('ckpt done', async () => {
      await s.tick();
      return (await stateOf(job.id)) === 'succeeded';
    });
    expect(lines(log)).toEqual([`start attempt=1 resumed=0 sig=SIGUSR1 from=0`, `start attempt=2 resumed=1 sig=SIGUSR1 from=${saved}`, 'done']);
    expect((await queue.get(job.id))!.attempts).toBe(2);
    await s.stop();
  });

  it('a job that ignores its checkpoint contract (dies of the signal) is failed, not restarted', async () => {
    const grid = dial(100);
    const job = await submit('no-trap', 'sleep 5', { interruptible: true, checkpointSignal: 'SIGUSR1', pauseAboveG: 300, resumeBelowG: 200 });
    const s = scheduler({ intensity: grid });
    await s.tick();
    await until(job.id, 'running');
    grid.value = 500;
    await s.tick();
    const failed = await until(job.id, 'failed');
    expect(failed.message).toMatch(/did not handle its checkpoint signal SIGUSR1/);
    await s.stop();
  });

  it('applies hold, resume and cancel requests made through the executor', async () => {
    const out = join(dir, 'held');
    const exec = new LocalExecutor(store);
    const job = await submit('held', `while true; do echo x >> ${out}; sleep 0.05; done`);
    const s = scheduler();
    await s.tick();
    await until(job.id, 'running');
    await exec.pause(job.id);
    await s.tick();
    expect((await exec.status(job.id)).state).toBe('paused');
    await s.tick(); // held: no policy, no resume
    expect(await stateOf(job.id)).toBe('paused');
    await exec.resume(job.id);
    await s.tick();
    expect((await exec.status(job.id)).state).toBe('running');
    await exec.cancel(job.id);
    await s.tick();
    const done = await until(job.id, 'cancelled');
    expect(done.message).toMatch(/cancelled by request/);
    await s.stop();
    await expect(exec.pause(job.id)).rejects.toThrow(/already ended/);
  });

  it('a crashed scheduler\'s checkpointable job is adopted and restarted from its checkpoint', async () => {
    const log = join(dir, 'adopt-log');
    const job = await submit('adopt', `echo "attempt=$VERDANT_JOB_ATTEMPT resumed=\${VERDANT_JOB_RESUMED:-0}" >> ${log}; trap 'exit 0' USR1; sleep 0.4`, {
      interruptible: true,
      checkpointSignal: 'SIGUSR1',
    });
    const s1 = scheduler({ leaseS: 0.3 });
    await s1.tick();
    await until(job.id, 'running');
    await s1.stop({ abandon: true });
    // the first process finishes on its own; once the lease is gone the next scheduler restarts from the checkpoint
    const s2 = scheduler({ leaseS: 0.3 });
    s2.start();
    await until(job.id, 'succeeded');
    await s2.stop();
    expect(lines(log)).toEqual(['attempt=1 resumed=0', 'attempt=2 resumed=1']);
  });

  it('runs a job under the energy tracker: the job records its run, the run its energy', async () => {
    const lookup = { zone: 'DE', source: 'test', at: () => 400 };
    const runner = new TrackedRunner({ store, lookupFor: () => lookup, intervalS: 0.1 });
    const job = await submit('tracked', 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo counted $i');
    const s = scheduler({ runner });
    s.start();
    const done = await until(job.id, 'succeeded', 'failed');
    await s.stop();
    expect(done).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(done.runId).toMatch(/^r_/);
    const run = await store.getRun(done.runId!);
    expect(run).toMatchObject({ status: 'succeeded', zone: 'DE', exit_code: 0 });
    expect(JSON.parse(run!.meta)).toMatchObject({ job_id: job.id });
    expect(readFileSync(join(dir, `verdant-${job.id}.out`), 'utf8')).toBe('counted 20000\n');
  });

  it('the serve scheduler, wired from the environment, runs a tracked job', async () => {
    const job = await submit('serve', 'echo served', { zone: 'FR' });
    const s = createServeScheduler({ store, env: { PATH: process.env.PATH ?? '' }, tickS: 0.1, leaseS: 1 });
    schedulers.push(s);
    s.start();
    const done = await until(job.id, 'succeeded', 'failed');
    await s.stop();
    expect(done.state).toBe('succeeded');
    expect((await store.getRun(done.runId!))!.zone).toBe('FR');
  });
});
