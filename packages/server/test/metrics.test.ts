import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, constantLookup, migrations, newId, nowS, type RunRow } from '@verdant/core';
import { testRunRow, testStores } from '@verdant/core/testing';
import { createAgentMetrics } from '@verdant/agents';
import { Tracker, type EnergySensor } from '@verdant/energy';
import { buildServer } from '../src/index.js';
import { find, parse, value, type Series } from './prometheus.js';

const DAY = 86400;

/** A run on this host that started a minute ago (hourly interval: the test writes its samples itself). */
function run(overrides: Partial<RunRow> & Pick<RunRow, 'name'>): RunRow {
  const now = nowS();
  return { group_id: null, task: null, ...testRunRow({ command: '["python","train.py"]', interval_s: 3600, started_at: now - 60, heartbeat_at: now, host: hostname(), ...overrides }) };
}

/** Records a run that ended `agoS` seconds ago with this energy, as a tracker does (create, samples, end). */
async function endedRun(store: Store, name: string, zone: string, host: string, energyJ: number, agoS: number): Promise<RunRow> {
  const end = nowS() - agoS;
  const r = run({ name, zone, host, started_at: end - 600, heartbeat_at: end - 600 });
  await store.createRun(r, [{ run_id: r.id, sensor_id: 'gpu:0', kind: 'gpu', method: 'fixture', description: '', estimate: 0 }]);
  await store.appendSamples([{ run_id: r.id, sensor_id: 'gpu:0', t: end, dt: 600, energy_j: energyJ, power_w: energyJ / 600, intensity_g_per_kwh: 300, emissions_g: (energyJ * 300) / 3.6e6 }], {
    id: r.id,
    energy_j: energyJ,
    emissions_g: (energyJ * 300) / 3.6e6,
    heartbeat_at: end,
  });
  await store.updateRun(r.id, { status: 'succeeded', exit_code: 0, ended_at: end, heartbeat_at: end, energy_j: energyJ, emissions_g: (energyJ * 300) / 3.6e6 });
  return { ...r, status: 'succeeded', ended_at: end, energy_j: energyJ, emissions_g: (energyJ * 300) / 3.6e6 };
}

for (const [backend, url] of testStores('verdant-metrics-')) {
  describe.skipIf(!url)(`/metrics on ${backend}`, () => {
    let store: Store;
    // The PostgreSQL test database is shared: every name here is unique to this run of the suite.
    const tag = newId('m');
    const names = [`${tag}-train`, `${tag}-eval`];
    const zones = ['DE', 'FR'];
    const hosts = ['node-a', 'node-b'];
    const ended: RunRow[] = [];
    let live: RunRow;
    let recent: RunRow[];

    async function scrape(s = store): Promise<{ text: string; series: Series[] }> {
      const app = await buildServer({ store: s });
      try {
        const res = await app.inject('/metrics');
        expect(res.statusCode).toBe(200);
        return { text: res.body, series: parse(res.body) };
      } finally {
        await app.close();
      }
    }

    /** Sum of the fixtures' energy and count by name, zone and host (runs ended, and live ones' energy). */
    function expectedTotals(runs: RunRow[]): Map<string, { runs: number; energy: number; emissions: number }> {
      const out = new Map<string, { runs: number; energy: number; emissions: number }>();
      for (const r of runs) {
        const key = JSON.stringify({ name: r.name, zone: r.zone, host: r.host });
        const t = out.get(key) ?? { runs: 0, energy: 0, emissions: 0 };
        if (r.status !== 'running' && r.status !== 'paused') t.runs++;
        t.energy += r.energy_j;
        t.emissions += r.emissions_g;
        out.set(key, t);
      }
      return out;
    }

    function expectTotals(series: Series[], runs: RunRow[]): void {
      for (const [key, t] of expectedTotals(runs)) {
        const labels = JSON.parse(key) as Record<string, string>;
        expect(value(series, 'verdant_runs_ended_total', labels)).toBe(t.runs);
        expect(value(series, 'verdant_energy_joules_total', labels)).toBeCloseTo(t.energy, 6);
        expect(value(series, 'verdant_emissions_grams_total', labels)).toBeCloseTo(t.emissions, 9);
      }
    }

    beforeAll(async () => {
      store = await Store.open({ url: url! });
      for (let i = 0; i < 30; i++) ended.push(await endedRun(store, names[i % 2]!, zones[i % 2]!, hosts[(i >> 1) % 2]!, 1000 + 37 * i, 2 * DAY + i));
      recent = [await endedRun(store, names[0]!, 'DE', 'node-a', 4321, 600), await endedRun(store, names[1]!, 'FR', 'node-b', 1234, 300)];
      // A live run of this process (so the reaper leaves it alone), two sensors, three intervals.
      live = run({ name: names[0]!, zone: 'DE', host: 'node-a' });
      await store.createRun(live, [
        { run_id: live.id, sensor_id: 'cpu:package-0', kind: 'cpu', method: 'fixture', description: '', estimate: 0 },
        { run_id: live.id, sensor_id: 'gpu:0', kind: 'gpu', method: 'fixture', description: '', estimate: 0 },
      ]);
      const t0 = nowS() - 30;
      const samples = [];
      for (let k = 1; k <= 3; k++) {
        samples.push({ run_id: live.id, sensor_id: 'gpu:0', t: t0 + k, dt: 1, energy_j: 200 + k, power_w: 200 + k, intensity_g_per_kwh: 300 + k, emissions_g: 0.01 });
        samples.push({ run_id: live.id, sensor_id: 'cpu:package-0', t: t0 + k + 0.01, dt: 1, energy_j: 50 + k, power_w: 50 + k, intensity_g_per_kwh: 300 + k, emissions_g: 0.002 });
      }
      live = { ...live, energy_j: 762, emissions_g: 0.036 };
      await store.appendSamples(samples, { id: live.id, energy_j: live.energy_j, emissions_g: live.emissions_g, heartbeat_at: nowS() });
    });
    afterAll(async () => {
      if (!store) return;
      await store.updateRun(live.id, { status: 'succeeded', ended_at: nowS() }).catch(() => undefined);
      await store.close();
    });

    it('exposes per-run series only for live and recently ended runs, and totals of every run by name, zone and host', async () => {
      const { series } = await scrape();
      for (const r of ended) expect(find(series, 'verdant_run_info', { run: r.id }), r.id).toEqual([]);
      for (const r of ended) expect(find(series, 'verdant_run_energy_joules_total', { run: r.id })).toEqual([]);
      for (const r of recent) {
        expect(value(series, 'verdant_run_info', { run: r.id, name: r.name, status: 'succeeded', zone: r.zone, host: r.host })).toBe(1);
        expect(value(series, 'verdant_run_energy_joules_total', { run: r.id, name: r.name })).toBe(r.energy_j);
        expect(value(series, 'verdant_run_emissions_grams_total', { run: r.id })).toBeCloseTo(r.emissions_g, 12);
        expect(find(series, 'verdant_run_power_watts', { run: r.id })).toEqual([]); // an ended run draws nothing
      }
      expect(value(series, 'verdant_run_info', { run: live.id, status: 'running', zone: 'DE', host: 'node-a' })).toBe(1);
      expect(value(series, 'verdant_run_energy_joules_total', { run: live.id })).toBe(762);
      // Each sensor's latest interval, and the intensity of the newest one.
      expect(value(series, 'verdant_run_power_watts', { run: live.id, sensor: 'gpu:0' })).toBe(203);
      expect(value(series, 'verdant_run_power_watts', { run: live.id, sensor: 'cpu:package-0' })).toBe(53);
      expect(value(series, 'verdant_run_grid_intensity_grams_per_kwh', { run: live.id, zone: 'DE' })).toBe(303);
      expectTotals(series, [...ended, ...recent, live]);
    });

    it('keeps the page the same whatever the number of ended runs stored: only the totals move', async () => {
      const before = await scrape();
      const added: RunRow[] = [];
      for (let i = 0; i < 150; i++) added.push(await endedRun(store, names[i % 2]!, zones[i % 2]!, hosts[(i >> 1) % 2]!, 500 + i, DAY + i));
      const after = await scrape();
      const shape = (s: Series[]) => s.filter((x) => Object.values(x.labels).some((v) => v.startsWith(tag)) || [live, ...recent].some((r) => x.labels.run === r.id)).map((x) => `${x.metric}${JSON.stringify(x.labels)}`).sort();
      expect(shape(after.series)).toEqual(shape(before.series));
      expectTotals(after.series, [...ended, ...added, ...recent, live]);
      ended.push(...added);
    });

    it('counts a run once when it ends twice, adds only what it gained, and never lowers a counter', async () => {
      const name = `${tag}-twice`;
      const labels = { name, zone: 'DE', host: 'far-away' };
      // A run on another host whose heartbeat stopped two minutes ago: any reader marks it interrupted.
      const r = run({ name, host: 'far-away', interval_s: 1, heartbeat_at: nowS() - 120, energy_j: 900, emissions_g: 0.09 });
      await store.createRun(r, []);
      let { series } = await scrape();
      expect(value(series, 'verdant_runs_ended_total', labels)).toBe(1);
      expect(value(series, 'verdant_energy_joules_total', labels)).toBe(900);
      expect(find(series, 'verdant_run_info', { run: r.id, status: 'interrupted' })).toHaveLength(1);
      // Its tracker was only cut off from the store: it comes back and ends the run with more energy.
      await store.updateRun(r.id, { status: 'succeeded', ended_at: nowS(), energy_j: 1500, emissions_g: 0.15 });
      ({ series } = await scrape());
      expect(value(series, 'verdant_runs_ended_total', labels)).toBe(1);
      expect(value(series, 'verdant_energy_joules_total', labels)).toBe(1500);
      expect(value(series, 'verdant_emissions_grams_total', labels)).toBeCloseTo(0.15, 12);
      // A lower figure written later does not take anything back from a counter.
      await store.updateRun(r.id, { energy_j: 1000, emissions_g: 0.1 });
      ({ series } = await scrape());
      expect(value(series, 'verdant_energy_joules_total', labels)).toBe(1500);
      expect(value(series, 'verdant_runs_ended_total', labels)).toBe(1);
    });

    it('counts a run once when two connections end it at the same moment (reaper and tracker)', async () => {
      const other = await Store.open({ url: url! });
      try {
        for (let i = 0; i < 5; i++) {
          const name = `${tag}-race-${i}`;
          const r = run({ name, host: 'far-away', interval_s: 1, heartbeat_at: nowS() - 3600, energy_j: 100, emissions_g: 0.01 });
          await store.createRun(r, []);
          await Promise.all([other.reapStaleRuns(), store.updateRun(r.id, { status: 'succeeded', ended_at: nowS(), energy_j: 120, emissions_g: 0.012 })]);
          const totals = (await store.runTotals()).filter((t) => t.name === name);
          expect(totals).toHaveLength(1);
          expect(totals[0]).toMatchObject({ name, zone: 'DE', host: 'far-away', runs: 1 });
          expect(totals[0]!.energy_j).toBeCloseTo(120, 9);
          expect(totals[0]!.emissions_g).toBeCloseTo(0.012, 12);
        }
      } finally {
        await other.close();
      }
    });

    it('counts a tracked run from start to end: live progress in the totals, then the run ended', async () => {
      const name = `${tag}-tracked`;
      const labels = { name, zone: 'DE', host: hostname() };
      let t = 100;
      const sensor: EnergySensor = { id: 'gpu:0', kind: 'gpu', method: 'fixture', description: '', estimate: false, read: async () => ({ t, energyJ: 200 * t }) };
      const tracker = new Tracker({ name, sensors: [sensor], lookup: constantLookup(300, 'DE'), store, intervalS: 3600, pue: 1.5 });
      await tracker.start();
      try {
        for (let i = 0; i < 3; i++) {
          t += 1;
          await tracker.tick();
        }
        await tracker.flush();
        let { series } = await scrape();
        expect(value(series, 'verdant_energy_joules_total', labels)).toBeCloseTo(3 * 200 * 1.5, 9);
        expect(value(series, 'verdant_runs_ended_total', labels)).toBe(0);
        expect(value(series, 'verdant_run_power_watts', { run: tracker.runId, sensor: 'gpu:0' })).toBe(200);
        t += 2;
        const snap = await tracker.stop('succeeded', 0);
        ({ series } = await scrape());
        expect(value(series, 'verdant_runs_ended_total', labels)).toBe(1);
        expect(value(series, 'verdant_energy_joules_total', labels)).toBeCloseTo(snap.energyJ, 9);
        expect(snap.energyJ).toBeCloseTo(5 * 200 * 1.5, 9);
        expect(value(series, 'verdant_emissions_grams_total', labels)).toBeCloseTo(snap.emissionsG, 12);
        expect(value(series, 'verdant_run_info', { run: tracker.runId, status: 'succeeded' })).toBe(1);
      } finally {
        await tracker.stop('failed', 1);
      }
    });

    it('keeps the totals across a restart of the store and the server', async () => {
      const before = (await scrape()).series.filter((s) => s.labels.name?.startsWith(tag) && !s.metric.startsWith('verdant_run_'));
      expect(new Set(before.map((s) => s.metric))).toEqual(new Set(['verdant_energy_joules_total', 'verdant_emissions_grams_total', 'verdant_runs_ended_total']));
      const reopened = await Store.open({ url: url! });
      try {
        const after = (await scrape(reopened)).series.filter((s) => s.labels.name?.startsWith(tag) && !s.metric.startsWith('verdant_run_'));
        expect(after).toEqual(before);
      } finally {
        await reopened.close();
      }
    });
  });
}

describe('/metrics page', () => {
  it('follows Prometheus naming (units in names, _total on counters, help on each) and keeps merged registries', async () => {
    const store = await Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-metrics-')), 'v.db')}` });
    await endedRun(store, 'train', 'DE', 'node-a', 1000, 60);
    const app = await buildServer({ store, extraRegistries: [createAgentMetrics().registry] });
    const text = (await app.inject('/metrics')).body;
    await app.close();
    await store.close();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));
    for (const want of ['verdant_energy_joules_total', 'verdant_emissions_grams_total', 'verdant_runs_ended_total', 'verdant_run_energy_joules_total', 'verdant_run_emissions_grams_total']) {
      expect(types).toContainEqual({ name: want, type: 'counter' });
    }
    for (const want of ['verdant_run_power_watts', 'verdant_run_grid_intensity_grams_per_kwh', 'verdant_run_info']) expect(types).toContainEqual({ name: want, type: 'gauge' });
    expect(types.map((t) => t.name)).toContain('verdant_agent_tool_calls_total');
    for (const t of types) {
      if (t.type === 'counter') expect(t.name).toMatch(/_total$/);
      else expect(t.name).not.toMatch(/_total$/);
      expect(text).toMatch(new RegExp(`^# HELP ${t.name} \\S`, 'm'));
    }
  });

  it('counts the runs that ended before the upgrade that introduced the totals', async () => {
    const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-metrics-')), 'v.db')}`;
    let store = await Store.open({ url });
    const runs = [await endedRun(store, 'train', 'DE', 'node-a', 1000, 9 * DAY), await endedRun(store, 'train', 'DE', 'node-a', 250, 8 * DAY), await endedRun(store, 'eval', 'FR', 'node-a', 40, 7 * DAY)];
    // Back to the schema before the totals: later migrations undone by their own down, then the totals' tables,
    // indexes and migration record gone.
    for (const name of Object.keys(migrations).filter((n) => n > '0004_run_totals').sort().reverse()) {
      await migrations[name]!.down!(store.db);
      await (store.db as any).deleteFrom('kysely_migration').where('name', '=', name).execute();
    }
    for (const t of ['run_totals', 'run_totals_counted']) await store.db.schema.dropTable(t).execute();
    for (const i of ['runs_status', 'runs_ended_at']) await store.db.schema.dropIndex(i).execute();
    await (store.db as any).deleteFrom('kysely_migration').where('name', '=', '0004_run_totals').execute();
    await store.close();
    store = await Store.open({ url });
    try {
      expect(await store.runTotals()).toEqual([
        { name: 'eval', zone: 'FR', host: 'node-a', runs: 1, energy_j: runs[2]!.energy_j, emissions_g: runs[2]!.emissions_g },
        { name: 'train', zone: 'DE', host: 'node-a', runs: 2, energy_j: runs[0]!.energy_j + runs[1]!.energy_j, emissions_g: runs[0]!.emissions_g + runs[1]!.emissions_g },
      ]);
      // And a run counted by the upgrade is not counted again when something ends it again.
      await store.updateRun(runs[2]!.id, { status: 'interrupted' });
      expect((await store.runTotals()).find((t) => t.name === 'eval')?.runs).toBe(1);
    } finally {
      await store.close();
    }
  });
});
