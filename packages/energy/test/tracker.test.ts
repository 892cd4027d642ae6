import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Store, constantLookup, stepLookup, type IntensityLookup, type IntensityPoint } from '@verdant/core';
import { Tracker } from '../src/measurement/tracker.js';
import type { EnergySensor, SensorReading } from '../src/sensors/sensor.js';

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

/** A sensor that also reads synchronously, counting which way it was read, and that can be made to fail. */
class NowSensor implements EnergySensor {
  readonly kind = 'gpu';
  readonly method = 'now';
  readonly description = 'test';
  readonly estimate = false;
  readonly calls = { read: 0, readNow: 0 };
  failing = false;
  constructor(
    readonly id: string,
    private readonly powerW: number,
    private readonly clock: { t: number },
  ) {}
  async read(): Promise<SensorReading> {
    this.calls.read++;
    return this.value();
  }
  readNow(): SensorReading {
    this.calls.readNow++;
    return this.value();
  }
  private value(): SensorReading {
    if (this.failing) throw new Error('busy');
    return { t: this.clock.t, energyJ: this.powerW * this.clock.t };
  }
}

const tmpStore = () => Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-energy-')), 'v.db')}` });

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

  it('reads sensors synchronously when all of them can, skipping an interval one fails, and all through read() otherwise', async () => {
    const clock = { t: 0 };
    const a = new NowSensor('gpu:0', 100, clock);
    const b = new NowSensor('gpu:1', 50, clock);
    const tracker = new Tracker({ name: 'now', sensors: [a, b], lookup: constantLookup(200), intervalS: 3600 });
    await tracker.start();
    for (let i = 1; i <= 3; i++) {
      clock.t = i;
      await tracker.tick();
    }
    a.failing = true; // one interval lost to a busy device: its counter covers it at the next reading
    clock.t = 4;
    await tracker.tick();
    a.failing = false;
    clock.t = 5;
    await tracker.tick();
    expect(a.calls).toEqual({ read: 0, readNow: 6 });
    const snap = await tracker.stop('succeeded', 0);
    expect(snap.sensors.find((s) => s.id === 'gpu:0')?.energyJ).toBeCloseTo(100 * 5, 9); // all five seconds, the failed one too
    expect(snap.sensors.find((s) => s.id === 'gpu:1')?.energyJ).toBeCloseTo(50 * 5, 9);

    const c = new NowSensor('gpu:0', 100, clock);
    const mixed = new Tracker({ name: 'mixed', sensors: [c, new ClockSensor('gpu:1', 'gpu', 'c', 50, clock)], lookup: constantLookup(200), intervalS: 3600 });
    await mixed.start();
    clock.t = 6;
    await mixed.tick();
    expect(c.calls).toEqual({ read: 2, readNow: 0 });
    await mixed.stop('succeeded', 0);
  });

  it('samples at every interval but writes to the store once a second by default, in batches', async () => {
    // The sampling timer and the wall clock are the test's: intervals pass in an instant.
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'], now: 1_000_000 });
    try {
      store = await tmpStore();
      const clock = { t: 1000 };
      const tracker = new Tracker({ name: 'cadence', sensors: [new ClockSensor('gpu:0', 'gpu', 'c', 100, clock)], lookup: constantLookup(300), intervalS: 0.25, store });
      const seen: number[] = [];
      tracker.on('sample', (snap) => seen.push(snap.energyJ));
      await tracker.start();
      for (let i = 1; i <= 3; i++) {
        clock.t += 0.25;
        await vi.advanceTimersByTimeAsync(250);
      }
      expect(seen).toEqual([25, 50, 75]); // every interval is measured
      expect(await store.samples(tracker.runId)).toHaveLength(0); // ... and held
      clock.t += 0.25;
      await vi.advanceTimersByTimeAsync(250); // one second: a write of the four starts in the background
      await vi.waitFor(async () => expect((await store!.samples(tracker.runId)).map((x) => x.t)).toEqual([1000.25, 1000.5, 1000.75, 1001]), { timeout: 5000 });
      expect((await store.getRun(tracker.runId))?.energy_j).toBeCloseTo(100, 9);
      await tracker.stop('succeeded', 0);
    } finally {
      vi.useRealTimers();
    }
  });
});
