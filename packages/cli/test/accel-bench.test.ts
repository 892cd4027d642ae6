// `verdant accel bench`: in Node (GEMM sweep, memory copy, the MoE lab's training step) and through the PyTorch
// script on this CPU (--device cpu, Debian's torch under /usr/bin/python3), each storing a measured profile that
// `accel recommend` then reports as measured; and the script under plain `verdant run`, whose records the
// registered accel channel turns into profiles. The torch parts are skipped without torch, except in CI (CI=true).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, sandbox } from './helpers.js';

beforeAll(assertBuilt);

const PYTHON = '/usr/bin/python3';
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'integrations', 'python', 'verdant_accel_bench.py');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch && process.env.CI === 'true') throw new Error(`${PYTHON} has no torch but CI=true: CI installs python3-torch`);
if (!hasTorch) console.warn(`[skip] accel bench --device tests: ${PYTHON} has no torch (apt-get install python3-torch)`);

const recommendArgs = (precision: string) => ['accel', 'recommend', '--params', '1M', '--tokens', '100M', '--precision', precision, '--device', 'cpu', '--max-devices', '4', '--deadline', '20d', '--earliest', '2023-06-01T00:00Z', '--trace', 'US-CAL-CISO:2023', '--json'];

describe('verdant accel bench', () => {
  it('in Node: GEMM sweep, copy and the MoE lab training step, a measured cpu profile that recommend uses', async () => {
    const { env } = sandbox([{ id: 'cpu:0', kind: 'cpu', powerW: 40 }]);
    const r = await runCli(['accel', 'bench', '--sizes', '16,32', '--seconds', '0.3', '--bandwidth-mib', '1', '--train-model', 'tiny', '--train-seconds', '0.5', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.profile).toMatchObject({ device_id: 'cpu', precision: 'fp32', provenance: 'measured', kind: 'gemm', power_estimated: false });
    expect(out.training_profile).toMatchObject({ device_id: 'cpu', precision: 'fp32', provenance: 'measured', kind: 'training' });
    expect(out.power_w).toBeCloseTo(40, 3);
    const m = out.measurements;
    expect(m.sweep.map((s: { n: number }) => s.n)).toEqual([16, 32]);
    expect(m.j_per_tflop).toBeGreaterThan(0);
    expect(m.memory_bandwidth_bytes_per_s).toBeGreaterThan(0);
    expect(m.training_step.model).toMatch(/^MoE lab tiny: 2 layers, d_model 32, 4 experts/);
    expect(m.training_step.tokens_per_step).toBe(16 * 32); // batch 16 of the tiny model's 32 tokens
    expect(m.training_step.tokens_per_s).toBeGreaterThan(0);
    expect(m.training_step.j_per_token).toBeCloseTo(40 / m.training_step.tokens_per_s, 6);
    expect(out.profile.measurements.run_id).toBe(out.run_id);

    const rec = await runCli(recommendArgs('fp32'), env);
    expect(rec.code, rec.stderr).toBe(0);
    const chosen = JSON.parse(rec.stdout).chosen;
    expect(chosen.device_id).toBe('cpu');
    expect(chosen.figures.peak_flops.provenance).toBe('measured');
    expect(chosen.figures.utilization.provenance).toBe('measured'); // the MoE lab's training step
    expect(chosen.figures.device_power_w.provenance).toBe('measured');

    const bad = await runCli(['accel', 'bench', '--train-model', 'huge'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--train-model/);
    const pyOnly = await runCli(['accel', 'bench', '--precisions', 'bf16'], env);
    expect(pyOnly.code).toBe(2);
    expect(pyOnly.stderr).toMatch(/--device/);
  }, 120_000);

  describe.skipIf(!hasTorch)('through the PyTorch script', () => {
    it('--device cpu stores measured profiles per precision, and recommend then says measured', async () => {
      const { env } = sandbox([{ id: 'cpu:0', kind: 'cpu', powerW: 40 }]);
      const before = await runCli(recommendArgs('bf16'), env);
      expect(before.code).not.toBe(0);
      const r = await runCli(['accel', 'bench', '--device', 'cpu', '--python', PYTHON, '--sizes', '16,32', '--seconds', '0.3', '--precisions', 'fp32,bf16', '--bandwidth-mib', '4', '--train-model', 'tiny', '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ backend: 'cpu', device_id: 'cpu', in_catalog: true, power_method: 'fixture' });
      expect(out.profiles.map((p: { precision: string }) => p.precision)).toEqual(['fp32', 'bf16']);
      for (const p of out.profiles) expect(p).toMatchObject({ device_id: 'cpu', provenance: 'measured' });
      expect(out.measurements.training_step.tokens_per_s).toBeGreaterThan(0);
      expect(out.measurements.memory_bandwidth_bytes_per_s).toBeGreaterThan(0);

      const rec = await runCli(recommendArgs('bf16'), env);
      expect(rec.code, rec.stderr).toBe(0);
      const chosen = JSON.parse(rec.stdout).chosen;
      expect(chosen.device_id).toBe('cpu');
      // bf16: the GEMM case is the peak and the power; the training step ran in fp32, so at fp32 all three are measured.
      expect(JSON.parse(rec.stdout).chosen.figures.utilization.provenance).toBe('default');
      expect(out.training_profile).toMatchObject({ precision: 'fp32', kind: 'training' });
      const text = await runCli(recommendArgs('fp32').slice(0, -1), env);
      expect(text.stdout).toMatch(/sources: peak measured .*utilization measured .*power measured/);

      const show = await runCli(['accel', 'show', 'cpu', '--json'], env);
      const profiles = JSON.parse(show.stdout).profiles as Array<{ kind: string; measurements?: { run_id: string } }>;
      expect(profiles.filter((p) => p.measurements?.run_id === out.run_id).map((p) => p.kind).sort()).toEqual(['gemm', 'gemm', 'training']);
    }, 180_000);

    it('--as must name a device of the backend\'s kind', async () => {
      const { env } = sandbox([]);
      const r = await runCli(['accel', 'bench', '--device', 'cpu', '--as', 'h100', '--python', PYTHON], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--as.*h100-sxm is a GPU but the benchmark ran on the CPU/);
    });

    it('a Python without torch is refused, naming --python', async () => {
      const { env } = sandbox([]);
      const r = await runCli(['accel', 'bench', '--device', 'cpu', '--python', '/bin/false'], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--python.*cannot import torch/);
    });

    it('under plain `verdant run`, the accel channel stores the profiles when the run ends', async () => {
      const { env } = sandbox([{ id: 'cpu:0', kind: 'cpu', powerW: 40 }]);
      const r = await runCli(['run', '--json', '--', PYTHON, SCRIPT, '--device', 'cpu', '--sizes', '16', '--seconds', '0.3', '--precisions', 'fp32', '--bandwidth-mib', '0', '--train-model', 'none'], env);
      expect(r.code, r.stderr).toBe(0);
      const show = await runCli(['accel', 'show', 'cpu', '--json'], env);
      const profiles = JSON.parse(show.stdout).profiles as Array<{ precision: string; provenance: string; power_w: number }>;
      expect(profiles).toHaveLength(1);
      expect(profiles[0]).toMatchObject({ precision: 'fp32', provenance: 'measured', kind: 'gemm' });
      expect(profiles[0]!.power_w).toBeCloseTo(40, 3);
    }, 120_000);
  });
});
