import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@verdant/core';
import { TraceProvider, loadTrace, shippedTracePath } from '@verdant/grid';
import { benchCpu, deviceById, estimateOnDevice, isExclusion, recommendPlan, storedProfiles, windowEnergy, type TrainingWorkload } from '../src/index.js';

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

    let steps = 0;
    let disposed = false;
    const training: TrainingWorkload = {
      model: 'a stand-in step',
      tokensPerStep: 64,
      paramsActive: 1000,
      step: () => {
        steps++;
        let x = 0;
        for (let i = 0; i < 20000; i++) x += Math.sqrt(i);
        if (x < 0) throw new Error('unreachable');
      },
      dispose: () => (disposed = true),
    };
    const r = await benchCpu(store, { sizes: [16, 32], secondsPerSize: 0.3, bandwidthBytes: 2 ** 20, training, trainingSeconds: 0.3, env: { ...process.env, VERDANT_FAKE_SENSORS: sensors, VERDANT_NVML: '0' } });
    expect(r.sweep.map((s) => s.n)).toEqual([16, 32]);
    expect(r.sweep.every((s) => s.flops > 0 && s.multiplies > 0 && s.precision === 'fp32')).toBe(true);
    // The fixture draws 40 W: every window's power is 40 W, and J per TFLOP is power over the rate.
    for (const s of r.sweep) {
      expect(s.powerW).toBeCloseTo(40, 6);
      expect(s.jPerTflop! / (40 / (s.flops / 1e12))).toBeCloseTo(1, 6);
    }
    expect(r.profile).toMatchObject({ deviceId: 'cpu', precision: 'fp32', provenance: 'measured' });
    expect(r.powerW).toBeCloseTo(40, 6);
    expect(r.memoryBandwidthBytesPerS).toBeGreaterThan(0);
    expect(steps).toBeGreaterThan(1); // a warm-up step and at least one timed
    expect(disposed).toBe(true);
    expect(r.trainingStep).toMatchObject({ model: 'a stand-in step', tokensPerStep: 64, steps: steps - 1 });
    expect(r.trainingStep!.tokensPerS).toBeCloseTo((64 * (steps - 1)) / r.trainingStep!.seconds, 6);
    expect(r.trainingStep!.flopsPerS! / (6 * 1000 * r.trainingStep!.tokensPerS)).toBeCloseTo(1, 9);
    expect(r.trainingStep!.powerW).toBeCloseTo(40, 6);
    expect(r.trainingStep!.jPerToken! / (40 / r.trainingStep!.tokensPerS)).toBeCloseTo(1, 6);
    expect((await store.listRuns()).some((run) => run.id === r.runId)).toBe(true);
    // Kept with the profile and read back.
    const stored = (await storedProfiles(store)).find((p) => p.id === r.profile!.id)!;
    expect(stored.meta?.measurements).toMatchObject({ runId: r.runId, backend: 'node', memoryBandwidthBytesPerS: r.memoryBandwidthBytesPerS, trainingStep: { tokensPerStep: 64 } });
    expect(stored.meta?.measurements?.sweep).toHaveLength(2);

    // The GEMM case is an achievable peak (kind gemm); the training step is the utilization figure (kind training).
    expect(r.profile!.meta?.kind).toBe('gemm');
    expect(r.trainingProfile).toMatchObject({ deviceId: 'cpu', precision: 'fp32', provenance: 'measured', achievedFlops: r.trainingStep!.flopsPerS, meta: { kind: 'training' } });
    expect(r.powerEstimated).toBe(false);

    const after = await recommendPlan(req, { store, provider });
    expect(after.chosen.deviceId).toBe('cpu');
    expect(after.chosen.figures.peakFlops).toMatchObject({ provenance: 'measured', value: r.profile!.achievedFlops });
    expect(after.chosen.figures.utilization).toMatchObject({ provenance: 'measured', source: expect.stringContaining(r.trainingProfile!.id) });
    expect(after.chosen.figures.utilization.value).toBeCloseTo(Math.min(1, r.trainingStep!.flopsPerS! / r.profile!.achievedFlops), 9);
    expect(after.chosen.figures.devicePowerW).toMatchObject({ provenance: 'measured', value: r.trainingStep!.powerW });
  });

  it('counts only the CPU and memory sensors, and flags a power only the tracker estimated', async () => {
    const run = async (list: unknown[]) => {
      const sensors = join(dir, `s-${list.length}.json`);
      writeFileSync(sensors, JSON.stringify({ sensors: list }));
      return benchCpu(store, { sizes: [16], secondsPerSize: 0.6, bandwidthBytes: 0, env: { ...process.env, VERDANT_FAKE_SENSORS: sensors, VERDANT_NVML: '0' } });
    };
    // On a GPU node the GPUs' idle draw is not the CPU's.
    const node = await run([{ id: 'gpu:0', kind: 'gpu', powerW: 70 }, { id: 'cpu:0', kind: 'cpu', powerW: 40 }, { id: 'dram:0', kind: 'dram', powerW: 5 }]);
    expect(node.powerW).toBeCloseTo(45, 6);
    expect(node.profile!.powerW).toBeCloseTo(45, 6);
    expect(node.trainingProfile).toBeNull(); // no training step asked
    // No RAPL: the tracker's TDP model alone. Kept, flagged, said, and not measured in the model.
    const guessed = await run([{ id: 'cpu-model', kind: 'model', powerW: 30, method: 'tdp-model', estimate: true }]);
    expect(guessed.powerEstimated).toBe(true);
    expect(guessed.warnings.join()).toMatch(/estimate/);
    expect(guessed.profile!.meta?.powerEstimated).toBe(true);
    const e = estimateOnDevice({ paramsTotal: 1e6, tokens: 1e8, precision: 'fp32' }, deviceById('cpu'), 1, [guessed.profile!]);
    expect(isExclusion(e) ? e.reason : [e.figures.devicePowerW.provenance, e.figures.utilization.provenance]).toEqual(['default', 'default']);
  });

  it('names the copy size in MiB when it is out of range', async () => {
    const e = await benchCpu(store, { bandwidthBytes: 4096 * 2 ** 20 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ field: 'bandwidthBytes', message: expect.stringMatching(/got 4096 MiB/) });
  });
});

describe('windowEnergy', () => {
  const row = (sensor_id: string, t: number, dt: number, powerW: number) => ({ run_id: 'r', sensor_id, t, dt, energy_j: powerW * dt, power_w: powerW, intensity_g_per_kwh: 0, emissions_g: 0 });
  const samples = [row('gpu:0', 1, 1, 100), row('gpu:0', 2, 1, 300), row('gpu:1', 1, 1, 50), row('gpu:1', 2, 1, 50), row('cpu:0', 2, 1, 20)];

  it('prorates samples over the window and sums or takes the busiest sensor', () => {
    // (0.5, 1.5]: half of gpu:0's first sample (100 W) and half of its second (300 W): 200 W on average.
    expect(windowEnergy(samples, { t0: 0.5, t1: 1.5 }, new Set(['gpu:0']))).toEqual({ powerW: 200, energyJ: 200 });
    expect(windowEnergy(samples, { t0: 1, t1: 2 }, new Set(['gpu:0', 'gpu:1']), 'busiest')).toEqual({ powerW: 300, energyJ: 300 });
    expect(windowEnergy(samples, { t0: 1, t1: 2 }, new Set(['gpu:0', 'gpu:1', 'cpu:0']), 'sum')).toEqual({ powerW: 370, energyJ: 370 });
  });

  it('is null when no sample of those sensors overlaps', () => {
    expect(windowEnergy(samples, { t0: 5, t1: 6 }, new Set(['gpu:0']))).toBeNull();
    expect(windowEnergy(samples, { t0: 0, t1: 2 }, new Set(['dram:0']))).toBeNull();
  });
});
