import { afterAll, describe, expect, it } from 'vitest';
import { Store, newId, type RunRow, type SampleRow } from '../src/index.js';
import { testRunRow, testStores } from '../src/testing.js';

const run = (id: string): RunRow => ({ group_id: null, task: null, ...testRunRow({ id, name: 'series' }) });
const SENSORS = ['cpu:0', 'gpu:0', 'ram'];

/** Samples of three sensors, t with fractions (exactness of the keys), energies that do not sum exactly in binary. */
function samplesOf(id: string, n: number): SampleRow[] {
  const out: SampleRow[] = [];
  for (let k = 0; k < n; k++) {
    for (const [s, sensor] of SENSORS.entries()) {
      const e = 0.1 * (s + 1) + k / 7;
      out.push({ run_id: id, sensor_id: sensor, t: 1_700_000_000.123456 + k * 0.5, dt: 0.5, energy_j: e, power_w: e * 2, intensity_g_per_kwh: 300 + k, emissions_g: (e * (300 + k)) / 3.6e6 });
    }
  }
  return out;
}

for (const [name, url] of testStores('verdant-series-')) {
  describe.skipIf(!url)(`sample columns on ${name}`, () => {
    let store: Store;
    afterAll(async () => store?.close());

    it('reads every sample of every sensor as columns, by time, up to a time', async () => {
      store = await Store.open({ url: url! });
      const id = newId('r');
      await store.createRun(run(id), SENSORS.map((sensor_id) => ({ run_id: id, sensor_id, kind: 'cpu', method: 'm', description: '', estimate: 0 })));
      const rows = samplesOf(id, 400);
      for (let i = 0; i < rows.length; i += 300) await store.appendSamples(rows.slice(i, i + 300));
      const series = await store.sampleSeries(id);
      expect(series.map((c) => c.sensor_id)).toEqual(SENSORS);
      for (const c of series) {
        const mine = rows.filter((r) => r.sensor_id === c.sensor_id);
        expect(Array.from(c.t)).toEqual(mine.map((r) => r.t));
        expect(Array.from(c.power_w)).toEqual(mine.map((r) => r.power_w));
        expect(Array.from(c.energy_j)).toEqual(mine.map((r) => r.energy_j));
        expect(Array.from(c.emissions_g)).toEqual(mine.map((r) => r.emissions_g));
      }
      const upTo = rows[300]!.t;
      const part = await store.sampleSeries(id, { upTo });
      for (const c of part) expect(Array.from(c.t)).toEqual(rows.filter((r) => r.sensor_id === c.sensor_id && r.t <= upTo).map((r) => r.t));
      // The totals per sensor, as a sum over the samples.
      const totals = await store.sensorTotals(id);
      for (const s of totals) {
        const mine = rows.filter((r) => r.sensor_id === s.sensor_id);
        expect(s.energy_j).toBeCloseTo(mine.reduce((a, r) => a + r.energy_j, 0), 9);
        expect(s.emissions_g).toBeCloseTo(mine.reduce((a, r) => a + r.emissions_g, 0), 12);
      }
    });

    it('reads the full rows at given (sensor, t) keys, in the order asked, leaving out keys with no sample', async () => {
      const id = newId('r');
      await store.createRun(run(id), SENSORS.map((sensor_id) => ({ run_id: id, sensor_id, kind: 'cpu', method: 'm', description: '', estimate: 0 })));
      const rows = samplesOf(id, 50);
      await store.appendSamples(rows);
      const want = [rows[40]!, rows[3]!, rows[77]!];
      const got = await store.samplesAt(id, [...want.map((r) => ({ sensor_id: r.sensor_id, t: r.t })), { sensor_id: 'gpu:0', t: 1 }]);
      expect(got).toEqual(want);
      expect(await store.samplesAt(id, [])).toEqual([]);
    });
  });
}
