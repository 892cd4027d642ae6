import type { IntensityPoint } from '@verdant/core';

export function series(values: readonly number[], t0 = 1_700_000_000, res = 3600, zone = 'TEST'): IntensityPoint[] {
  return values.map((v, i) => ({ zone, t: t0 + i * res, resolutionS: res, gPerKwh: v, signal: 'average', source: 'test' }));
}

/** Integral of a step series over [a, b] by walking every slot (independent of the planner's prefix sums). */
export function slowIntegral(points: readonly IntensityPoint[], a: number, b: number): number {
  let sum = 0;
  for (const p of points) {
    const lo = Math.max(a, p.t);
    const hi = Math.min(b, p.t + p.resolutionS);
    if (hi > lo) sum += p.gPerKwh * (hi - lo);
  }
  return sum;
}
