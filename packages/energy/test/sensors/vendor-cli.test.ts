import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AmdSmiSource, HlSmiSource, parseAmdSmi, parseRocmSmi, RocmSmiSource } from '../../src/sensors/index.js';
import type { EnergySensor } from '../../src/sensors/sensor.js';
import { bin, cleanupTemp, context, sleep, tempDir } from './helpers.js';

afterEach(cleanupTemp);

/**
 * Average power of a counter sensor over 2.5 s of real time (the fake's counter follows a known power), and how
 * far it may be off: the counter is read somewhere inside each read() (a process start, tens of ms on a loaded
 * machine), so the true interval may differ from the stamped one by up to the two reads' durations.
 */
async function measuredPower(sensor: EnergySensor): Promise<{ powerW: number; tolerance: number }> {
  const timed = async () => {
    const t0 = performance.now();
    const r = await sensor.read();
    return { r, ms: performance.now() - t0 };
  };
  const a = await timed();
  await sleep(2500);
  const b = await timed();
  const dt = b.r.t - a.r.t;
  return { powerW: (b.r.energyJ! - a.r.energyJ!) / dt, tolerance: 0.005 + (a.ms + b.ms) / 1000 / dt };
}

/** The counter's power agrees with the fake's true power within the reads' timing uncertainty (about 2% on an idle machine). */
function expectPower(m: { powerW: number; tolerance: number }, trueW: number): void {
  expect(Math.abs(m.powerW - trueW) / trueW).toBeLessThan(m.tolerance);
}

describe('hl-smi (Intel Gaudi)', () => {
  it('reads each HPU board power in query mode', async () => {
    const ctx = context({ bins: [bin('gaudi')] });
    const sensors = await new HlSmiSource().discover(ctx);
    expect(sensors.map((s) => [s.id, s.kind, s.method])).toEqual([
      ['hpu:0', 'accelerator', 'hl-smi-power'],
      ['hpu:1', 'accelerator', 'hl-smi-power'],
    ]);
    expect(sensors[0]!.description).toMatch(/HL-225/);
    expect((await sensors[1]!.read()).powerW).toBe(410);
  });

  it('is absent without hl-smi', async () => {
    expect(await new HlSmiSource().discover(context({ bins: [] }))).toEqual([]);
  });
});

describe('amd-smi', () => {
  it('parses value/unit objects, bare numbers, N/A and the gpu_data wrapper', () => {
    const current = parseAmdSmi(
      JSON.stringify([{ gpu: 0, power: { socket_power: { value: 143, unit: 'W' } }, energy: { total_energy_consumption: { value: 2.5, unit: 'kJ' } } }]),
    );
    expect(current.get('0')).toEqual({ powerW: 143, energyJ: 2500 });
    const old = parseAmdSmi(JSON.stringify([{ gpu: 1, power: { current_socket_power: 'N/A', average_socket_power: 88 } }]));
    expect(old.get('1')).toEqual({ powerW: 88, energyJ: undefined });
    const wrapped = parseAmdSmi(JSON.stringify({ gpu_data: [{ gpu: 2, power: { socket_power: { value: 'N/A', unit: 'W' } } }] }));
    expect(wrapped.get('2')).toEqual({ powerW: undefined, energyJ: undefined });
  });

  it('reads total_energy_consumption in every shape amd-smi has printed', () => {
    const energy = (e: unknown) => parseAmdSmi(JSON.stringify([{ gpu: 0, energy: { total_energy_consumption: e } }])).get('0')!.energyJ;
    expect(energy({ value: 123456.789, unit: 'J' })).toBe(123456.789); // ROCm 6.1+ JSON
    expect(energy(98765.4)).toBe(98765.4); // ROCm 6.0 JSON: bare joules
    expect(energy('4321.5 J')).toBe(4321.5); // the human-readable form
    expect(energy('2.5 kJ')).toBe(2500);
    expect(energy('N/A')).toBeUndefined();
    expect(energy({ value: 'N/A', unit: 'J' })).toBeUndefined();
    // A figure in the other quantity's unit is not taken for this one.
    expect(energy({ value: 300, unit: 'W' })).toBeUndefined();
    expect(energy('300 W')).toBeUndefined();
    const power = parseAmdSmi(JSON.stringify([{ gpu: 1, power: { socket_power: '143 W' }, energy: 'N/A' }])).get('1');
    expect(power).toEqual({ powerW: 143, energyJ: undefined });
  });

  it('uses the energy counter, which matches the true power', async () => {
    const ctx = context({ bins: [bin('amd')], env: { FAKE_START_FILE: join(tempDir(), 'start') } });
    const sensors = await new AmdSmiSource().discover(ctx);
    expect(sensors.map((s) => [s.id, s.kind, s.method])).toEqual([
      ['gpu:0', 'gpu', 'amd-smi-energy-counter'],
      ['gpu:1', 'gpu', 'amd-smi-energy-counter'],
    ]);
    const [p0, p1] = await Promise.all(sensors.map(measuredPower));
    expectPower(p0!, 300);
    expectPower(p1!, 550);
  });

  it('falls back to power on releases without --energy', async () => {
    const ctx = context({ bins: [bin('amd')], env: { FAKE_AMD_SMI_OLD: '1' } });
    const sensors = await new AmdSmiSource().discover(ctx);
    expect(sensors.map((s) => s.method)).toEqual(['amd-smi-power', 'amd-smi-power']);
    expect((await sensors[0]!.read()).powerW).toBe(300);
  });
});

describe('rocm-smi', () => {
  it('parses both power key spellings and the accumulated-energy counter', () => {
    const m = parseRocmSmi(
      JSON.stringify({
        card0: { 'Average Graphics Package Power (W)': '35.0', 'Accumulated Energy (uJ)': '1500000.0' },
        card1: { 'Current Socket Graphics Package Power (W)': 'N/A' },
        system: { 'Driver version': '6.7.0' },
      }),
    );
    expect(m.get('0')).toEqual({ powerW: 35, energyJ: 1.5 });
    expect(m.get('1')).toEqual({ powerW: undefined, energyJ: undefined });
    expect(m.has('system')).toBe(false);
  });

  it('uses the counter where a card has one and power elsewhere', async () => {
    const ctx = context({ bins: [bin('rocm')], env: { FAKE_START_FILE: join(tempDir(), 'start') } });
    const [card0, card1] = await new RocmSmiSource().discover(ctx);
    expect([card0!.method, card1!.method]).toEqual(['rocm-smi-energy-counter', 'rocm-smi-power']);
    expect((await card1!.read()).powerW).toBe(450);
    expectPower(await measuredPower(card0!), 200);
  });
});
