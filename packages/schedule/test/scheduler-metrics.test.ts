import type { Registry } from 'prom-client';
import { Store, newId } from '@verdant/core';
import { testStores } from '@verdant/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue, JobScheduler, collectQueueMetrics, createSchedulerMetrics, parseJobRequest, type JobPlanSummary } from '../src/index.js';
import { closeQueueStore, openQueueStore } from './helpers.js';

const T0 = 1_800_000_000;
const plan = (start: number): JobPlanSummary => ({ plannedStart: start, plannedEnd: start + 60, zone: 'DE', source: 'test' });

/** Each sample of a registry as "name{label=value,...}" -> value. */
async function samples(registry: Registry): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of await registry.getMetricsAsJSON()) {
    for (const v of m.values) {
      const labels = Object.entries(v.labels).map(([k, x]) => `${k}=${String(x)}`).sort().join(',');
      out.set(`${m.name}{${labels}}`, v.value);
    }
  }
  return out;
}

for (const [backend, url] of testStores('verdant-qmetrics-')) {
  describe.skipIf(!url)(`queue metrics on ${backend}`, () => {
    let store: Store;
    let q: JobQueue;
    // The PostgreSQL test database is shared: this run's jobs have an executor name of their own.
    const executor = newId('x');
    const add = (name: string) => q.add({ ...parseJobRequest({ name, argv: ['true'], cwd: '/tmp', zone: 'DE', durationS: 60, earliestStart: T0 }), executor }, plan(T0), { now: T0 });
    beforeAll(async () => {
      store = await Store.open({ url: url! });
      q = JobQueue.of(store);
    });
    afterAll(async () => {
      await store?.db.deleteFrom('jobs').where('executor', '=', executor).execute();
      await store?.close();
    });

    it('counts unfinished jobs by state and executor (0 for empty states), and those whose lease ran out', async () => {
      const m0 = await samples(await collectQueueMetrics(store, { now: T0 }));
      expect(m0.get('verdant_jobs{executor=local,state=queued}')).toBeTypeOf('number'); // `local` always has its series
      expect(m0.has(`verdant_jobs{executor=${executor},state=scheduled}`)).toBe(false);

      await add('scheduled-1');
      await add('scheduled-2');
      const queued = await add('queued');
      await q.update(queued.id, {}, { state: 'queued' }, T0);
      const fresh = await add('running-fresh');
      await q.claim(fresh, 'sched-a', 'h', T0 + 90, 30); // lease until T0 + 120
      const stale = await add('running-stale');
      await q.claim(stale, 'sched-b', 'h', T0, 30); // lease until T0 + 30: its scheduler stopped renewing
      const paused = await add('paused');
      await q.claim(paused, 'sched-a', 'h', T0 + 90, 30);
      await q.update(paused.id, {}, { state: 'paused' }, T0 + 90);
      const ended = await add('cancelled');
      await q.update(ended.id, {}, { state: 'cancelled', ended_at: T0 }, T0);

      const m = await samples(await collectQueueMetrics(store, { now: T0 + 100 }));
      expect(m.get(`verdant_jobs{executor=${executor},state=scheduled}`)).toBe(2);
      expect(m.get(`verdant_jobs{executor=${executor},state=queued}`)).toBe(1);
      expect(m.get(`verdant_jobs{executor=${executor},state=running}`)).toBe(2);
      expect(m.get(`verdant_jobs{executor=${executor},state=paused}`)).toBe(1);
      expect([...m.keys()].filter((k) => k.includes(executor) && /state=(succeeded|failed|cancelled)/.test(k))).toEqual([]);
      expect(m.get(`verdant_jobs_lease_expired{executor=${executor}}`)).toBe(1);
    });
  });
}

describe('scheduler health metrics', () => {
  let dir: Awaited<ReturnType<typeof openQueueStore>>;
  beforeAll(async () => (dir = await openQueueStore('verdant-smetrics-')));
  afterAll(() => closeQueueStore(dir?.store));

  it('records each pass: the last good one, passes by outcome, its tick and the jobs it holds', async () => {
    let t = 1000;
    const metrics = createSchedulerMetrics();
    const s = new JobScheduler({ store: dir.store, tickS: 7, clock: () => t, metrics });
    let m = await samples(metrics.registry);
    expect(m.get('verdant_scheduler_interval_seconds{}')).toBe(7);
    expect(m.get('verdant_scheduler_last_pass_timestamp_seconds{}')).toBe(1000); // its start, until a pass ends
    t = 1010;
    await s.tick();
    m = await samples(metrics.registry);
    expect(m.get('verdant_scheduler_last_pass_timestamp_seconds{}')).toBe(1010);
    expect(m.get('verdant_scheduler_passes_total{outcome=ok}')).toBe(1);
    expect(m.get('verdant_scheduler_jobs_held{}')).toBe(0);
    expect(m.get('verdant_scheduler_last_pass_duration_seconds{}')).toBeGreaterThanOrEqual(0);
    await s.stop({ abandon: true });
  });

  it('counts a failed pass as an error and leaves the last good pass where it was', async () => {
    const broken = await openQueueStore('verdant-smetrics-broken-');
    let t = 2000;
    const metrics = createSchedulerMetrics();
    const s = new JobScheduler({ store: broken.store, tickS: 5, clock: () => t, metrics });
    t = 2005;
    await s.tick();
    await broken.store.close(); // every later pass fails: the store is gone
    t = 2010;
    await s.tick();
    const m = await samples(metrics.registry);
    expect(m.get('verdant_scheduler_passes_total{outcome=ok}')).toBe(1);
    expect(m.get('verdant_scheduler_passes_total{outcome=error}')).toBe(1);
    expect(m.get('verdant_scheduler_last_pass_timestamp_seconds{}')).toBe(2005);
    await s.stop({ abandon: true });
  });
});
