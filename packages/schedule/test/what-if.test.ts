import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, newId, type IntensityPoint, type SampleRow } from '@verdant/core';
import { testRunRow, testStores } from '@verdant/core/testing';
import { TraceProvider, loadTrace, shippedTracePath } from '@verdant/grid';
import { summarizeRunWithWhatIf } from '../src/index.js';

const H = 3600;
const START = Date.UTC(2023, 5, 1, 10) / 1000; // 2023-06-01T10:00Z
const POWER_W = 1000;
const LENGTH_S = 3 * H;

const series: Record<string, IntensityPoint[]> = {};
let provider: TraceProvider;

/**
 * Emissions of a flat POWER_W over [from, from + LENGTH_S) against an hourly trace, integrated independently of
 * the library: the seconds of overlap with each trace hour × power × that hour's intensity.
 */
function flatEmissionsG(zone: string, from: number): number | undefined {
  const to = from + LENGTH_S;
  let g = 0;
  let covered = 0;
  for (const p of series[zone]!) {
    const overlap = Math.min(to, p.t + p.resolutionS) - Math.max(from, p.t);
    if (overlap <= 0) continue;
    covered += overlap;
    g += ((overlap * POWER_W) / 3.6e6) * p.gPerKwh;
  }
  return covered === LENGTH_S ? g : undefined;
}

/** A run of flat power measured once a minute by two sensors (600 W and 400 W), stored as `verdant run` stores it. */
async function flatRun(store: Store, start: number, zone = 'ES', pue = 1): Promise<string> {
  const id = newId('r');
  await store.createRun({ ...testRunRow({ id, zone, pue, started_at: start, heartbeat_at: start + LENGTH_S, status: 'succeeded', ended_at: start + LENGTH_S }), group_id: null, task: null }, [
    { run_id: id, sensor_id: 'gpu:0', kind: 'gpu', method: 'fixture', description: '', estimate: 0 },
    { run_id: id, sensor_id: 'cpu:0', kind: 'cpu', method: 'fixture', description: '', estimate: 0 },
  ]);
  const samples: SampleRow[] = [];
  for (let k = 1; k <= LENGTH_S / 60; k++) {
    for (const [sensor, w] of [['gpu:0', 600], ['cpu:0', 400]] as const) {
      samples.push({ run_id: id, sensor_id: sensor, t: start + k * 60, dt: 60, energy_j: (w / pue) * 60, power_w: w / pue, intensity_g_per_kwh: 0, emissions_g: 0 });
    }
  }
  await store.appendSamples(samples);
  return id;
}

beforeAll(async () => {
  const traces = await Promise.all(['ES', 'NO'].map((z) => loadTrace(shippedTracePath(z, 2023))));
  for (const t of traces) series[t.zone] = t.points;
  provider = new TraceProvider(traces, { clock: () => Date.UTC(2024, 0, 1) / 1000 });
});

for (const [name, url] of testStores('verdant-whatif-')) {
  describe.skipIf(!url)(`what if, on ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await Store.open({ url: url! });
    });
    afterAll(async () => store?.close());

    it('finds the cleanest start within ±24 h and the other zones, as an independent integral says', async () => {
      const id = await flatRun(store, START, 'ES', 1.25);
      const r = (await summarizeRunWithWhatIf(store, id, { provider, zones: ['ES', 'NO', 'BR', 'Atlantis'] }))!;
      const w = r.what_if;
      const baseline = flatEmissionsG('ES', START)!;
      expect(w.baseline!.emissions_g).toBeCloseTo(baseline, 6);
      // Brute force over every candidate start, 15 minutes apart.
      let best = { shift: 0, g: baseline };
      for (let shift = -24 * H; shift <= 24 * H; shift += 900) {
        const g = flatEmissionsG('ES', START + shift)!;
        if (g < best.g - 1e-9 || (Math.abs(g - best.g) <= 1e-9 && Math.abs(shift) < Math.abs(best.shift))) best = { shift, g };
      }
      expect(best.shift).not.toBe(0); // the shipped day has a cleaner hour: the test means something
      expect(w.cleanest_start).toMatchObject({ shift_s: best.shift, start: new Date((START + best.shift) * 1000).toISOString() });
      expect(w.cleanest_start!.emissions_g).toBeCloseTo(best.g, 6);
      expect(w.cleanest_start!.saving_g).toBeCloseTo(baseline - best.g, 6);
      expect(w.cleanest_start!.saving_fraction).toBeCloseTo((baseline - best.g) / baseline, 6);
      // The other zones at the same times: NO from its trace; BR has no data here and Atlantis is no zone: no number for either.
      const no = w.zones.find((z) => z.zone === 'NO')!;
      const noG = flatEmissionsG('NO', START)!;
      expect(no.emissions_g).toBeCloseTo(noG, 6);
      expect(no.saving_g).toBeCloseTo(baseline - noG, 6);
      expect(w.zones.find((z) => z.zone === 'BR')).toMatchObject({ emissions_g: null, saving_g: null });
      expect(w.zones.find((z) => z.zone === 'Atlantis')).toMatchObject({ emissions_g: null, note: expect.stringMatching(/Atlantis/) });
      expect(w.zones.some((z) => z.zone === 'ES')).toBe(false);
      expect(w.window_s).toBe(86400);
      expect(w.sources).toContainEqual(expect.objectContaining({ zone: 'ES', link: 'trace', forecast: false, fallback: false }));
      expect(w.sources).toContainEqual(expect.objectContaining({ zone: 'BR', points: 0 }));
    });

    it('leaves out starts the data do not cover, and says so', async () => {
      const start = Date.UTC(2023, 11, 31, 12) / 1000; // the trace ends 12 h after this run's start
      const id = await flatRun(store, start);
      const w = (await summarizeRunWithWhatIf(store, id, { provider, zones: [] }))!.what_if;
      expect(w.baseline!.emissions_g).toBeCloseTo(flatEmissionsG('ES', start)!, 6);
      expect(w.cleanest_start!.shift_s).toBeLessThanOrEqual(9 * H);
      expect(w.note).toMatch(/candidate starts lie where no intensity data/);
      expect(w.note).toMatch(/no other zones configured/);
      const outside = await flatRun(store, Date.UTC(2025, 0, 1) / 1000);
      const none = (await summarizeRunWithWhatIf(store, outside, { provider, zones: [] }))!.what_if;
      expect(none.baseline).toBeNull();
      expect(none.cleanest_start).toBeNull();
      expect(none.note).toMatch(/no intensity data for ES covers the run's own time/);
    });
  });
}
