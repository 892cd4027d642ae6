// The PyTorch bench (integrations/python/verdant_accel_bench.py) on this CPU with Debian's torch (/usr/bin/python3):
// its records, and `benchTorch` end to end (the script under the tracker, profiles from its records and the run's
// samples, recommend then saying measured). Skipped without torch, except in CI (CI=true), where it fails.
// The GPU path's power attribution is checked with records and fixture GPU sensors (no GPU here).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, constantLookup } from '@verdant/core';
import { scratchStores } from '@verdant/core/testing';
import { track } from '@verdant/energy';
import { TraceProvider, loadTrace, shippedTracePath } from '@verdant/grid';
import { ACCEL_FILE_ENV, accelBenchChannel, benchTorch, catalogDeviceOf, deviceById, estimateOnDevice, isExclusion, profilesFromTorchBench, recommendPlan, shippedTorchBenchScript, storedProfiles } from '../src/index.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = shippedTorchBenchScript();
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch && process.env.CI === 'true') throw new Error(`${PYTHON} has no torch but CI=true: CI installs python3-torch`);
if (!hasTorch) console.warn(`[skip] verdant_accel_bench.py tests: ${PYTHON} has no torch (apt-get install python3-torch)`);

const TINY = ['--device', 'cpu', '--sizes', '16,32', '--seconds', '0.2', '--bandwidth-mib', '4', '--train-model', 'tiny', '--threads', '1'];
const dir = mkdtempSync(join(tmpdir(), 'verdant-accel-torch-'));
let store: Store;
beforeAll(async () => {
  store = await Store.open({ url: `sqlite:${join(dir, 'v.db')}` });
});
afterAll(async () => store?.close());

const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;

describe.skipIf(!hasTorch)('verdant_accel_bench.py on this CPU', () => {
  it('writes one JSON record per measurement, with units in the names and positive finite figures', () => {
    const out = join(dir, 'records.jsonl');
    const r = spawnSync(PYTHON, [SCRIPT, ...TINY, '--out', out], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(''); // records go to the file; progress to stderr
    const recs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs[0]).toMatchObject({ type: 'device', schema: 1, backend: 'cpu', device_count: 1, device_index: 0 });
    expect(typeof recs[0]!.name).toBe('string');
    expect(typeof recs[0]!.torch).toBe('string');
    expect(recs.at(-1)).toMatchObject({ type: 'done' });

    const gemm = recs.filter((x) => x.type === 'gemm');
    // fp32 and bf16 multiply on any CPU torch; each size once per precision measured.
    expect(gemm.filter((g) => g.precision === 'fp32').map((g) => g.n)).toEqual([16, 32]);
    expect(gemm.filter((g) => g.precision === 'bf16').map((g) => g.n)).toEqual([16, 32]);
    for (const g of gemm) {
      for (const k of ['multiplies', 'duration_s', 'flops_per_s', 't_start_s', 't_end_s']) expect(positive(g[k]), `${k} of ${JSON.stringify(g)}`).toBe(true);
      expect(g.duration_s as number).toBeGreaterThanOrEqual(0.2);
      expect(g.flops_per_s as number).toBeCloseTo((2 * (g.n as number) ** 3 * (g.multiplies as number)) / (g.duration_s as number), 0);
      expect((g.t_end_s as number) - (g.t_start_s as number)).toBeCloseTo(g.duration_s as number, 3);
      expect(Math.abs((g.t_start_s as number) - Date.now() / 1000)).toBeLessThan(600); // epoch seconds
    }
    // What a CPU lacks is reported as skipped, with the reason, never silently left out.
    const skipped = recs.filter((x) => x.type === 'skipped');
    expect(skipped.map((s) => s.what)).toContain('tf32');
    for (const s of skipped) expect(String(s.reason)).not.toBe('');
    const measured = new Set([...gemm.map((g) => g.precision), ...skipped.map((s) => s.what)]);
    expect([...measured].sort()).toEqual(['bf16', 'fp16', 'fp32', 'fp8', 'tf32']);

    const bw = recs.find((x) => x.type === 'bandwidth')!;
    expect(bw).toMatchObject({ bytes: 4 * 2 ** 20, bytes_per_copy: 8 * 2 ** 20 });
    for (const k of ['copies', 'duration_s', 'bytes_per_s']) expect(positive(bw[k]), k).toBe(true);

    const tr = recs.find((x) => x.type === 'train_step')!;
    expect(tr).toMatchObject({ model: 'moe', config: 'tiny', precision: 'fp32', batch: 4, seq_len: 32, tokens_per_step: 128 });
    for (const k of ['params_total', 'params_active', 'steps', 'duration_s', 'tokens_per_s', 'flops_per_s', 't_start_s', 't_end_s']) expect(positive(tr[k]), k).toBe(true);
    expect(tr.params_active as number).toBeLessThan(tr.params_total as number); // top-2 of 4 experts
    expect(tr.tokens_per_s as number).toBeCloseTo(((tr.steps as number) * 128) / (tr.duration_s as number), 3);
    expect(tr.flops_per_s as number).toBeCloseTo(6 * (tr.params_active as number) * (tr.tokens_per_s as number), 0);
  }, 120_000);

  it('times each case for 10 s by default on an accelerator (past the power meters\' averaging windows), 1 s on a CPU', () => {
    const r = spawnSync(PYTHON, [SCRIPT, '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/--seconds SECONDS timed seconds per GEMM case and for the training step \(default 10, .*; 1 on CPU\)/);
  }, 60_000);

  it('writes to the file Verdant names in VERDANT_ACCEL_FILE; trains in bf16 autocast when asked (the accelerators\' default)', () => {
    const out = join(dir, 'channel.jsonl');
    const r = spawnSync(PYTHON, [SCRIPT, ...TINY, '--precisions', 'fp32', '--train-precision', 'bf16', '--bandwidth-mib', '0'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, [ACCEL_FILE_ENV]: out } });
    expect(r.status, r.stderr).toBe(0);
    const recs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; precision?: string; tokens_per_s?: number });
    expect(recs.map((x) => x.type)).toEqual(['device', 'gemm', 'gemm', 'train_step', 'done']);
    expect(recs[3]).toMatchObject({ precision: 'bf16' });
    expect(positive(recs[3]!.tokens_per_s)).toBe(true);
  }, 120_000);

  it('accel bench through the script stores measured profiles of the cpu, and recommend then says measured', async () => {
    const sensors = join(dir, 'sensors.json');
    writeFileSync(sensors, JSON.stringify({ sensors: [{ id: 'cpu:0', kind: 'cpu', powerW: 40 }] }));
    const provider = new TraceProvider([await loadTrace(shippedTracePath('US-CAL-CISO', 2023))]);
    const req = { job: { paramsTotal: 1e6, tokens: 1e8, precision: 'bf16' as const }, earliestStart: Date.UTC(2023, 5, 1) / 1000, deadline: Date.UTC(2023, 5, 20) / 1000, devices: ['cpu'], maxDevices: 4 };
    const before = await recommendPlan(req, { store, provider }).catch((e: Error) => e);
    expect((before as Error).message).toMatch(/cpu: no dense bf16 peak in the catalog .* and no measured or published profile/);

    const r = await benchTorch(store, {
      python: PYTHON, device: 'cpu', sizes: [16, 32], precisions: ['fp32', 'bf16', 'tf32'], secondsPerCase: 0.6, bandwidthMiB: 4, trainModel: 'tiny', stdio: 'ignore',
      env: { ...process.env, VERDANT_FAKE_SENSORS: sensors, VERDANT_NVML: '0' },
    });
    expect(r).toMatchObject({ backend: 'cpu', deviceId: 'cpu', inCatalog: true, exitCode: 0, warnings: [] });
    expect(r.skipped.map((s) => s.what)).toEqual(['tf32']);
    expect(r.profiles.map((p) => [p.deviceId, p.precision, p.provenance])).toEqual([['cpu', 'fp32', 'measured'], ['cpu', 'bf16', 'measured']]);
    for (const p of r.profiles) {
      expect(p.achievedFlops).toBe(Math.max(...r.sweep.filter((s) => s.precision === p.precision).map((s) => s.flops)));
      expect(p.powerW).toBeCloseTo(40, 3); // the fixture's power over the case's window
      const m = p.meta!.measurements!;
      expect(m).toMatchObject({ runId: r.runId, backend: 'cpu', powerMethod: 'fixture' });
      expect(m.jPerTflop! / (40 / (p.achievedFlops / 1e12))).toBeCloseTo(1, 3);
      expect(m.memoryBandwidthBytesPerS).toBeGreaterThan(0);
      expect(m.trainingStep).toMatchObject({ precision: 'fp32', tokensPerStep: 128 });
      expect(m.trainingStep!.powerW).toBeCloseTo(40, 3);
      expect(m.trainingStep!.jPerToken! / (40 / m.trainingStep!.tokensPerS)).toBeCloseTo(1, 3);
    }
    const run = await store.getRun(r.runId);
    expect(run).toMatchObject({ name: 'accel bench torch', status: 'succeeded' });
    for (const p of r.profiles) expect(p.meta?.kind).toBe('gemm');
    // The training step (fp32 on a CPU) is the measured utilization figure.
    expect(r.trainingProfile).toMatchObject({ deviceId: 'cpu', precision: 'fp32', provenance: 'measured', meta: { kind: 'training' } });
    expect(r.trainingProfile!.achievedFlops).toBe(r.trainingStep!.flopsPerS);
    expect((await storedProfiles(store)).filter((p) => p.meta?.measurements?.runId === r.runId)).toHaveLength(3);

    // bf16: the GEMM case is the measured peak and power; no bf16 training step, so the utilization is the default.
    const after = await recommendPlan(req, { store, provider });
    expect(after.chosen.deviceId).toBe('cpu');
    expect(after.chosen.figures.peakFlops.provenance).toBe('measured');
    expect(after.chosen.figures.utilization.provenance).toBe('default');
    expect(after.chosen.figures.devicePowerW.provenance).toBe('measured');
    // fp32, the training step's precision: peak, utilization and power all measured.
    const fp32 = await recommendPlan({ ...req, job: { ...req.job, precision: 'fp32' } }, { store, provider });
    expect(fp32.chosen.figures.peakFlops.provenance).toBe('measured');
    expect(fp32.chosen.figures.utilization).toMatchObject({ provenance: 'measured', source: expect.stringContaining(r.trainingProfile!.id) });
    expect(fp32.chosen.figures.devicePowerW.provenance).toBe('measured');
  }, 180_000);

  it('refuses a Python without torch and a missing script before anything runs', async () => {
    const runs = (await store.listRuns()).length;
    const noTorch = await benchTorch(store, { python: '/bin/false' }).catch((e: unknown) => e);
    expect(noTorch).toMatchObject({ field: 'python', message: expect.stringMatching(/cannot import torch/) });
    const noScript = await benchTorch(store, { python: PYTHON, script: join(dir, 'nope.py') }).catch((e: unknown) => e);
    expect(noScript).toMatchObject({ field: 'script' });
    const badDevice = await benchTorch(store, { python: PYTHON, device: 'tpu' as never }).catch((e: unknown) => e);
    expect(badDevice).toMatchObject({ field: 'device' });
    const badAs = await benchTorch(store, { python: PYTHON, deviceId: 'h1000' }).catch((e: unknown) => e);
    expect(badAs).toMatchObject({ field: 'deviceId', message: expect.stringMatching(/unknown device/) });
    expect((await store.listRuns()).length).toBe(runs);
  });
});

for (const { name, open } of scratchStores('verdant-accel-torch-')) describe.skipIf(!open)(`profiles from the records of a GPU run, on ${name}`, () => {
  let store: Store;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const s = await open!();
    drop = s.drop;
    store = await Store.open({ url: s.url });
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('takes the busiest GPU sensor over each window, matches the catalog by the driver name, and keeps J per TFLOP', async () => {
    const sensors = join(dir, 'gpus.json');
    writeFileSync(sensors, JSON.stringify({ sensors: [{ id: 'gpu:0', kind: 'gpu', powerW: 600, method: 'nvml-energy-counter' }, { id: 'gpu:1', kind: 'gpu', powerW: 80, method: 'nvml-energy-counter' }, { id: 'cpu:0', kind: 'cpu', powerW: 200 }] }));
    let t0 = 0;
    let t1 = 0;
    const { runId } = await track(
      async () => {
        t0 = Date.now() / 1000;
        // Long enough for a few samples at 0.2 s.
        await new Promise((res) => setTimeout(res, 1500));
        t1 = Date.now() / 1000;
      },
      { name: 'accel bench torch', lookup: constantLookup(0, 'none'), store, intervalS: 0.2, pue: 1, env: { ...process.env, VERDANT_FAKE_SENSORS: sensors, VERDANT_NVML: '0' } },
    );
    const mid = (t0 + t1) / 2;
    const lines = [
      { type: 'device', schema: 1, backend: 'cuda', name: 'NVIDIA H100 80GB HBM3', memory_bytes: 85_031_714_816, torch: '2.5.1' },
      { type: 'gemm', precision: 'bf16', n: 4096, multiplies: 100, duration_s: mid - t0 - 0.2, flops_per_s: 700e12, t_start_s: t0 + 0.2, t_end_s: mid },
      { type: 'gemm', precision: 'bf16', n: 8192, multiplies: 50, duration_s: t1 - mid - 0.2, flops_per_s: 750e12, t_start_s: mid, t_end_s: t1 - 0.2 },
      { type: 'gemm', precision: 'fp8', n: 8192, multiplies: 90, duration_s: t1 - mid - 0.2, flops_per_s: 1300e12, t_start_s: mid, t_end_s: t1 - 0.2 },
      { type: 'skipped', what: 'tf32', reason: 'not asked' },
      'not json',
      { type: 'bandwidth', bytes: 2 ** 30, bytes_per_copy: 2 ** 31, copies: 1000, duration_s: 1, bytes_per_s: 2.8e12, t_start_s: t0, t_end_s: t0 + 1 },
      { type: 'train_step', model: 'moe', config: 'large', precision: 'bf16', params_total: 3e8, params_active: 1e8, batch: 8, seq_len: 1024, tokens_per_step: 8192, steps: 10, duration_s: 1, tokens_per_s: 81920, flops_per_s: 6e8 * 81920, t_start_s: t0 + 0.2, t_end_s: t0 + 1.2 },
      { type: 'done', t_end_s: t1 },
    ].map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    const r = await profilesFromTorchBench(store, runId, lines.join('\n'));
    expect(r).toMatchObject({ backend: 'cuda', deviceId: 'h100-sxm', inCatalog: true, warnings: [], skipped: [{ what: 'tf32', reason: 'not asked' }] });
    expect(r.profiles.map((p) => [p.precision, p.achievedFlops])).toEqual([['bf16', 750e12], ['fp8', 1300e12]]);
    for (const p of r.profiles) {
      expect(p.powerW).toBeCloseTo(600, 1); // gpu:0, the busiest; not the idle gpu:1 or the CPU
      expect(p.meta!.measurements!.jPerTflop).toBeCloseTo(600 / (p.achievedFlops / 1e12), 3);
      expect(p.meta!.measurements!.powerMethod).toBe('nvml-energy-counter');
      expect(p.source).toMatch(/NVIDIA H100 80GB HBM3/);
    }
    expect(r.trainingStep!.jPerToken).toBeCloseTo(600 / 81920, 6);
    expect(r.memoryBandwidthBytesPerS).toBe(2.8e12);
    // GEMM cases are an achievable peak; the training step is the utilization figure.
    for (const p of r.profiles) expect(p.meta?.kind).toBe('gemm');
    expect(r.trainingProfile).toMatchObject({ deviceId: 'h100-sxm', precision: 'bf16', provenance: 'measured', achievedFlops: 6e8 * 81920, meta: { kind: 'training' } });
    expect(r.trainingProfile!.powerW).toBeCloseTo(600, 1);

    // A name the catalog lacks is kept under its own id, with a warning; --as names the device instead.
    const other = lines.map((l) => l.replace('NVIDIA H100 80GB HBM3', 'NVIDIA Quantum Q9'));
    const q = await profilesFromTorchBench(store, runId, other.join('\n'));
    expect(q).toMatchObject({ deviceId: 'nvidia-quantum-q9', inCatalog: false });
    expect(q.warnings[0]).toMatch(/no catalog device matches "NVIDIA Quantum Q9"/);
    expect((await profilesFromTorchBench(store, runId, other.join('\n'), { deviceId: 'H200' })).deviceId).toBe('h200');

    // --as must be a device of the backend's kind: a GPU run is not stored under the CPU or a Gaudi.
    const count = (await storedProfiles(store)).length;
    for (const as of ['cpu', 'gaudi3']) {
      const e = await profilesFromTorchBench(store, runId, lines.join('\n'), { deviceId: as }).catch((x: unknown) => x);
      expect(e).toMatchObject({ field: 'deviceId', message: expect.stringMatching(/benchmark ran on a GPU/) });
    }
    // A run without its done record (failed or interrupted) stores nothing.
    const cut = await profilesFromTorchBench(store, runId, lines.filter((l) => !l.includes('"done"')).join('\n')).catch((x: unknown) => x);
    expect(cut).toMatchObject({ field: 'script', message: expect.stringMatching(/did not finish/) });
    // "H100 NVL" (94 GB) is not the 80 GB H100 SXM: out of the catalog, with the warning.
    const nvl = lines.map((l) => l.replace('NVIDIA H100 80GB HBM3', 'NVIDIA H100 NVL').replace('85031714816', '99857989632'));
    expect((await profilesFromTorchBench(store, runId, nvl.filter((l) => !l.includes('"done"')).join('\n')).catch((x: unknown) => x))).toMatchObject({ field: 'script' });
    expect((await storedProfiles(store)).length).toBe(count);
    const n = await profilesFromTorchBench(store, runId, nvl.join('\n'));
    expect(n).toMatchObject({ deviceId: 'nvidia-h100-nvl', inCatalog: false });
    expect(n.warnings[0]).toMatch(/no catalog device matches "NVIDIA H100 NVL"/);
  });

  it('on the CPU, counts only the CPU and memory sensors, and does not call an estimated power measured', async () => {
    const run = async (sensorList: unknown[]) => {
      const sensors = join(dir, `cpu-${sensorList.length}.json`);
      writeFileSync(sensors, JSON.stringify({ sensors: sensorList }));
      let t0 = 0;
      let t1 = 0;
      const { runId } = await track(
        async () => {
          t0 = Date.now() / 1000;
          await new Promise((res) => setTimeout(res, 1200));
          t1 = Date.now() / 1000;
        },
        { name: 'accel bench torch', lookup: constantLookup(0, 'none'), store, intervalS: 0.2, pue: 1, env: { ...process.env, VERDANT_FAKE_SENSORS: sensors, VERDANT_NVML: '0' } },
      );
      const lines = [
        { type: 'device', schema: 1, backend: 'cpu', name: 'x86_64', memory_bytes: null, torch: '2.5.1' },
        { type: 'gemm', precision: 'fp32', n: 256, multiplies: 100, duration_s: t1 - t0 - 0.4, flops_per_s: 5e10, t_start_s: t0 + 0.2, t_end_s: t1 - 0.2 },
        { type: 'done', t_end_s: t1 },
      ];
      return profilesFromTorchBench(store, runId, lines.map((x) => JSON.stringify(x)).join('\n'));
    };
    // A GPU node: the GPUs' idle draw is not the CPU's.
    const node = await run([{ id: 'gpu:0', kind: 'gpu', powerW: 70 }, { id: 'gpu:1', kind: 'gpu', powerW: 70 }, { id: 'cpu:0', kind: 'cpu', powerW: 150 }, { id: 'dram:0', kind: 'dram', powerW: 10 }]);
    expect(node.profiles[0]!.powerW).toBeCloseTo(160, 1);
    expect(node.powerEstimated).toBe(false);
    // No RAPL: only the tracker's models answered. The power is kept but flagged, and the model does not say measured.
    const guessed = await run([{ id: 'cpu-model', kind: 'model', powerW: 65, method: 'tdp-model', estimate: true }]);
    expect(guessed.powerEstimated).toBe(true);
    expect(guessed.warnings.join()).toMatch(/estimate/);
    expect(guessed.profiles[0]!.meta?.powerEstimated).toBe(true);
    const e = estimateOnDevice({ paramsTotal: 1e6, tokens: 1e8, precision: 'fp32' }, deviceById('cpu'), 1, guessed.profiles);
    expect(isExclusion(e) ? e.reason : e.figures.devicePowerW.provenance).toBe('default');
  });

  it('refuses --as of another kind than the backend before anything runs', async () => {
    const runs = (await store.listRuns()).length;
    const e = await benchTorch(store, { python: PYTHON, device: 'cpu', deviceId: 'h100' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ field: 'deviceId', message: expect.stringMatching(/h100-sxm is a GPU but the benchmark ran on the CPU/) });
    expect((await store.listRuns()).length).toBe(runs);
  });

  it('the channel stores nothing from a run that failed', async () => {
    const sensors = join(dir, 'fail.json');
    writeFileSync(sensors, JSON.stringify({ sensors: [{ id: 'gpu:0', kind: 'gpu', powerW: 600 }] }));
    const before = new Set((await store.listRuns()).map((r) => r.id));
    await track(
      async () => {
        await new Promise((res) => setTimeout(res, 300));
        throw new Error('CUDA out of memory');
      },
      { name: 'accel bench torch', lookup: constantLookup(0, 'none'), store, intervalS: 0.2, pue: 1, env: { ...process.env, VERDANT_FAKE_SENSORS: sensors, VERDANT_NVML: '0' } },
    ).catch(() => undefined);
    const run = (await store.listRuns()).find((r) => !before.has(r.id))!;
    const runId = run.id;
    expect(run.status).toBe('failed');
    const count = (await storedProfiles(store)).length;
    const results: Array<{ profiles: unknown; error: unknown }> = [];
    const ch = await accelBenchChannel({ onResult: (r) => results.push(r) }).open({ runId, name: 'accel bench torch', store });
    const t = Date.now() / 1000;
    const lines = [
      { type: 'device', schema: 1, backend: 'cuda', name: 'NVIDIA H100 80GB HBM3', memory_bytes: 85_031_714_816, torch: '2.5.1' },
      { type: 'gemm', precision: 'bf16', n: 4096, multiplies: 100, duration_s: 1, flops_per_s: 700e12, t_start_s: t - 1, t_end_s: t },
      { type: 'done', t_end_s: t },
    ];
    writeFileSync(ch.env[ACCEL_FILE_ENV]!, lines.map((x) => JSON.stringify(x)).join('\n'));
    await ch.finish();
    expect(results[0]!.profiles).toBeNull();
    expect(String((results[0]!.error as Error).message)).toMatch(/nothing was stored/);
    expect((await storedProfiles(store)).length).toBe(count);
  });

  it('matches driver names to the catalog', () => {
    expect(catalogDeviceOf('NVIDIA H100 PCIe', 85e9)?.id).toBe('h100-pcie');
    expect(catalogDeviceOf('NVIDIA A100-SXM4-40GB', 42.4e9)?.id).toBe('a100-40gb');
    expect(catalogDeviceOf('NVIDIA A100 80GB PCIe', 85e9)?.id).toBe('a100-80gb');
    expect(catalogDeviceOf('AMD Instinct MI300X', 206e9)?.id).toBe('mi300x');
    expect(catalogDeviceOf('GAUDI2', 103e9)?.id).toBe('gaudi2');
    expect(catalogDeviceOf('NVIDIA L4', 24e9)?.id).toBe('l4');
    expect(catalogDeviceOf('Intel(R) Xeon(R) Processor', null)).toBeUndefined();
    // Known memory that fits no family member: not in the catalog (not the 80 GB H100 SXM, not the 40 GB A100).
    expect(catalogDeviceOf('NVIDIA H100 NVL', 99.9e9)).toBeUndefined();
    expect(catalogDeviceOf('NVIDIA A100-PCIE-16GB', 17e9)).toBeUndefined();
    expect(catalogDeviceOf('NVIDIA H100', null)?.id).toBe('h100-sxm'); // memory unknown: the name decides
  });

  it('a command that wrote nothing to the channel stores nothing; records without a device are an error', async () => {
    const results: unknown[] = [];
    const ch = await accelBenchChannel({ onResult: (r) => results.push(r) }).open({ runId: 'r-none', name: 'x', store });
    expect(Object.keys(ch.env)).toEqual([ACCEL_FILE_ENV]);
    await ch.finish();
    expect(results).toEqual([{ profiles: null, error: undefined }]);
    const e = await profilesFromTorchBench(store, 'r-none', '{"type":"gemm"}\n').catch((x: unknown) => x);
    expect(e).toMatchObject({ field: 'script', message: expect.stringMatching(/no device record/) });
  });
});
