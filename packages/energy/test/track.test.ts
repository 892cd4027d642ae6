import { describe, expect, it } from 'vitest';
import { constantLookup } from '@verdant/core';
import { track } from '../src/measurement/track.js';
import type { EnergySensor } from '../src/sensors/sensor.js';

describe('track()', () => {
  it('measures a function, returns its result, and records failures', async () => {
    let t = 0;
    const sensor: EnergySensor = { id: 'gpu:0', kind: 'gpu', method: 'fixture', description: '', estimate: false, read: async () => ({ t, energyJ: 100 * t }) };
    const out = await track(
      async () => {
        t = 36;
        return 'done';
      },
      { name: 'fn', lookup: constantLookup(500), sensors: [sensor] },
    );
    expect(out.result).toBe('done');
    expect(out.snapshot.energyJ).toBeCloseTo(3600);
    expect(out.snapshot.emissionsG).toBeCloseTo(0.5);
    await expect(track(() => Promise.reject(new Error('boom')), { name: 'x', lookup: constantLookup(1), sensors: [sensor] })).rejects.toThrow('boom');
  });
});
