import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { constantLookup } from '@verdant/core';
import { defineSensorSource, type DiscoveryContext, type EnergySensor, type SensorSource, type SensorReading } from '../../src/sensors/sensor.js';
import { discoverSensors } from '../../src/sensors/index.js';
import { SENSOR_FAMILIES, registerSensorSource, sensorFamilies } from '../../src/sensors/registry.js';
import { Tracker } from '../../src/measurement/tracker.js';
import { cleanupTemp, context, FIXTURES, tempDir } from './helpers.js';

const PROC = join(FIXTURES, 'procfs-basic');
/** The time the test sensors report, epoch seconds: the test moves it. */
const clock = { t: 1000 };

/**
 * A sensor family written the way a new one would be, in one file: accelerators that publish a cumulative
 * energy counter at <sysfs>/class/ipu/ipu<N>/energy_uj. Registered from here, nothing else edited.
 */
class IpuSensor implements EnergySensor {
  readonly kind = 'accelerator' as const;
  readonly method = 'ipu-energy-counter';
  readonly estimate = false;
  readonly description: string;
  constructor(
    readonly id: string,
    private readonly file: string,
  ) {
    this.description = `test accelerator, ${file}`;
  }
  async read(): Promise<SensorReading> {
    return { t: clock.t, energyJ: Number(readFileSync(this.file, 'utf8')) / 1e6 };
  }
}

class IpuSource implements SensorSource {
  readonly name = 'ipu-sysfs';
  async discover(ctx: DiscoveryContext): Promise<EnergySensor[]> {
    const base = join(ctx.sysfsRoot, 'class', 'ipu');
    let dirs: string[];
    try {
      dirs = readdirSync(base);
    } catch {
      return [];
    }
    return dirs.map((d) => new IpuSensor(`ipu:${d.replace(/^ipu/, '')}`, join(base, d, 'energy_uj')));
  }
}

const ipuSource = defineSensorSource({ name: 'ipu-sysfs', family: 'ipu', stage: 'measured', create: () => new IpuSource() });

function ipuSysfs(counterUj: number): { sysfs: string; set(uj: number): void } {
  const sysfs = tempDir();
  const dir = join(sysfs, 'class', 'ipu', 'ipu0');
  mkdirSync(dir, { recursive: true });
  const set = (uj: number) => writeFileSync(join(dir, 'energy_uj'), String(uj));
  set(counterUj);
  return { sysfs, set };
}

const ids = (sensors: EnergySensor[]): string[] => sensors.map((s) => `${s.id} ${s.method}`);

describe('registering a sensor family from one descriptor', () => {
  let unregister: (() => void) | undefined;
  afterEach(() => {
    unregister?.();
    unregister = undefined;
    cleanupTemp();
  });

  it('is unknown before it is registered', async () => {
    expect(sensorFamilies()).toEqual([...SENSOR_FAMILIES]);
    await expect(discoverSensors(context({ procfs: PROC }), { only: ['ipu'] })).rejects.toMatchObject({ field: 'only', exitCode: 2 });
  });

  it('is discovered with the measured families, before the models, and its names work in only and exclude', async () => {
    unregister = registerSensorSource(ipuSource);
    expect(sensorFamilies()).toEqual([...SENSOR_FAMILIES, 'ipu']);
    const { sysfs } = ipuSysfs(5_000_000);
    const ctx = context({ sysfs, procfs: PROC });
    // An accelerator is neither CPU nor DRAM: both models still fill their gaps.
    expect(ids(await discoverSensors(ctx))).toEqual(['ipu:0 ipu-energy-counter', 'model:cpu tdp-model', 'model:ram ram-model-rss']);
    expect(ids(await discoverSensors(ctx, { only: ['ipu'] }))).toEqual(['ipu:0 ipu-energy-counter']);
    expect(ids(await discoverSensors(ctx, { only: ['ipu-sysfs', 'rapl'] }))).toEqual(['ipu:0 ipu-energy-counter']);
    expect(ids(await discoverSensors(ctx, { exclude: ['ipu-sysfs'] }))).toEqual(['model:cpu tdp-model', 'model:ram ram-model-rss']);
  });

  it('is measured by the tracker like any other sensor', async () => {
    unregister = registerSensorSource(ipuSource);
    const { sysfs, set } = ipuSysfs(1_000_000);
    const sensors = await discoverSensors(context({ sysfs, procfs: PROC }), { only: ['ipu'] });
    const tracker = new Tracker({ name: 'ipu', sensors, lookup: constantLookup(400), intervalS: 3600 }); // the test drives ticks
    await tracker.start();
    clock.t += 1;
    set(61_000_000); // +60 J
    await tracker.tick();
    clock.t += 1;
    set(101_000_000); // +40 J
    const snap = await tracker.stop('succeeded', 0);
    expect(snap.sensors).toEqual([expect.objectContaining({ id: 'ipu:0', method: 'ipu-energy-counter', estimate: false })]);
    expect(snap.sensors[0]!.energyJ).toBeCloseTo(100, 9);
    expect(snap.emissionsG).toBeCloseTo((100 / 3.6e6) * 400, 12);
  });

  it('refuses a name that is already a source or another family, and is gone once unregistered', async () => {
    unregister = registerSensorSource(ipuSource);
    expect(() => registerSensorSource(ipuSource)).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => registerSensorSource({ ...ipuSource, name: 'nvidia' })).toThrow(/clashes with "nvml"/);
    unregister();
    await expect(discoverSensors(context({ procfs: PROC }), { exclude: ['ipu-sysfs'] })).rejects.toMatchObject({ field: 'exclude' });
  });
});
