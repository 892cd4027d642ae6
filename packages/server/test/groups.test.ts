import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, newId, nowS, type NewRunRow } from '@verdant/core';
import { testRunRow, testStores } from '@verdant/core/testing';
import { buildServer } from '../src/index.js';
import { parse, value } from './prometheus.js';

/** A member of `group` on `host` that started a minute ago (hourly interval: the test writes its samples itself). */
function member(group: string, host: string, task: string, overrides: Partial<NewRunRow> = {}): NewRunRow {
  const now = nowS();
  return testRunRow({ name: 'train', command: '["python","train.py"]', interval_s: 3600, started_at: now - 60, heartbeat_at: now, host, group_id: group, task, ...overrides });
}

/** Records a member as a tracker does: the run, one sample of `powerW` over 60 s ending at `t`, and its totals. */
async function record(store: Store, r: NewRunRow, powerW: number, t: number, end?: { status: 'succeeded' | 'failed'; exit: number }): Promise<number> {
  const energy = powerW * 60 * r.pue;
  const emissions = (energy * 300) / 3.6e6;
  await store.createRun({ ...r, status: 'running', ended_at: null }, [{ run_id: r.id, sensor_id: 'gpu:0', kind: 'gpu', method: 'fixture', description: '', estimate: 0 }]);
  await store.appendSamples([{ run_id: r.id, sensor_id: 'gpu:0', t, dt: 60, energy_j: powerW * 60, power_w: powerW, intensity_g_per_kwh: 300, emissions_g: emissions }], {
    id: r.id,
    energy_j: energy,
    emissions_g: emissions,
    heartbeat_at: end ? t : nowS(),
  });
  if (end) await store.updateRun(r.id, { status: end.status, exit_code: end.exit, ended_at: t, heartbeat_at: t });
  return energy;
}

for (const [backend, url] of testStores('verdant-groups-')) {
  describe.skipIf(!url)(`run groups over HTTP on ${backend}`, () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof buildServer>>;
    // The PostgreSQL test database is shared: group ids unique to this run of the suite.
    const tag = newId('g').toLowerCase();
    const live = `${tag}-live`;
    const old = `${tag}-old`;
    const energy: Record<string, number> = {};
    let ids: { a0: string; a1: string; b0: string };

    beforeAll(async () => {
      store = await Store.open({ url: url! });
      app = await buildServer({ store });
      const now = nowS();
      // The live group: two tasks on host-a (one running at 120 W, PUE 1.5; one ended), one on host-b that failed,
      // and a member on host-b that ended two days ago (still part of the group's energy).
      const a0 = member(live, 'host-a', '0', { pue: 1.5, host: hostname() });
      const a1 = member(live, 'host-a', '1');
      const b0 = member(live, 'host-b', '2');
      const bOld = member(live, 'host-b', '3', { started_at: now - 2 * 86400 - 60 });
      ids = { a0: a0.id, a1: a1.id, b0: b0.id };
      energy.a0 = await record(store, a0, 120, now - 1);
      energy.a1 = await record(store, a1, 80, now - 5, { status: 'succeeded', exit: 0 });
      energy.b0 = await record(store, b0, 40, now - 5, { status: 'failed', exit: 3 });
      energy.bOld = await record(store, bOld, 10, now - 2 * 86400, { status: 'succeeded', exit: 0 });
      // A group whose members all ended two days ago: outside the /metrics window.
      energy.old = await record(store, member(old, 'host-c', '0', { started_at: now - 2 * 86400 - 60 }), 30, now - 2 * 86400, { status: 'succeeded', exit: 0 });
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    it('GET /api/groups/:id gives totals, power now, and each host and member', async () => {
      const res = await app.inject(`/api/groups/${live}`);
      expect(res.statusCode).toBe(200);
      const g = res.json();
      expect(g).toMatchObject({ group_id: live, status: 'running', ended_at: null, zones: ['DE'] });
      const total = energy.a0! + energy.a1! + energy.b0! + energy.bOld!;
      expect(g.energy_j).toBeCloseTo(total, 6);
      expect(g.emissions_g).toBeCloseTo((total * 300) / 3.6e6, 9);
      expect(g.power_w).toBeCloseTo(120 * 1.5, 9); // the live member's sensors x its PUE
      const aHost = hostname();
      expect(g.by_host).toEqual(
        expect.arrayContaining([
          { host: aHost, members: 1, tasks: ['0'], status: 'running', energy_j: energy.a0, emissions_g: expect.any(Number), power_w: 180 },
          { host: 'host-a', members: 1, tasks: ['1'], status: 'succeeded', energy_j: energy.a1, emissions_g: expect.any(Number), power_w: 0 },
          { host: 'host-b', members: 2, tasks: ['2', '3'], status: 'failed', energy_j: energy.b0! + energy.bOld!, emissions_g: expect.any(Number), power_w: 0 },
        ]),
      );
      expect(g.members).toHaveLength(4);
      expect(g.members.find((m: { run_id: string }) => m.run_id === ids.b0)).toMatchObject({ host: 'host-b', task: '2', status: 'failed', exit_code: 3 });

      // A unique prefix resolves; an unknown id is a 404 naming the parameter; a shared prefix is a 400.
      expect((await app.inject(`/api/groups/${live.slice(0, -1)}`)).json().group_id).toBe(live);
      const missing = await app.inject(`/api/groups/${tag}-nothing`);
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ field: 'id', exit_code: 2, error: `no run group with id ${tag}-nothing` });
      const ambiguous = await app.inject(`/api/groups/${tag}-`);
      expect(ambiguous.statusCode).toBe(400);
      expect(ambiguous.json()).toMatchObject({ field: 'id', error: expect.stringMatching(/is ambiguous/) });
    });

    it('runs carry their group: GET /api/runs and GET /api/runs/:id', async () => {
      const listed = (await app.inject('/api/runs?limit=1000')).json().runs as Array<{ run_id: string; group_id: string | null; host: string }>;
      expect(listed.find((r) => r.run_id === ids.b0)).toMatchObject({ group_id: live, host: 'host-b' });
      expect((await app.inject(`/api/runs/${ids.a1}`)).json()).toMatchObject({ group_id: live, task: '1', host: 'host-a' });
    });

    it('/metrics gives a live group energy, emissions, power and members per host; a group long ended has no series', async () => {
      const text = (await app.inject('/metrics')).body;
      const series = parse(text);
      const aHost = hostname();
      expect(value(series, 'verdant_group_energy_joules_total', { group: live, host: aHost })).toBeCloseTo(energy.a0!, 6);
      expect(value(series, 'verdant_group_energy_joules_total', { group: live, host: 'host-b' })).toBeCloseTo(energy.b0! + energy.bOld!, 6);
      expect(value(series, 'verdant_group_emissions_grams_total', { group: live, host: 'host-a' })).toBeCloseTo((energy.a1! * 300) / 3.6e6, 9);
      expect(value(series, 'verdant_group_power_watts', { group: live, host: aHost })).toBeCloseTo(180, 9);
      expect(value(series, 'verdant_group_power_watts', { group: live, host: 'host-b' })).toBe(0);
      expect(value(series, 'verdant_group_members', { group: live, host: 'host-b' })).toBe(2);
      expect(value(series, 'verdant_group_info', { group: live, status: 'running' })).toBe(1);
      expect(text).not.toContain(`group="${old}"`);
      expect(text).toMatch(/^# TYPE verdant_group_energy_joules_total counter$/m);
      expect(text).toMatch(/^# TYPE verdant_group_power_watts gauge$/m);
    });
  });
}
