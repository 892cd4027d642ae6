import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PushgatewayReporter } from '../src/outputs/metrics.js';

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
