import { describe, expect, it } from 'vitest';
import type { IntensityLookup } from '@verdant/core';
import { predict } from '../src/measurement/predict.js';

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
