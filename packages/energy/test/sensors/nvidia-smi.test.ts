import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NvidiaSmiSource, parseSmiApps, parseSmiGpus } from '../../src/sensors/index.js';
import { bin, cleanupTemp, context, FIXTURES, tempDir } from './helpers.js';

const PROC = join(FIXTURES, 'procfs-basic');
const GPU0 = 'GPU-5b1e2c3d-0000-4000-8000-000000000000';
const GPU1 = 'GPU-9f8e7d6c-1111-4111-8111-111111111111';
afterEach(cleanupTemp);

describe('nvidia-smi sensor source', () => {
  it('parses the CSV shapes, including [N/A] fields and names with commas', () => {
    expect(parseSmiGpus('0, GPU-a, 312.45, NVIDIA H100 80GB HBM3\n1, GPU-b, [N/A], Tesla K80\n2, GPU-c, 88.10, Quadro RTX 8000, Rev. A\n')).toEqual([
      { index: 0, uuid: 'GPU-a', name: 'NVIDIA H100 80GB HBM3', powerW: 312.45 },
      { index: 1, uuid: 'GPU-b', name: 'Tesla K80', powerW: undefined },
      { index: 2, uuid: 'GPU-c', name: 'Quadro RTX 8000, Rev. A', powerW: 88.1 },
    ]);
    expect(parseSmiApps('GPU-a, 4321, 2048\nGPU-a, 99, [N/A]\n').get('GPU-a')).toEqual([
      { pid: 4321, usedMemoryBytes: 2048 * 1024 * 1024 },
      { pid: 99, usedMemoryBytes: undefined },
    ]);
  });

  it('finds the GPUs with power, warns about one without, and reads their power', async () => {
    const ctx = context({ bins: [bin('nvidia')], procfs: PROC });
    const sensors = await new NvidiaSmiSource().discover(ctx);
    expect(sensors.map((s) => [s.id, s.kind, s.method, s.estimate])).toEqual([
      ['gpu:0', 'gpu', 'nvidia-smi-power', false],
      ['gpu:1', 'gpu', 'nvidia-smi-power', false],
    ]);
    expect(ctx.warnings.join('\n')).toMatch(/gpu:2 \(Tesla K80\).*no power\.draw/);
    expect(sensors[0]!.description).toMatch(/A100.*share of GPU memory/);
    const [a, b] = await Promise.all(sensors.map((s) => s.read()));
    expect(a!.powerW).toBe(250);
    expect(b!.powerW).toBe(100);
    expect(Math.abs(a!.t - Date.now() / 1000)).toBeLessThan(5);
  });

  it('reads the right power for a GPU whose name holds a comma', async () => {
    const gpus = [
      { index: 0, uuid: GPU0, name: 'NVIDIA RTX A6000, Rev. B', 'power.draw': '212.50' },
      { index: 1, uuid: GPU1, name: 'NVIDIA A100-SXM4-40GB', 'power.draw': '100.00' },
    ];
    const ctx = context({ bins: [bin('nvidia')], procfs: PROC, env: { FAKE_NVIDIA_GPUS: JSON.stringify(gpus) } });
    const sensors = await new NvidiaSmiSource().discover(ctx);
    expect(sensors.map((s) => s.id)).toEqual(['gpu:0', 'gpu:1']);
    expect(ctx.warnings).toEqual([]);
    expect(sensors[0]!.description).toContain('NVIDIA RTX A6000, Rev. B');
    const [a, b] = await Promise.all(sensors.map((s) => s.read()));
    expect(a!.powerW).toBe(212.5);
    expect(b!.powerW).toBe(100);
  });

  it('honours CUDA_VISIBLE_DEVICES given as UUID prefixes', async () => {
    const ctx = context({ bins: [bin('nvidia')], procfs: PROC, env: { CUDA_VISIBLE_DEVICES: 'GPU-9f8e,GPU-5b1e' } });
    expect((await new NvidiaSmiSource().discover(ctx)).map((s) => s.id)).toEqual(['gpu:1', 'gpu:0']);
  });

  it("charges the run's memory share of a shared GPU (process tree from procfs)", async () => {
    // pid 101 belongs to run 100; pid 200 does not. GPU1 runs only the other process.
    const apps = [
      { gpu_uuid: GPU0, pid: 101, used_memory: 3000 },
      { gpu_uuid: GPU0, pid: 200, used_memory: 1000 },
      { gpu_uuid: GPU1, pid: 200, used_memory: 500 },
    ];
    const ctx = context({ bins: [bin('nvidia')], procfs: PROC, rootPid: 100, env: { FAKE_NVIDIA_APPS: JSON.stringify(apps) } });
    const [gpu0, gpu1] = await new NvidiaSmiSource().discover(ctx);
    expect((await gpu0!.read()).powerW).toBeCloseTo(250 * 0.75, 9);
    expect((await gpu1!.read()).powerW).toBe(0);
  });

  it('spawns nvidia-smi once per query per interval however many GPUs are read', async () => {
    const log = join(tempDir(), 'calls.log');
    const ctx = context({ bins: [bin('nvidia')], procfs: PROC, rootPid: 100, env: { FAKE_CALL_LOG: log } });
    const sensors = await new NvidiaSmiSource().discover(ctx);
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all(sensors.map((s) => s.read()));
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.filter((c) => c.includes('--query-gpu'))).toHaveLength(2); // discovery + one read
    expect(calls.filter((c) => c.includes('--query-compute-apps'))).toHaveLength(1);
  });

  it('returns nothing when nvidia-smi is absent, and warns when it fails', async () => {
    const absent = context({ bins: [] });
    expect(await new NvidiaSmiSource().discover(absent)).toEqual([]);
    expect(absent.warnings).toEqual([]);
    const broken = context({ bins: [bin('broken')] });
    expect(await new NvidiaSmiSource().discover(broken)).toEqual([]);
    expect(broken.warnings.join('\n')).toMatch(/couldn't communicate with the NVIDIA driver/);
  });
});
