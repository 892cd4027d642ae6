import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NvmlSource } from '../../src/sensors/index.js';
import { cleanupTemp, context, FIXTURES, sleep, tempDir } from './helpers.js';

const PROC = join(FIXTURES, 'procfs-basic');

/** Builds the fake libnvidia-ml from C source; undefined (with a note) when no C compiler is installed. */
function buildFakeNvml(): string | undefined {
  const out = join(tempDir('verdant-nvml-'), 'libnvidia-ml.so.1');
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', out, join(FIXTURES, 'nvml', 'fake_nvml.c')], { stdio: 'pipe' });
    return out;
  } catch (e) {
    console.warn(`[skip] NVML FFI tests: no working C compiler (cc) to build the fake libnvidia-ml: ${(e as Error).message}`);
    return undefined;
  }
}

const library = buildFakeNvml();
const saved = { ...process.env };

// The fake library reads these from the test process's own environment (it runs in-process via koffi).
afterEach(() => {
  for (const k of ['FAKE_NVML_PROCS', 'FAKE_NVML_INIT_FAIL', 'FAKE_NVML_LOG']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
afterAll(cleanupTemp);

describe('NVML sensor source', () => {
  it('is off with VERDANT_NVML=0 and returns nothing, silently, when the library cannot be loaded', async () => {
    const off = context({ env: { VERDANT_NVML: '0', VERDANT_NVML_LIBRARY: library ?? '' } });
    expect(await new NvmlSource().discover(off)).toEqual([]);
    const missing = context({ env: { VERDANT_NVML: '1', VERDANT_NVML_LIBRARY: join(tempDir(), 'libnvidia-ml.so.1') } });
    expect(await new NvmlSource().discover(missing)).toEqual([]);
    expect(missing.warnings).toEqual([]);
  });

  describe.skipIf(library === undefined)('through koffi against a fake libnvidia-ml', () => {
    let env: NodeJS.ProcessEnv;
    beforeAll(() => {
      env = { VERDANT_NVML: '1', VERDANT_NVML_LIBRARY: library! };
    });

    it('uses the energy counter where the GPU has one and power otherwise', async () => {
      const ctx = context({ env, procfs: PROC });
      const sensors = await new NvmlSource().discover(ctx);
      expect(sensors.map((s) => [s.id, s.kind, s.method])).toEqual([
        ['gpu:0', 'gpu', 'nvml-energy-counter'],
        ['gpu:1', 'gpu', 'nvml-power'],
      ]);
      expect(sensors[0]!.description).toMatch(/NVIDIA H100 80GB HBM3 \(GPU-0a0a0a0a-.*\).*share of GPU memory/);
      expect((await sensors[1]!.read()).powerW).toBe(100);
      const a = await sensors[0]!.read();
      await sleep(2500); // long enough that start-up jitter under load (tens of ms) stays well under 2%
      const b = await sensors[0]!.read();
      const watts = (b.energyJ! - a.energyJ!) / (b.t - a.t);
      expect(Math.abs(watts - 250) / 250).toBeLessThan(0.02);
      for (const s of sensors) await s.close?.();
    });

    it('honours CUDA_VISIBLE_DEVICES by UUID', async () => {
      const ctx = context({ env: { ...env, CUDA_VISIBLE_DEVICES: 'GPU-1b1b' }, procfs: PROC });
      const sensors = await new NvmlSource().discover(ctx);
      expect(sensors.map((s) => s.id)).toEqual(['gpu:1']);
      await sensors[0]!.close?.();
    });

    it("charges the run's memory share using NVML's process list", async () => {
      // 101 is in run 100's tree, 200 is not: 3 GiB of 4 GiB on GPU 0; GPU 1 only runs the other process.
      process.env.FAKE_NVML_PROCS = `0:101:${3 * 2 ** 30};0:200:${2 ** 30};1:200:na`;
      const ctx = context({ env, procfs: PROC, rootPid: 100 });
      const [gpu0, gpu1] = await new NvmlSource().discover(ctx);
      expect((await gpu1!.read()).powerW).toBe(0);
      const a = await gpu0!.read();
      await sleep(2500); // as above
      const b = await gpu0!.read();
      const watts = (b.energyJ! - a.energyJ!) / (b.t - a.t);
      expect(Math.abs(watts - 0.75 * 250) / (0.75 * 250)).toBeLessThan(0.02);
      await gpu0!.close?.();
      await gpu1!.close?.();
    });

    it('shuts NVML down once, when the last sensor closes', async () => {
      const log = join(tempDir(), 'nvml.log');
      process.env.FAKE_NVML_LOG = log;
      const sensors = await new NvmlSource().discover(context({ env, procfs: PROC }));
      await sensors[0]!.close?.();
      await sensors[0]!.close?.();
      expect(readFileSync(log, 'utf8')).toBe('init\n');
      await sensors[1]!.close?.();
      expect(readFileSync(log, 'utf8')).toBe('init\nshutdown\n');
    });

    it('warns and falls back when nvmlInit fails', async () => {
      process.env.FAKE_NVML_INIT_FAIL = '1';
      const ctx = context({ env, procfs: PROC });
      expect(await new NvmlSource().discover(ctx)).toEqual([]);
      expect(ctx.warnings.join()).toMatch(/NVML could not start \(nvmlInit_v2 returned NVML error 9\)/);
    });
  });
});
