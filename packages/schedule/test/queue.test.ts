import { Store, type IntensityPoint } from '@verdant/core';
import { testStores } from '@verdant/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue, parseJobRequest, pointsSource, type JobPlanSummary } from '../src/index.js';
import { planSubmission } from '../src/executor/plan-job.js';

const T0 = 1_800_000_000;

function request(name: string, extra: Record<string, unknown> = {}) {
  return parseJobRequest({ name, argv: ['true'], cwd: '/tmp', zone: 'DE', durationS: 60, earliestStart: T0, ...extra });
}
const plan = (start: number): JobPlanSummary => ({ plannedStart: start, plannedEnd: start + 60, zone: 'DE', source: 'test' });

for (const [backend, url] of testStores('verdant-queue-')) {
  describe.skipIf(!url)(`job queue on ${backend}`, () => {
    let a: Store;
    let b: Store;
    let q: JobQueue;
    let q2: JobQueue;
    beforeAll(async () => {
      a = await Store.open({ url: url! });
      b = await Store.open({ url: url! }); // a second connection, as a second scheduler process would have
      q = JobQueue.of(a);
      q2 = JobQueue.of(b);
      await a.db.deleteFrom('jobs').where('name', 'like', 'qtest-%').execute();
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    it('stores a job with its spec and plan, resolves id prefixes, logs events', async () => {
      const job = await q.add(request('qtest-store', { env: { A: '1' }, interruptible: true, checkpointSignal: 'usr1' }), plan(T0 + 600), { now: T0 });
      expect(job.state).toBe('scheduled');
      const got = await q2.require(job.id.slice(0, job.id.length - 2));
      expect(got.spec).toMatchObject({ argv: ['true'], env: { A: '1' }, checkpointSignal: 'SIGUSR1', executor: 'local' });
      expect(got.plannedStart).toBe(T0 + 600);
      expect((await q.events(job.id)).map((e) => e.state)).toEqual(['scheduled']);
      await expect(q.require('j_nope')).rejects.toMatchObject({ field: 'job' });
    });

    it('lets exactly one of two concurrent claimants win a due job', async () => {
      const job = await q.add(request('qtest-claim'), plan(T0), { now: T0 });
      const due = await q.due(T0 + 1);
      expect(due.map((j) => j.id)).toContain(job.id);
      expect((await q.due(T0 - 1)).map((j) => j.id)).not.toContain(job.id);
      const results = await Promise.all([q.claim(job, 'sched-a', 'h', T0 + 1, 30), q2.claim(job, 'sched-b', 'h', T0 + 1, 30)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const after = await q.get(job.id);
      expect(after).toMatchObject({ state: 'running', attempts: 1, leaseUntil: T0 + 31 });
      expect(['sched-a', 'sched-b']).toContain(after!.owner);
      // a third try after the fact loses too: the job is no longer waiting
      expect(await q.claim(job, 'sched-c', 'h', T0 + 2, 30)).toBe(false);
    });

    it('finds orphans by expired lease and lets one adopter take each', async () => {
      const job = await q.add(request('qtest-orphan'), plan(T0), { now: T0 });
      expect(await q.claim(job, 'dead', 'h', T0, 10)).toBe(true);
      await q.renew('dead', T0 + 5, 10); // lease now T0 + 15
      expect((await q.orphans(T0 + 14)).map((j) => j.id)).not.toContain(job.id);
      const orphan = (await q.orphans(T0 + 16)).find((j) => j.id === job.id)!;
      expect(orphan.owner).toBe('dead');
      const wins = await Promise.all([q.adopt(orphan, 'x', T0 + 16, 30, 'adopted'), q2.adopt(orphan, 'y', T0 + 16, 30, 'adopted')]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await q.orphans(T0 + 17)).map((j) => j.id)).not.toContain(job.id);
    });

    it('cancels a waiting job at once and asks the owner to cancel an active one', async () => {
      const waiting = await q.add(request('qtest-cancel-wait'), plan(T0 + 999), { now: T0 });
      expect((await q.cancel(waiting.id, T0 + 1)).state).toBe('cancelled');
      await expect(q.cancel(waiting.id)).rejects.toThrow(/already ended/);
      const active = await q.add(request('qtest-cancel-run'), plan(T0), { now: T0 });
      await q.claim(active, 'owner-1', 'h', T0, 30);
      const c = await q.cancel(active.id, T0 + 2);
      expect(c).toMatchObject({ state: 'running', pendingRequest: 'cancel' });
    });

    it('does not offer held jobs as due until they are resumed', async () => {
      const job = await q.add(request('qtest-hold'), plan(T0), { now: T0 });
      expect(await q.request(job.id, 'hold', T0 + 1)).toBe(true);
      expect((await q.due(T0 + 2, 'local', 1000)).map((j) => j.id)).not.toContain(job.id);
      await q.request(job.id, 'resume', T0 + 3);
      expect((await q.due(T0 + 4, 'local', 1000)).map((j) => j.id)).toContain(job.id);
      await q.cancel(job.id, T0 + 5);
    });

    it('guards updates by state and owner', async () => {
      const job = await q.add(request('qtest-guard'), plan(T0), { now: T0 - 1 });
      await q.claim(job, 'me', 'h', T0, 30);
      expect(await q.update(job.id, { owner: 'someone-else' }, { state: 'failed' }, T0 + 1)).toBe(false);
      expect(await q.update(job.id, { owner: 'me', states: ['paused'] }, { state: 'failed' }, T0 + 1)).toBe(false);
      expect(await q.update(job.id, { owner: 'me', states: ['running'] }, { state: 'succeeded', message: 'done' }, T0 + 2)).toBe(true);
      expect((await q.events(job.id)).map((e) => e.state)).toEqual(['scheduled', 'running', 'succeeded']);
    });
  });
}

describe('job requests', () => {
  it('names the field and the fix for bad input', () => {
    expect(() => parseJobRequest({ name: 'x', argv: [], cwd: '/tmp', zone: 'DE', durationS: 1, earliestStart: 0 })).toThrow(
      expect.objectContaining({ field: 'argv' }),
    );
    expect(() => request('x', { pauseAboveG: 300 })).toThrow(expect.objectContaining({ field: 'resumeBelowG' }));
    expect(() => request('x', { pauseAboveG: 300, resumeBelowG: 400, interruptible: true })).toThrow(/must be below/);
    expect(() => request('x', { pauseAboveG: 300, resumeBelowG: 200 })).toThrow(expect.objectContaining({ field: 'interruptible' }));
    expect(() => request('x', { interruptible: true, checkpointSignal: 'SIGKILL' })).toThrow(expect.objectContaining({ field: 'checkpointSignal' }));
    expect(() => request('x', { deadline: T0 + 30 })).toThrow(expect.objectContaining({ field: 'deadline' }));
    expect(() => parseJobRequest({ name: 'x', argv: ['a'], cwd: 'rel', zone: 'DE', durationS: 1, earliestStart: 0 }, 'body')).toThrow(
      expect.objectContaining({ field: 'body.cwd' }),
    );
  });
});

describe('planSubmission', () => {
  const hourly = (values: number[]): IntensityPoint[] =>
    values.map((g, i) => ({ zone: 'DE', t: T0 + i * 3600, resolutionS: 3600, gPerKwh: g, signal: 'average', source: 'synthetic' }));

  it('starts in the cleanest window before the deadline and reports the saving', async () => {
    const source = pointsSource(hourly([500, 400, 100, 120, 450, 500]));
    const spec = request('p', { durationS: 7200, deadline: T0 + 6 * 3600, powerW: 1000 });
    const p = await planSubmission(spec, source, T0);
    expect(p.plannedStart).toBe(T0 + 2 * 3600);
    expect(p.meanIntensityG).toBeCloseTo(110);
    expect(p.baselineIntensityG).toBeCloseTo(450);
    expect(p.emissionsG).toBeCloseTo(2 * 110); // 2 kWh at 110 g/kWh
    expect(p.savingG).toBeCloseTo(2 * 450 - 2 * 110);
    expect(p.source).toBe('synthetic');
  });

  it('reports no emissions without a power estimate, and falls back to the earliest start without a series', async () => {
    const p = await planSubmission(request('p', { durationS: 3600 }), pointsSource(hourly([300, 100, 300])), T0);
    expect(p.plannedStart).toBe(T0 + 3600);
    expect(p.emissionsG).toBeUndefined();
    expect(p.savingFraction).toBeCloseTo(2 / 3);
    const none = await planSubmission(request('p', { earliestStart: T0 + 50 }), undefined, T0);
    expect(none).toMatchObject({ plannedStart: T0 + 50, source: 'none' });
    const uncovered = await planSubmission(request('p'), pointsSource(hourly([1, 2]).map((x) => ({ ...x, t: x.t + 7200 }))), T0);
    expect(uncovered.plannedStart).toBe(T0);
    expect(uncovered.note).toMatch(/^not planned: the intensity data for DE from series starts at .*, after the earliest start/);
  });
});
