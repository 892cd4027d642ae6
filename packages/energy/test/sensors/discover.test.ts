import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isVerdantError } from '@verdant/core';
import { discoverSensors } from '../../src/sensors/index.js';
import { bin, cleanupTemp, context, copyFixture, FIXTURES, tempDir } from './helpers.js';

const PROC = join(FIXTURES, 'procfs-basic');
afterEach(cleanupTemp);

const ids = (sensors: { id: string; method: string }[]): string[] => sensors.map((s) => `${s.id} ${s.method}`);

describe('discoverSensors', () => {
  it('returns measured sensors first and no models when RAPL covers CPU and DRAM', async () => {
    const ctx = context({ bins: [bin('nvidia'), bin('gaudi')], sysfs: copyFixture('sysfs-rapl'), procfs: PROC });
    const sensors = await discoverSensors(ctx);
    expect(ids(sensors)).toEqual([
      'gpu:0 nvidia-smi-power',
      'gpu:1 nvidia-smi-power',
      'hpu:0 hl-smi-power',
      'hpu:1 hl-smi-power',
      'cpu:package-0 rapl',
      'dram:0 rapl',
      'cpu:package-1 rapl',
      'dram:1 rapl',
    ]);
  });

  it('adds the CPU and RAM models, last, on a machine without RAPL', async () => {
    const ctx = context({ bins: [bin('nvidia')], procfs: PROC, env: { CUDA_VISIBLE_DEVICES: '1' } });
    const sensors = await discoverSensors(ctx);
    expect(ids(sensors)).toEqual(['gpu:1 nvidia-smi-power', 'model:cpu tdp-model', 'model:ram ram-model-rss']);
    expect(sensors.filter((s) => s.estimate).map((s) => s.id)).toEqual(['model:cpu', 'model:ram']);
  });

  it('adds only the RAM model when RAPL has packages but no DRAM domain', async () => {
    const sysfs = copyFixture('sysfs-rapl');
    for (const z of ['intel-rapl:0:1', 'intel-rapl:1:0']) rmSync(join(sysfs, 'class', 'powercap', z), { recursive: true });
    const sensors = await discoverSensors(context({ sysfs, procfs: PROC }));
    expect(ids(sensors)).toEqual(['cpu:package-0 rapl', 'cpu:package-1 rapl', 'model:ram ram-model-rss']);
  });

  it('falls back to the models when the RAPL counters cannot be read', async () => {
    const sysfs = copyFixture('sysfs-rapl');
    for (const z of ['intel-rapl:0', 'intel-rapl:0:1', 'intel-rapl:1', 'intel-rapl:1:0']) {
      const file = join(sysfs, 'class', 'powercap', z, 'energy_uj');
      rmSync(file);
      mkdirSync(file); // reading it fails (EISDIR), as a broken or vanished counter would
    }
    const sensors = await discoverSensors(context({ sysfs, procfs: PROC }));
    expect(ids(sensors)).toEqual(['model:cpu tdp-model', 'model:ram ram-model-rss']);
  });

  it('keeps going past a broken vendor tool, and never throws for absent families', async () => {
    const ctx = context({ bins: [bin('broken')], procfs: PROC });
    const sensors = await discoverSensors(ctx);
    expect(ids(sensors)).toEqual(['model:cpu tdp-model', 'model:ram ram-model-rss']);
    expect(ctx.warnings.join('\n')).toMatch(/NVIDIA GPUs skipped/);
  });

  it('honours only and exclude, by family or source, and rejects unknown names', async () => {
    const base = { bins: [bin('nvidia'), bin('amd'), bin('rocm')], sysfs: copyFixture('sysfs-rapl'), procfs: PROC };
    expect(ids(await discoverSensors(context(base), { only: ['rapl'] }))).toEqual([
      'cpu:package-0 rapl',
      'dram:0 rapl',
      'cpu:package-1 rapl',
      'dram:1 rapl',
    ]);
    expect(ids(await discoverSensors(context(base), { only: ['amd'], exclude: ['amd-smi'] }))).toEqual([
      'gpu:0 rocm-smi-energy-counter',
      'gpu:1 rocm-smi-power',
    ]);
    const err = await discoverSensors(context(base), { exclude: ['tpu'] }).catch((e: unknown) => e);
    expect(isVerdantError(err) && err.field === 'exclude' && /nvidia/.test(err.fix ?? '')).toBe(true);
  });

  it('renames a second vendor GPU that reuses an id', async () => {
    const ctx = context({ bins: [bin('nvidia'), bin('amd')], procfs: PROC, env: { FAKE_START_FILE: join(tempDir(), 's') } });
    const sensors = await discoverSensors(ctx, { only: ['nvidia', 'amd'] });
    expect(ids(sensors)).toEqual([
      'gpu:0 nvidia-smi-power',
      'gpu:1 nvidia-smi-power',
      'gpu:0:amd-smi-energy-counter amd-smi-energy-counter',
      'gpu:1:amd-smi-energy-counter amd-smi-energy-counter',
    ]);
    expect((await sensors[2]!.read()).energyJ).toBe(0);
  });

  it('returns only the fake sensors when VERDANT_FAKE_SENSORS is exclusive, and mixes them in otherwise', async () => {
    const dir = tempDir();
    const exclusive = join(dir, 'a.json');
    writeFileSync(exclusive, JSON.stringify({ sensors: [{ id: 'gpu:0', kind: 'gpu', powerW: 250 }] }));
    const all = { bins: [bin('nvidia')], sysfs: copyFixture('sysfs-rapl'), procfs: PROC };
    expect(ids(await discoverSensors(context({ ...all, env: { VERDANT_FAKE_SENSORS: exclusive } })))).toEqual(['gpu:0 fixture']);

    const mixed = join(dir, 'b.json');
    writeFileSync(mixed, JSON.stringify({ exclusive: false, sensors: [{ id: 'cpu:fixture', kind: 'cpu', powerW: 65 }] }));
    const sensors = await discoverSensors(context({ procfs: PROC, env: { VERDANT_FAKE_SENSORS: mixed } }));
    // A fixture CPU counts as measured: no CPU model beside it.
    expect(ids(sensors)).toEqual(['cpu:fixture fixture', 'model:ram ram-model-rss']);
  });
});
