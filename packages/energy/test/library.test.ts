import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { constantLookup, type IntensityLookup } from '@verdant/core';
import { PushgatewayReporter } from '../src/metrics.js';
import { estimateRun } from '../src/estimate.js';
import { track } from '../src/track.js';
import type { EnergySensor } from '../src/sensor.js';

describe('track()', () => {
  it('measures a function, returns its result, and records failures', async () => {
    let t = 0;
    const sensor: EnergySensor = { id: 'gpu:0', kind: 'gpu', method: 'fixture', description: '', estimate: false, read: async () => ({ t, energyJ: 100 * t }) };
    const out = await track(
      async () => {
        t = 36;
        return 'done';
      },
      { name: 'fn', lookup: constantLookup(500), sensors: [sensor] },
    );
    expect(out.result).toBe('done');
    expect(out.snapshot.energyJ).toBeCloseTo(3600);
    expect(out.snapshot.emissionsG).toBeCloseTo(0.5);
    await expect(track(() => Promise.reject(new Error('boom')), { name: 'x', lookup: constantLookup(1), sensors: [sensor] })).rejects.toThrow('boom');
  });
});

describe('estimateRun', () => {
  it('charges catalog power hour by hour at the intensity of each hour', () => {
    const lookup: IntensityLookup = { zone: 'Z', source: 't', at: (t) => (t < 3600 ? 100 : 400) };
    const e = estimateRun({ device: 'a100-sxm', count: 2, hours: 2, lookup, start: 0, utilization: 0.5, pue: 1.2 });
    const powerW = 400 * 2 * 0.5 * 1.2;
    expect(e.power_w).toBeCloseTo(powerW);
    expect(e.energy_j).toBeCloseTo(powerW * 7200);
    expect(e.emissions_g).toBeCloseTo(((powerW * 3600) / 3.6e6) * 100 + ((powerW * 3600) / 3.6e6) * 400);
    const fieldOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as { field?: string }).field;
      }
      return undefined;
    };
    expect(fieldOf(() => estimateRun({ device: 'tpu-v9', count: 1, hours: 1, lookup, start: 0 }))).toBe('device');
    expect(fieldOf(() => estimateRun({ device: 'h100-sxm', count: 0, hours: 1, lookup, start: 0 }))).toBe('count');
    expect(fieldOf(() => estimateRun({ device: 'h100-sxm', count: 1, hours: 0, lookup, start: 0 }))).toBe('hours');
    expect(fieldOf(() => estimateRun({ device: 'h100-sxm', count: 1, hours: 1, lookup, start: 0, utilization: 1.5 }))).toBe('utilization');
  });
});

describe('PushgatewayReporter', () => {
  it('pushes the run metrics in Prometheus text format to /metrics/job/verdant/run/<id>', async () => {
    const got: Array<{ method: string; url: string; body: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        got.push({ method: req.method!, url: req.url!, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const reporter = new PushgatewayReporter(url, 'train', 'DE');
    await reporter.flush({
      runId: 'r_1',
      t: 10,
      elapsedS: 10,
      powerW: 250,
      energyJ: 2500,
      emissionsG: 0.25,
      intensityGPerKwh: 360,
      sensors: [{ id: 'gpu:0', kind: 'gpu', method: 'x', description: '', estimate: false, energyJ: 2500, emissionsG: 0.25, powerW: 250 }],
    });
    server.close();
    expect(got[0]?.method).toBe('POST');
    expect(got[0]?.url).toBe('/metrics/job/verdant/run/r_1');
    expect(got[0]?.body).toContain('verdant_run_energy_joules_total{run="r_1",name="train"} 2500');
    expect(got[0]?.body).toContain('verdant_run_emissions_grams_total{run="r_1",name="train"} 0.25');
    expect(got[0]?.body).toContain('verdant_run_power_watts{run="r_1",name="train",sensor="gpu:0"} 250');
    expect(got[0]?.body).toContain('verdant_run_grid_intensity_grams_per_kwh{run="r_1",name="train",zone="DE"} 360');
  });
});
