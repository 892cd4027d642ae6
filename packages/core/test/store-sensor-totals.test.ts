// Each sensor's totals are summed from its samples once, when the run ends (run_sensors.energy_j, migration
// 0010), and read back from there for an ended run; a live run, a revived one and an import are summed from
// the samples as before. The figures are the same either way. Both dialects.
import { afterAll, describe, expect, it } from 'vitest';
import { Store, newId, type SampleRow } from '../src/index.js';
import { testRunRow, testStores, storeOpener } from '../src/testing.js';

const sample = (runId: string, sensor: string, t: number, energy: number): SampleRow => ({
  run_id: runId,
  sensor_id: sensor,
  t,
  dt: 1,
  energy_j: energy,
  power_w: energy,
  intensity_g_per_kwh: 360,
  emissions_g: energy / 10_000,
});

for (const [name, url] of testStores('verdant-sensor-totals-')) {
  describe.skipIf(!url)(`sensor totals on ${name}`, () => {
    const { open, closeAll } = storeOpener(url);
    afterAll(closeAll);

    const sensors = (id: string) => ['cpu:0', 'gpu:0', 'ram:0'].map((sensor_id) => ({ run_id: id, sensor_id, kind: sensor_id.split(':')[0]!, method: 'm', description: '', estimate: 0 }));
    const stored = async (store: Store, id: string) =>
      (await store.db.selectFrom('run_sensors').select(['sensor_id', 'energy_j', 'emissions_g']).where('run_id', '=', id).orderBy('sensor_id').execute()).map((r) => [
        r.sensor_id,
        r.energy_j === null || r.energy_j === undefined ? null : Number(r.energy_j),
      ]);

    it('are stored when a run ends, read back unchanged, and summed again after a revival', async () => {
      const store = await open();
      const id = newId('r');
      await store.createRun({ group_id: null, task: null, ...testRunRow({ id, name: 'totals' }) }, sensors(id));
      await store.appendSamples([sample(id, 'cpu:0', 1, 10), sample(id, 'gpu:0', 1, 200), sample(id, 'cpu:0', 2, 12), sample(id, 'gpu:0', 2, 180)], { id, energy_j: 402, emissions_g: 0.0402, heartbeat_at: 1 });
      // Live: nothing stored, summed from the samples.
      expect(await stored(store, id)).toEqual([['cpu:0', null], ['gpu:0', null], ['ram:0', null]]);
      const live = await store.sensorTotals(id);
      expect(live.map((x) => [x.sensor_id, x.energy_j])).toEqual([['cpu:0', 22], ['gpu:0', 380], ['ram:0', 0]]);

      await store.updateRun(id, { status: 'succeeded', exit_code: 0, ended_at: 3 });
      // A sensor with no sample counts 0, not "unknown".
      expect(await stored(store, id)).toEqual([['cpu:0', 22], ['gpu:0', 380], ['ram:0', 0]]);
      const ended = await store.sensorTotals(id);
      expect(ended).toEqual(live);
      expect(ended[1]!.emissions_g).toBeCloseTo(0.038, 12);

      // Revived (an interrupted run whose tracker was alive after all) and writing on: summed from the samples,
      // then stored again when it ends again.
      await store.updateRun(id, { status: 'running', ended_at: null });
      await store.appendSamples([sample(id, 'ram:0', 3, 5)], { id, energy_j: 407, emissions_g: 0.0407, heartbeat_at: 3 });
      expect((await store.sensorTotals(id)).map((x) => x.energy_j)).toEqual([22, 380, 5]);
      await store.updateRun(id, { status: 'failed', exit_code: 1, ended_at: 4 });
      expect(await stored(store, id)).toEqual([['cpu:0', 22], ['gpu:0', 380], ['ram:0', 5]]);
    });

    it('are not stored for a run recorded already ended (an import, whose samples follow): summed from the samples', async () => {
      const store = await open();
      const id = newId('r');
      await store.createRun({ group_id: null, task: null, ...testRunRow({ id, name: 'imported', status: 'succeeded', ended_at: 10 }) }, sensors(id));
      await store.appendSamples([sample(id, 'gpu:0', 1, 100), sample(id, 'gpu:0', 2, 50)]);
      expect(await stored(store, id)).toEqual([['cpu:0', null], ['gpu:0', null], ['ram:0', null]]);
      expect((await store.sensorTotals(id)).map((x) => x.energy_j)).toEqual([0, 150, 0]);
    });

    it('runSensors returns the sensors as before (no totals columns)', async () => {
      const store = await open();
      const id = newId('r');
      await store.createRun({ group_id: null, task: null, ...testRunRow({ id, name: 'cols' }) }, sensors(id));
      expect(Object.keys((await store.runSensors(id))[0]!).sort()).toEqual(['description', 'estimate', 'kind', 'method', 'run_id', 'sensor_id']);
    });
  });
}
