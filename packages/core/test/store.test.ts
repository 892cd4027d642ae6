import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, newId, type RunRow, type SampleRow } from '../src/index.js';
import { testRunRow, testStores } from '../src/testing.js';

const run = (id: string, overrides: Partial<RunRow> = {}): RunRow => ({ group_id: null, task: null, ...testRunRow({ id, command: JSON.stringify(['sleep', '1']), ...overrides }) });

for (const [name, url] of testStores('verdant-store-')) {
  describe.skipIf(!url)(`Store on ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await Store.open({ url: url! });
    });
    afterAll(async () => {
      await store?.close();
    });

    it('stores a run, its sensors and batched samples, and sums them per sensor', async () => {
      const id = newId('r');
      await store.createRun(run(id), [
        { run_id: id, sensor_id: 'gpu:0', kind: 'gpu', method: 'nvml-energy-counter', description: '', estimate: 0 },
        { run_id: id, sensor_id: 'cpu:package-0', kind: 'cpu', method: 'rapl', description: '', estimate: 0 },
      ]);
      const samples: SampleRow[] = [];
      for (let i = 0; i < 100; i++) {
        samples.push({ run_id: id, sensor_id: 'gpu:0', t: 1000 + i, dt: 1, energy_j: 250, power_w: 250, intensity_g_per_kwh: 360, emissions_g: 0.025 });
        samples.push({ run_id: id, sensor_id: 'cpu:package-0', t: 1000 + i, dt: 1, energy_j: 50, power_w: 50, intensity_g_per_kwh: 360, emissions_g: 0.005 });
      }
      await store.appendSamples(samples, { id, energy_j: 30000, emissions_g: 3, heartbeat_at: Date.now() / 1000 });
      const totals = await store.sensorTotals(id);
      expect(totals.map((t) => [t.sensor_id, t.energy_j])).toEqual([
        ['cpu:package-0', 5000],
        ['gpu:0', 25000],
      ]);
      const row = await store.getRun(id);
      expect(row?.energy_j).toBe(30000);
      expect(row?.status).toBe('running');
      expect((await store.samples(id, 'gpu:0')).length).toBe(100);
    });

    it('marks a run whose heartbeat stopped as interrupted, keeping its energy', async () => {
      const id = newId('r');
      const old = Date.now() / 1000 - 3600;
      await store.createRun(run(id, { heartbeat_at: old, started_at: old - 10, energy_j: 42 }), []);
      const row = await store.getRun(id);
      expect(row?.status).toBe('interrupted');
      expect(row?.energy_j).toBe(42);
      expect(row?.ended_at).toBeCloseTo(old, 3);
    });

    it('resolves unique id prefixes and rejects unknown ones with a fix', async () => {
      const id = newId('r');
      await store.createRun(run(id), []);
      expect(await store.resolveRunId(id.slice(0, id.length - 2))).toBe(id);
      await expect(store.resolveRunId('r_nope')).rejects.toThrow(/no run with id/);
    });

    it('caches intensity points and upserts them', async () => {
      const zone = `Z${newId('z')}`;
      await store.putIntensity([
        { zone, t: 0, resolutionS: 3600, gPerKwh: 100, signal: 'average', source: 'test' },
        { zone, t: 3600, resolutionS: 3600, gPerKwh: 200, signal: 'average', source: 'test' },
      ]);
      await store.putIntensity([{ zone, t: 3600, resolutionS: 3600, gPerKwh: 250, signal: 'average', source: 'test' }]);
      const pts = await store.getIntensity(zone, 0, 7200);
      expect(pts.map((p) => p.gPerKwh)).toEqual([100, 250]);
    });
  });
}
