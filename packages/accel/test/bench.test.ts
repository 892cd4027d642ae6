import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@verdant/core';
import { TraceProvider, loadTrace, shippedTracePath } from '@verdant/grid';
import { benchCpu, recommendPlan } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'verdant-accel-bench-'));
let store: Store;
beforeAll(async () => {
  store = await Store.open({ url: `sqlite:${join(dir, 'v.db')}` });
});
afterAll(async () => store?.close());

describe('accel bench on this CPU', () => {
  it('stores a measured profile, and recommend then says the CPU figures are measured', async () => {
    const sensors = join(dir, 'sensors.json');
    writeFileSync(sensors, JSON.stringify({ sensors: [{ id: 'cpu:0', kind: 'cpu', powerW: 40 }] }));
    const provider = new TraceProvider([await loadTrace(shippedTracePath('US-CAL-CISO', 2023))]);
    const req = { job: { paramsTotal: 1e6, tokens: 1e8, precision: 'fp32' as const }, earliestStart: Date.UTC(2023, 5, 1) / 1000, deadline: Date.UTC(2023, 5, 20) / 1000, devices: ['cpu'], maxDevices: 4 };

    const before = await recommendPlan(req, { store, provider }).catch((e: Error) => e);
    expect(before).toBeInstanceOf(Error);
    expect((before as Error).message).toMatch(/cpu: no dense fp32 peak in the catalog .* and no measured or published profile/);

    const r = await benchCpu(store, { sizes: [16, 32], secondsPerSize: 0.3, env: { ...process.env, VERDANT_FAKE_SENSORS: sensors, VERDANT_NVML: '0' } });
    expect(r.sweep.map((s) => s.n)).toEqual([16, 32]);
    expect(r.sweep.every((s) => s.flops > 0 && s.multiplies > 0)).toBe(true);
    expect(r.profile).toMatchObject({ deviceId: 'cpu', precision: 'fp32', provenance: 'measured' });
    expect(r.powerW).not.toBeNull();
    expect((await store.listRuns()).some((run) => run.id === r.runId)).toBe(true);

    const after = await recommendPlan(req, { store, provider });
    expect(after.chosen.deviceId).toBe('cpu');
    expect(after.chosen.figures.peakFlops.provenance).toBe('measured');
    expect(after.chosen.figures.utilization.provenance).toBe('measured');
    expect(after.chosen.figures.devicePowerW).toMatchObject({ provenance: 'measured', value: r.powerW });
  });
});
