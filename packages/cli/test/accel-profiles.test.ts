import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, sandbox } from './helpers.js';

beforeAll(assertBuilt);

const MLPERF = 'https://mlcommons.org/benchmarks/training/';

describe('verdant accel profile add / profiles, and verdant estimate on the accel catalog', () => {
  it('stores a published profile that estimate then uses, lists it, and names a bad flag before storing anything', async () => {
    const env = { ...sandbox([]).env, VERDANT_OFFLINE: '1' };
    const before = await runCli(['estimate', '--device', 'H100', '--count', '2', '--hours', '3', '--region', 'DE', '--json'], env);
    expect(before.code).toBe(0);
    const b = JSON.parse(before.stdout);
    expect(b.device).toMatchObject({ id: 'h100-sxm', tdp_w: 700 });
    expect(b.device_power_w).toMatchObject({ value: 140 + 560 * 0.8, provenance: 'default' });
    expect(b.energy_j).toBeCloseTo(b.device_power_w.value * 2 * 3 * 3600);

    const add = await runCli(['accel', 'profile', 'add', 'h100', '--tflops', '450', '--power', '620W', '--source', MLPERF, '--workload', 'Llama 2 70B LoRA (test figure)', '--retrieved', '2026-11-30', '--json'], env);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ device_id: 'h100-sxm', provenance: 'published', achieved_tflops: 450, power_w: 620, source: MLPERF, workload: 'Llama 2 70B LoRA (test figure)', retrieved_at: '2026-11-30T00:00:00.000Z' });
    const tps = await runCli(['accel', 'profile', 'add', 'mi300x', '--tokens-per-s', '21000', '--params', '7B', '--count', '8', '--source', MLPERF], env);
    expect(tps.code).toBe(0);
    // 6 × 7e9 × 21000 ÷ 8 = 110.25 TFLOPS, ÷ 0.97³ (the default scaling kept on 8 devices, already in the run's rate).
    expect(tps.stdout).toMatch(/stored published profile prof_\S+: mi300x bf16 120\.8 TFLOPS per device \(the scaling kept on 8 devices, 0\.913, divided out\)/);

    const list = await runCli(['accel', 'profiles', '--device', 'H100', '--json'], env);
    expect(JSON.parse(list.stdout).profiles).toEqual([expect.objectContaining({ device_id: 'h100-sxm', in_use: true })]);
    const table = await runCli(['accel', 'profiles'], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+device\s+precision\s+kind\s+TFLOPS\s+power W\s+in use/);
    expect(table.stdout).toMatch(/h100-sxm\s+bf16\s+published\s+450\.0\s+620\s+yes\s+2026-11-30/);

    const after = JSON.parse((await runCli(['estimate', '--device', 'h100', '--hours', '1', '--region', 'DE', '--json'], env)).stdout);
    expect(after.device_power_w).toMatchObject({ value: 620, provenance: 'published' });

    for (const [args, flag] of [
      [['h100', '--tflops', '1979', '--source', MLPERF], /^verdant: --tflops: 1979\.0 TFLOPS per device is above h100-sxm's dense bf16 peak/],
      [['h100', '--tflops', '400', '--power', '5600W', '--source', MLPERF], /^verdant: --power: 5600 W is above h100-sxm's TDP/],
      [['h100', '--tokens-per-s', '1000', '--source', MLPERF], /^verdant: --params: is required with a throughput/],
      [['h100', '--tflops', '400', '--source', MLPERF, '--kind', 'rumour'], /^verdant: --kind: must be published or measured/],
      [['h1000', '--tflops', '400', '--source', MLPERF], /^verdant: <device>: unknown device "h1000"/],
      [['h100', '--tflops', '400', '--source', ' '], /^verdant: --source: is required/],
    ] as Array<[string[], RegExp]>) {
      const bad = await runCli(['accel', 'profile', 'add', ...args], env);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(flag);
    }
    expect(JSON.parse((await runCli(['accel', 'profiles', '--json'], env)).stdout).profiles).toHaveLength(2);

    const b200 = await runCli(['estimate', '--device', 'b200', '--hours', '1', '--region', 'DE'], env);
    expect(b200.code).toBe(2);
    expect(b200.stderr).toMatch(/^verdant: --device: b200 has no TDP .*verdant accel profile add b200/);
  });
});
