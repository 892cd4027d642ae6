import { invalidInput, toIso, type IntensityPoint } from '@verdant/core';

/**
 * A fixed-resolution step series with prefix integrals, so the integral over any interval costs O(1).
 * Values hold over [t0 + i*res, t0 + (i+1)*res).
 */
export class StepCurve {
  readonly t0: number;
  readonly res: number;
  readonly values: Float64Array;
  /** prefix[i] = integral from t0 to t0 + i*res. */
  private readonly prefix: Float64Array;

  constructor(t0: number, res: number, values: Float64Array) {
    this.t0 = t0;
    this.res = res;
    this.values = values;
    this.prefix = new Float64Array(values.length + 1);
    for (let i = 0; i < values.length; i++) this.prefix[i + 1] = this.prefix[i]! + values[i]! * res;
  }

  get length(): number {
    return this.values.length;
  }

  get end(): number {
    return this.t0 + this.values.length * this.res;
  }

  /** Integral from t0 to t (t within [t0, end]). */
  cumulative(t: number): number {
    const x = (t - this.t0) / this.res;
    let i = Math.floor(x);
    if (i >= this.values.length) i = this.values.length - 1;
    if (i < 0) i = 0;
    return this.prefix[i]! + this.values[i]! * (t - this.t0 - i * this.res);
  }

  /** Integral of the series over [a, b]. */
  integral(a: number, b: number): number {
    return this.cumulative(b) - this.cumulative(a);
  }

  /** Mean value over [a, b]. */
  mean(a: number, b: number): number {
    return b > a ? this.integral(a, b) / (b - a) : this.valueAt(a);
  }

  valueAt(t: number): number {
    const i = Math.min(this.values.length - 1, Math.max(0, Math.floor((t - this.t0) / this.res)));
    return this.values[i]!;
  }

  /** Same grid, values mapped. */
  map(fn: (v: number, i: number) => number): StepCurve {
    return new StepCurve(this.t0, this.res, this.values.map(fn));
  }
}

/** Validates an intensity series (non-empty, sorted, one resolution, no gaps) and builds its curve. */
export function intensityCurve(points: readonly IntensityPoint[], field = 'series'): StepCurve {
  if (points.length === 0) {
    throw invalidInput(field, 'the intensity series is empty', 'load a trace, fetch a forecast, or widen the time range');
  }
  return regularCurve(points.map((p) => ({ t: p.t, resolutionS: p.resolutionS, value: p.gPerKwh })), field);
}

export function regularCurve(points: readonly { t: number; resolutionS: number; value: number }[], field: string): StepCurve {
  const first = points[0]!;
  const res = first.resolutionS;
  if (!(res > 0)) throw invalidInput(field, `resolution must be positive, got ${res}`);
  const values = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (p.resolutionS !== res) {
      throw invalidInput(field, `mixed resolutions (${res}s and ${p.resolutionS}s at ${toIso(p.t)})`, 'resample the series to one resolution');
    }
    if (Math.abs(p.t - (first.t + i * res)) > 1e-6) {
      throw invalidInput(field, `the series is not contiguous at ${toIso(p.t)} (expected ${toIso(first.t + i * res)})`, 'sort the points and fill gaps, e.g. with a forecast');
    }
    if (!Number.isFinite(p.value) || p.value < 0) {
      throw invalidInput(field, `value at ${toIso(p.t)} must be a finite non-negative number, got ${p.value}`);
    }
    values[i] = p.value;
  }
  return new StepCurve(first.t, res, values);
}

/** Fails unless the curve covers [from, to]. */
export function requireCoverage(curve: StepCurve, from: number, to: number, field = 'series'): void {
  if (from < curve.t0 - 1e-6 || to > curve.end + 1e-6) {
    throw invalidInput(
      field,
      `the series covers ${toIso(curve.t0)} to ${toIso(curve.end)} but the job's window is ${toIso(from)} to ${toIso(to)}`,
      'use a series (trace or forecast) that covers the window, or move the deadline earlier',
    );
  }
}
