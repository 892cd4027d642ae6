import { mkdtempSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store, constantLookup, stepLookup, type IntensityLookup, type IntensityPoint } from '@verdant/core';
import { SensorIntegrator } from '../src/integrate.js';
import { ProgressReader, parseProgressLine } from '../src/progress.js';
import { predict } from '../src/predict.js';
import { checkBudget } from '../src/budget.js';
import { Tracker } from '../src/tracker.js';
import type { EnergySensor, SensorReading } from '../src/sensor.js';

/** A sensor of constant power whose clock the test controls. */
class ClockSensor implements EnergySensor {
  readonly description = 'test';
  readonly estimate = false;
  constructor(
    readonly id: string,
    readonly kind: EnergySensor['kind'],
    readonly method: string,
    private readonly powerW: number,
    private readonly clock: { t: number },
    private readonly mode: 'energy' | 'power' = 'energy',
  ) {}
  async read(): Promise<SensorReading> {
    const t = this.clock.t;
    return this.mode === 'energy' ? { t, energyJ: this.powerW * t } : { t, powerW: this.powerW };
  }
}

const tmpStore = () => Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-energy-')), 'v.db')}` });

describe('SensorIntegrator', () => {
  it('differences counters, integrates power by trapezoid, and survives a counter reset', () => {
    const c = new SensorIntegrator();
    expect(c.next({ t: 0, energyJ: 100 })).toBeUndefined();
    expect(c.next({ t: 2, energyJ: 600 })).toEqual({ energyJ: 500, powerW: 250, dt: 2 });
    // counter went backwards (driver reload) and the reading has power: use power for that interval
    expect(c.next({ t: 3, energyJ: 10, powerW: 100 })?.energyJ).toBe(100);
    const p = new SensorIntegrator();
    p.next({ t: 0, powerW: 100 });
    expect(p.next({ t: 1, powerW: 300 })).toEqual({ energyJ: 200, powerW: 200, dt: 1 });
  });
});

describe('progress channel', () => {
  it('parses fractions, steps and epochs, and ignores noise', () => {
    expect(parseProgressLine('{"progress":0.25}', 5)?.fraction).toBe(0.25);
    expect(parseProgressLine('{"step":30,"total":120}', 5)?.fraction).toBe(0.25);
    expect(parseProgressLine('{"epoch":1,"epochs":4}', 5)?.fraction).toBe(0.25);
    expect(parseProgressLine('not json', 5)).toBeUndefined();
    expect(parseProgressLine('{"step":3}', 5)).toBeUndefined();
  });

  it('reads appended lines, keeping a partial line for the next poll', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'verdant-progress-')), 'p');
    const r = new ProgressReader(file);
    expect(await r.poll(1)).toBeUndefined();
    await appendFile(file, '{"progress":0.1}\n{"progress":0.2}\n{"progr');
    expect((await r.poll(2))?.fraction).toBe(0.2);
    await appendFile(file, 'ess":0.5}\n');
    expect((await r.poll(3))?.fraction).toBe(0.5);
    await r.close();
  });
});

describe('predict', () => {
  it('extrapolates time and energy from progress and charges the rest at the future intensity', () => {
    const lookup: IntensityLookup = { zone: 'X', source: 't', at: (t) => (t < 1000 ? 100 : 300) };
    const p = predict({ fraction: 0.25, startedAt: 0, now: 100, energyJ: 3.6e6, emissionsG: 100, lookup })!;
    expect(p.total_duration_s).toBeCloseTo(400);
    expect(p.remaining_s).toBeCloseTo(300);
    expect(p.total_energy_j).toBeCloseTo(4 * 3.6e6);
    expect(p.total_emissions_g).toBeCloseTo(100 + 3 * 100); // rest before t=1000 at 100 g/kWh
    expect(predict({ fraction: 0.001, startedAt: 0, now: 1, energyJ: 1, emissionsG: 1, lookup })).toBeUndefined();
  });
});

describe('checkBudget', () => {
  it('names the limit passed', () => {
    expect(checkBudget({ energyJ: 10, emissionsG: 1 }, { onExceed: 'warn', maxEnergyJ: 20 })).toBeUndefined();
    expect(checkBudget({ energyJ: 30, emissionsG: 1 }, { onExceed: 'warn', maxEnergyJ: 20 })?.kind).toBe('energy');
    expect(checkBudget({ energyJ: 30, emissionsG: 5 }, { onExceed: 'stop', maxEmissionsG: 2 })?.kind).toBe('emissions');
  });
});

describe('Tracker', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('integrates each sensor exactly, charges every interval at the intensity of its time, and applies PUE', async () => {
    store = await tmpStore();
    const clock = { t: 1000 };
    const pts: IntensityPoint[] = [
      { zone: 'Z', t: 0, resolutionS: 1005, gPerKwh: 100, signal: 'average', source: 'test' },
      { zone: 'Z', t: 1005, resolutionS: 1000, gPerKwh: 500, signal: 'average', source: 'test' },
    ];
    const lookup: IntensityLookup = { zone: 'Z', source: 'test', at: (t) => stepLookup(pts, t).gPerKwh };
    const tracker = new Tracker({
      name: 't',
      sensors: [new ClockSensor('gpu:0', 'gpu', 'counter', 250, clock), new ClockSensor('cpu:0', 'cpu', 'power', 50, clock, 'power')],
      lookup,
      intervalS: 3600, // the test drives ticks itself
      pue: 1.5,
      store,
    });
    await tracker.start();
    for (let i = 1; i <= 10; i++) {
      clock.t = 1000 + i;
      await tracker.tick();
    }
    await tracker.flush();
    // readable while running
    const mid = await store.getRun(tracker.runId);
    expect(mid?.status).toBe('running');
    expect(mid?.energy_j).toBeCloseTo(300 * 10 * 1.5);
    const snap = await tracker.stop('succeeded', 0);
    const totals = await store.sensorTotals(tracker.runId);
    expect(totals.find((t) => t.sensor_id === 'gpu:0')?.energy_j).toBeCloseTo(2500);
    expect(totals.find((t) => t.sensor_id === 'cpu:0')?.energy_j).toBeCloseTo(500);
    // five one-second intervals before t=1005 at 100 g/kWh, five after at 500 g/kWh, each 300 W x PUE 1.5
    const perInterval = (300 * 1.5) / 3.6e6;
    expect(snap.emissionsG).toBeCloseTo(5 * perInterval * 100 + 5 * perInterval * 500, 9);
    const row = await store.getRun(tracker.runId);
    expect(row?.status).toBe('succeeded');
    expect(row?.emissions_g).toBeCloseTo(snap.emissionsG, 9);
  });

  it('measures without a store (library use)', async () => {
    const clock = { t: 0 };
    const tracker = new Tracker({ name: 'x', sensors: [new ClockSensor('gpu:0', 'gpu', 'c', 100, clock)], lookup: constantLookup(200) });
    await tracker.start();
    clock.t = 36;
    const snap = await tracker.stop('succeeded', 0);
    expect(snap.energyJ).toBeCloseTo(3600);
    expect(snap.emissionsG).toBeCloseTo(0.2);
  });
});
