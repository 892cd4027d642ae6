import { describe, expect, it } from 'vitest';
import type { IntensityLookup } from '@verdant/core';
import { estimateRun } from '../src/estimate/estimate.js';

describe('estimateRun', () => {
  it('charges catalog power hour by hour at the intensity of each hour', () => {
    const lookup: IntensityLookup = { zone: 'Z', source: 't', at: (t) => (t < 3600 ? 100 : 400) };
    const e = estimateRun({ device: 'a100-sxm', count: 2, hours: 2, lookup, start: 0, utilization: 0.5, pue: 1.2 });
    const powerW = 400 * 2 * 0.5 * 1.2;
    expect(e.power_w).toBeCloseTo(powerW);
    expect(e.energy_j).toBeCloseTo(powerW * 7200);
    expect(e.emissions_g).toBeCloseTo(((powerW * 3600) / 3.6e6) * 100 + ((powerW * 3600) / 3.6e6) * 400);
    const fieldOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as { field?: string }).field;
      }
      return undefined;
    };
    expect(fieldOf(() => estimateRun({ device: 'tpu-v9', count: 1, hours: 1, lookup, start: 0 }))).toBe('device');
    expect(fieldOf(() => estimateRun({ device: 'h100-sxm', count: 0, hours: 1, lookup, start: 0 }))).toBe('count');
    expect(fieldOf(() => estimateRun({ device: 'h100-sxm', count: 1, hours: 0, lookup, start: 0 }))).toBe('hours');
    expect(fieldOf(() => estimateRun({ device: 'h100-sxm', count: 1, hours: 1, lookup, start: 0, utilization: 1.5 }))).toBe('utilization');
  });
});
