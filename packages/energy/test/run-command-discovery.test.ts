import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { constantLookup, type Store } from '@verdant/core';
import { runCommand } from '../src/process/run-command.js';
import { RAM_WATTS_PER_GIB } from '../src/sensors/index.js';
import { summarizeRun, type RunSummary } from '../src/outputs/summary.js';
import { cleanupTemp, finish, tempStore } from './helpers.js';

afterEach(cleanupTemp);

/**
 * A store, and an environment where discovery finds a fixture GPU of 100 W beside the CPU and RAM models (an empty
 * sysfs: no RAPL), so the models attribute to whatever process tree discovery was told about.
 */
async function sandbox(): Promise<{ store: Store; env: NodeJS.ProcessEnv }> {
  const { store, dir } = await tempStore('verdant-discovery-');
  const sensors = join(dir, 'sensors.json');
  writeFileSync(sensors, JSON.stringify({ sensors: [{ id: 'gpu:0', kind: 'gpu', powerW: 100 }], exclusive: false }));
  const sysfs = join(dir, 'sysfs');
  mkdirSync(sysfs);
  return { store, env: { ...process.env, VERDANT_FAKE_SENSORS: sensors, VERDANT_SYSFS_ROOT: sysfs, VERDANT_NVML: '0' } };
}

/** The resident memory the RAM model charged on average over the run, MiB. */
const meanRamMiB = (s: RunSummary): number => {
  const ram = s.sensors.find((x) => x.id === 'model:ram')!;
  return (ram.energy_j / s.duration_s / RAM_WATTS_PER_GIB) * 1024;
};

describe('runCommand without sensors: discovers them for its own child', () => {
  it('charges the models to the child process tree, not to the caller, with the energy and exit code of the run', async () => {
    const { store, env } = await sandbox();
    const measure = async (argv: string[]) => {
      const run = await runCommand({ argv, env, lookup: constantLookup(300, 'DE'), store, intervalS: 0.1, stdio: 'ignore', discover: { only: ['fake', 'cpu-model', 'ram-model'] } });
      const result = await finish(run, 60);
      return { run, result, summary: (await summarizeRun(store, result.runId))! };
    };
    // 128 MiB resident for 1.5 s, then exit 3; and a command that holds almost nothing.
    const big = await measure([process.execPath, '-e', 'globalThis.held = Buffer.alloc(128 * 2 ** 20, 1); setTimeout(() => process.exit(3), 1500)']);
    const small = await measure(['sleep', '1.5']);

    expect(big.result).toMatchObject({ exitCode: 3, status: 'failed' });
    expect(big.summary).toMatchObject({ status: 'failed', exit_code: 3, child_pid: big.run.pid });
    expect(small.result).toMatchObject({ exitCode: 0, status: 'succeeded' });
    for (const { summary } of [big, small]) {
      expect(summary.sensors.map((x) => x.id).sort()).toEqual(['gpu:0', 'model:cpu', 'model:ram']);
      const gpu = summary.sensors.find((x) => x.id === 'gpu:0')!;
      expect(Math.abs(gpu.energy_j - 100 * summary.duration_s)).toBeLessThan(0.05 * 100 * summary.duration_s);
      expect(summary.energy_j).toBeGreaterThanOrEqual(gpu.energy_j);
      expect(Array.isArray(summary.meta.warnings)).toBe(true); // discovery notes are kept with the run
    }
    // The RAM model reads the child's tree: the 128 MiB child is charged for it (it holds it for most of the run, a
    // little less while node starts), `sleep` for almost nothing. Charged to the caller, both would be the same.
    expect(meanRamMiB(big.summary)).toBeGreaterThan(64);
    expect(meanRamMiB(small.summary)).toBeLessThan(32);
    expect(meanRamMiB(small.summary)).toBeGreaterThan(0);
  }, 120_000);

  it('uses the sensors it is given instead, and then records no discovery notes', async () => {
    const { store, env } = await sandbox();
    const read = async () => ({ t: Date.now() / 1000, powerW: 50 });
    const run = await runCommand({ argv: ['true'], env, lookup: constantLookup(300), store, intervalS: 0.1, stdio: 'ignore', sensors: [{ id: 'mine', kind: 'gpu', method: 'fixture', description: '50 W', estimate: false, read }] });
    const result = await finish(run, 30);
    const summary = (await summarizeRun(store, result.runId))!;
    expect(summary.sensors.map((x) => x.id)).toEqual(['mine']);
    expect(summary.meta).not.toHaveProperty('warnings');
  }, 60_000);
});
