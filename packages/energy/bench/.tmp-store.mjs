import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '@verdant/core';
const store = await Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'vb-')), 'v.db')}` });
const id = 'r_bench';
await store.createRun({ id, name: 'b', status: 'running', command: '[]', cwd: '/', zone: 'DE', intensity_source: 'x', pue: 1, interval_s: 1, started_at: Date.now()/1000, ended_at: null, heartbeat_at: Date.now()/1000, exit_code: null, pid: process.pid, child_pid: null, host: 'h', energy_j: 0, emissions_g: 0, meta: '{}' },
  [{ run_id: id, sensor_id: 'a', kind: 'model', method: 'm', description: 'd', estimate: 1 }, { run_id: id, sensor_id: 'b', kind: 'model', method: 'm', description: 'd', estimate: 1 }]);
const costs = [];
for (let i = 0; i < 25; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const t = Date.now() / 1000;
  const samples = ['a', 'b'].map((s) => ({ run_id: id, sensor_id: s, t, dt: 1, energy_j: 1, power_w: 1, intensity_g_per_kwh: 300, emissions_g: 0.1 }));
  const c0 = process.cpuUsage();
  await store.appendSamples(samples, { id, energy_j: i, emissions_g: i, heartbeat_at: t, status: 'running', reviveOnly: true, child_pid: 5 }, { waitMs: 250 });
  const c = process.cpuUsage(c0);
  if (i >= 3) costs.push(c.user + c.system);
}
costs.sort((a, b) => a - b);
console.log('appendSamples µs cold: median', costs[costs.length >> 1], 'min', costs[0], 'max', costs.at(-1));
await store.close();
