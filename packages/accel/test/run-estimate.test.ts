import { describe, expect, it } from 'vitest';
import type { IntensityLookup } from '@verdant/core';
import { thrown } from '@verdant/core/testing';
import { deviceById, estimateRunWith, powerProfile, type Profile } from '../src/index.js';

// `verdant estimate` on the accel catalog: power from TDP and idle, or from the best profile with a power.
const lookup: IntensityLookup = { zone: 'Z', source: 't', at: (t) => (t < 3600 ? 100 : 400) };
const profile = (p: Partial<Profile> & Pick<Profile, 'provenance' | 'powerW'>): Profile => ({ id: `prof_${p.provenance}`, deviceId: 'h100-sxm', precision: 'bf16', achievedFlops: 400e12, scalingEfficiency: null, source: 'test', host: null, recordedAt: 0, ...p });

describe('estimateRunWith', () => {
  it('charges idle + (TDP − idle) × utilization hour by hour at the intensity of each hour, resolving aliases', () => {
    const e = estimateRunWith({ device: 'H100', count: 2, hours: 2, lookup, start: 0, utilization: 0.5, pue: 1.2 });
    expect(e.device.id).toBe('h100-sxm');
    const tdp = deviceById('h100-sxm').tdpW!;
    const per = 0.2 * tdp + (tdp - 0.2 * tdp) * 0.5;
    expect(e.devicePowerW).toMatchObject({ value: per, provenance: 'input' });
    const powerW = per * 2 * 1.2;
    expect(e.powerW).toBeCloseTo(powerW);
    expect(e.energyJ).toBeCloseTo(powerW * 7200);
    expect(e.emissionsG).toBeCloseTo((powerW * 3600 / 3.6e6) * 100 + (powerW * 3600 / 3.6e6) * 400);
    // Without --utilization the default 0.8 is stated.
    expect(estimateRunWith({ device: 'mi300x', count: 1, hours: 1, lookup, start: 0 }).devicePowerW).toMatchObject({ value: 150 + 600 * 0.8, provenance: 'default' });
  });

  it('uses a measured profile before a published one, and a given utilization before either', () => {
    const profiles = [profile({ provenance: 'published', powerW: 600 }), profile({ provenance: 'measured', powerW: 650 })];
    expect(estimateRunWith({ device: 'h100', count: 1, hours: 1, lookup, start: 0 }, profiles).devicePowerW).toMatchObject({ value: 650, provenance: 'measured' });
    expect(estimateRunWith({ device: 'h100', count: 1, hours: 1, lookup, start: 0 }, profiles.slice(0, 1)).devicePowerW).toMatchObject({ value: 600, provenance: 'published' });
    expect(estimateRunWith({ device: 'h100', count: 1, hours: 1, lookup, start: 0, utilization: 0.5 }, profiles).devicePowerW.provenance).toBe('input');
    // A device with no TDP needs a profile with a power.
    const b200 = thrown(() => estimateRunWith({ device: 'b200', count: 1, hours: 1, lookup, start: 0 }));
    expect(b200.field).toBe('device');
    expect(b200.message).toMatch(/no TDP/);
    expect(b200.fix).toMatch(/verdant accel profile add b200/);
    expect(estimateRunWith({ device: 'b200', count: 1, hours: 1, lookup, start: 0 }, [profile({ deviceId: 'b200', provenance: 'published', powerW: 900 })]).devicePowerW.value).toBe(900);
  });

  it('picks the power profile across precisions deterministically: bf16 first, whatever the store order', () => {
    const fp32 = profile({ id: 'prof_a', provenance: 'measured', powerW: 300, precision: 'fp32', recordedAt: 200 });
    const bf16 = profile({ id: 'prof_b', provenance: 'measured', powerW: 650, precision: 'bf16', recordedAt: 100 });
    const fp8 = profile({ id: 'prof_c', provenance: 'measured', powerW: 690, precision: 'fp8', recordedAt: 200 });
    for (const order of [[fp32, bf16, fp8], [fp8, fp32, bf16], [bf16, fp8, fp32]]) {
      expect(powerProfile(order, 'h100-sxm')?.id).toBe('prof_b');
      expect(powerProfile(order.filter((p) => p !== bf16), 'h100-sxm')?.id).toBe('prof_a'); // then catalog order: fp32 before fp8
    }
    // Ties on everything but the id: the id decides, not the row order.
    const twin = { ...bf16, id: 'prof_0' };
    expect(powerProfile([bf16, twin], 'h100-sxm')?.id).toBe('prof_0');
    expect(powerProfile([twin, bf16], 'h100-sxm')?.id).toBe('prof_0');
  });

  it('names the field of bad input; an unknown device lists close names and the catalog command', () => {
    const unknown = thrown(() => estimateRunWith({ device: 'h100-sxn', count: 1, hours: 1, lookup, start: 0 }));
    expect(unknown.field).toBe('device');
    expect(unknown.fix).toMatch(/did you mean .*h100-sxm/);
    expect(unknown.fix).toMatch(/verdant accel devices/);
    expect(thrown(() => estimateRunWith({ device: 'tpu-v9', count: 1, hours: 1, lookup, start: 0 })).fix).toMatch(/verdant accel devices/);
    expect(thrown(() => estimateRunWith({ device: 'h100', count: 0, hours: 1, lookup, start: 0 })).field).toBe('count');
    expect(thrown(() => estimateRunWith({ device: 'h100', count: 1, hours: 0, lookup, start: 0 })).field).toBe('hours');
    // Longer than ten years is a unit mistake (and would loop over every hour of it).
    const long = thrown(() => estimateRunWith({ device: 'h100', count: 1, hours: 1e9, lookup, start: 0 }));
    expect(long.field).toBe('hours');
    expect(long.fix).toMatch(/hours/);
    expect(thrown(() => estimateRunWith({ device: 'h100', count: 1, hours: 1, lookup, start: 0, utilization: 1.5 })).field).toBe('utilization');
  });
});
