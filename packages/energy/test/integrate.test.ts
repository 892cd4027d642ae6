import { describe, expect, it } from 'vitest';
import { SensorIntegrator } from '../src/measurement/integrate.js';

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
