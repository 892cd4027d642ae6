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

/** Validates an intensity series (non-empty, sorted, no gaps; steps of any whole-second lengths) and builds its curve. */
export function intensityCurve(points: readonly IntensityPoint[], field = 'series'): StepCurve {
  if (points.length === 0) {
    throw invalidInput(field, 'the intensity series is empty', 'load a trace, fetch a forecast, or widen the time range');
  }
  return regularCurve(points.map((p) => ({ t: p.t, resolutionS: p.resolutionS, value: p.gPerKwh })), field);
}

/** A resampled series may hold at most this many steps (e.g. 100+ years of days, 2+ years of minutes). */
const MAX_CURVE_STEPS = 2_000_000;

/**
 * Validates a step series (sorted, contiguous, finite non-negative values) and builds its curve. Steps of
 * different lengths are allowed: calendar years of 365 and 366 days (static yearly averages across a New Year),
 * a trace whose missing hours were merged into longer points, a forecast that coarsens. They are put on one grid
 * whose step is the greatest common divisor of the lengths, which is exact for a step function: every
 * integral, and so every plan, is the same as on the original steps.
 */
export function regularCurve(points: readonly { t: number; resolutionS: number; value: number }[], field: string): StepCurve {
  const first = points[0]!;
  let uniform = true;
  let end = first.t;
  for (const p of points) {
    if (!(p.resolutionS > 0) || !Number.isFinite(p.resolutionS)) throw invalidInput(field, `resolution must be a positive number of seconds, got ${p.resolutionS} at ${toIso(p.t)}`);
    if (Math.abs(p.t - end) > 1e-6) {
      throw invalidInput(field, `not contiguous at ${toIso(p.t)} (the step before ends at ${toIso(end)})`, 'sort the points and fill gaps, e.g. with a forecast');
    }
    if (!Number.isFinite(p.value) || p.value < 0) {
      throw invalidInput(field, `value at ${toIso(p.t)} must be a finite non-negative number, got ${p.value}`);
    }
    if (p.resolutionS !== first.resolutionS) uniform = false;
    end = p.t + p.resolutionS;
  }
  if (uniform) return new StepCurve(first.t, first.resolutionS, Float64Array.from(points, (p) => p.value));
  const step = commonStep(points.map((p) => p.resolutionS));
  const n = step === undefined ? Infinity : Math.round((end - first.t) / step);
  if (step === undefined || n > MAX_CURVE_STEPS) {
    const other = points.find((p) => p.resolutionS !== first.resolutionS)!;
    throw invalidInput(
      field,
      `mixed resolutions (${first.resolutionS}s and ${other.resolutionS}s at ${toIso(other.t)}) with no common step of a whole number of seconds that fits ${MAX_CURVE_STEPS} steps`,
      'resample the series to one resolution',
    );
  }
  const values = new Float64Array(n);
  let i = 0;
  for (const p of points) {
    const k = Math.round(p.resolutionS / step);
    values.fill(p.value, i, i + k);
    i += k;
  }
  return new StepCurve(first.t, step, values);
}

/** Greatest common divisor of step lengths given in whole seconds; undefined when one is not whole. */
function commonStep(lengths: readonly number[]): number | undefined {
  let g = 0;
  for (const len of new Set(lengths)) {
    const r = Math.round(len);
    if (Math.abs(len - r) > 1e-6 || r < 1) return undefined;
    let a = g;
    let b = r;
    while (b) [a, b] = [b, a % b];
    g = a;
  }
  return g;
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
