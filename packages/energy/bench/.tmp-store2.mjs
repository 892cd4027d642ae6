import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '@verdant/core';
const store = await Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'vb-')), 'v.db')}` });
const id = 'r_bench';
await store.createRun({ id, name: 'b', status: 'running', command: '[]', cwd: '/', zone: 'DE', intensity_source: 'x', pue: 1, interval_s: 1, started_at: Date.now()/1000, ended_at: null, heartbeat_at: Date.now()/1000, exit_code: null, pid: process.pid, child_pid: null, host: 'h', energy_j: 0, emissions_g: 0, meta: '{}' },
  [{ run_id: id, sensor_id: 'a', kind: 'model', method: 'm', description: 'd', estimate: 1 }, { run_id: id, sensor_id: 'b', kind: 'model', method: 'm', description: 'd', estimate: 1 }]);
const db = store.conn.sqlite;
const ins = db.prepare('INSERT INTO samples (run_id, sensor_id, t, dt, energy_j, power_w, intensity_g_per_kwh, emissions_g) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, sensor_id, t) DO NOTHING');
const upd = db.prepare("UPDATE runs SET energy_j = ?, emissions_g = ?, heartbeat_at = ?, status = CASE WHEN status IN ('interrupted') THEN ? ELSE status END, ended_at = CASE WHEN status IN ('interrupted') THEN NULL ELSE ended_at END, child_pid = ? WHERE id = ?");
const tx = db.transaction((samples, v) => { let n = 0; for (const s of samples) n += ins.run(s.run_id, s.sensor_id, s.t, s.dt, s.energy_j, s.power_w, s.intensity_g_per_kwh, s.emissions_g).changes; upd.run(...v); return n; });
const mode = process.argv[2] ?? 'cached';
const costs = [];
for (let i = 0; i < 25; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const t = Date.now() / 1000;
  const samples = ['a', 'b'].map((s) => ({ run_id: id, sensor_id: s, t, dt: 1, energy_j: 1, power_w: 1, intensity_g_per_kwh: 300, emissions_g: 0.1 }));
  const c0 = process.cpuUsage();
  if (mode === 'cached') tx.immediate(samples, [i, i, t, 'running', 5, id]);
  else if (mode === 'update-only') upd.run(i, i, t, 'running', 5, id);
  const c = process.cpuUsage(c0);
  if (i >= 3) costs.push(c.user + c.system);
}
costs.sort((a, b) => a - b);
console.log(mode, 'µs cold: median', costs[costs.length >> 1], 'min', costs[0], 'max', costs.at(-1));
await store.close();
