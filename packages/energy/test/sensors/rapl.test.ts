import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RaplSource } from '../../src/sensors/index.js';
import { cleanupTemp, context, copyFixture, openDescriptors } from './helpers.js';

afterEach(cleanupTemp);

const zone = (sysfs: string, name: string): string => join(sysfs, 'class', 'powercap', name, 'energy_uj');

describe('RAPL powercap', () => {
  it('finds packages and DRAM, leaving out core, psys and the mmio duplicate', async () => {
    const sysfs = copyFixture('sysfs-rapl');
    const sensors = await new RaplSource().discover(context({ sysfs }));
    expect(sensors.map((s) => [s.id, s.kind, s.method, s.estimate])).toEqual([
      ['cpu:package-0', 'cpu', 'rapl', false],
      ['dram:0', 'dram', 'rapl', false],
      ['cpu:package-1', 'cpu', 'rapl', false],
      ['dram:1', 'dram', 'rapl', false],
    ]);
  });

  it('turns counter advances into joules', async () => {
    const sysfs = copyFixture('sysfs-rapl');
    const [pkg0, dram0] = await new RaplSource().discover(context({ sysfs }));
    expect((await pkg0!.read()).energyJ).toBe(0);
    await dram0!.read();
    writeFileSync(zone(sysfs, 'intel-rapl:0'), '51000000\n'); // +50 J
    writeFileSync(zone(sysfs, 'intel-rapl:0:1'), '10200000\n'); // +10 J
    expect((await pkg0!.read()).energyJ).toBeCloseTo(50, 9);
    expect((await dram0!.read()).energyJ).toBeCloseTo(10, 9);
    writeFileSync(zone(sysfs, 'intel-rapl:0'), '61000000\n');
    expect((await pkg0!.read()).energyJ).toBeCloseTo(60, 9);
  });

  it('handles the counter wrapping at max_energy_range_uj', async () => {
    const sysfs = copyFixture('sysfs-rapl');
    const max = 262143328850;
    writeFileSync(zone(sysfs, 'intel-rapl:1'), `${max - 2_000_000}\n`);
    const sensor = (await new RaplSource().discover(context({ sysfs }))).find((s) => s.id === 'cpu:package-1')!;
    await sensor.read();
    writeFileSync(zone(sysfs, 'intel-rapl:1'), '3000000\n'); // 2 J to the top, wrap, 3 J more
    expect((await sensor.read()).energyJ).toBeCloseTo(5, 6);
  });

  it('warns how to grant access when energy_uj is root-only, and yields nothing', async () => {
    const sysfs = copyFixture('sysfs-rapl');
    // What the kernel answers a non-root reader since 2020 (simulated: these tests may run as root).
    const rootOnly = async (path: string): Promise<string> => {
      if (path.endsWith('energy_uj')) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
      return readFileSync(path, 'utf8');
    };
    const ctx = context({ sysfs });
    expect(await new RaplSource(rootOnly).discover(ctx)).toEqual([]);
    expect(ctx.warnings.join('\n')).toMatch(/not readable.*chmod o\+r/);
  });

  it('keeps each counter file open while it measures, and closes it on close()', async () => {
    const sysfs = copyFixture('sysfs-rapl');
    const sensors = await new RaplSource().discover(context({ sysfs }));
    const counters = ['intel-rapl:0', 'intel-rapl:0:1', 'intel-rapl:1', 'intel-rapl:1:0'].map((z) => zone(sysfs, z));
    const opened = () => openDescriptors(...counters);
    for (let i = 0; i < 3; i++) await Promise.all(sensors.map((s) => s.read()));
    expect(opened()).toBe(4); // one per zone, however many samples
    await Promise.all(sensors.map((s) => s.close?.()));
    expect(opened()).toBe(0);
  });

  it('is absent when there is no powercap tree', async () => {
    const ctx = context({});
    expect(await new RaplSource().discover(ctx)).toEqual([]);
    expect(ctx.warnings).toEqual([]);
  });
});
