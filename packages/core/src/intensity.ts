/** Carbon-intensity data shared by every package (providers live in @verdant/grid). */
export type IntensitySignal = 'average' | 'marginal';

export interface IntensityPoint {
  zone: string;
  /** Start of the interval, epoch seconds. */
  t: number;
  /** Length of the interval the value covers, seconds. */
  resolutionS: number;
  /** Always gCO2e/kWh internally. */
  gPerKwh: number;
  signal: IntensitySignal;
  /** Which provider produced it: "static:tgwf-co2", "trace:<file>", "electricitymaps", "watttime", ... */
  source: string;
  /** For forecasts: when the forecast was generated (epoch seconds). */
  generatedAt?: number;
  /**
   * Whether the source says the value is its estimate rather than a measurement (Electricity Maps'
   * `isEstimated`); absent when the source does not say.
   */
  estimated?: boolean;
  /** How the source estimated it, in its own words (Electricity Maps' `estimationMethod`, e.g. "TIME_SLICER_AVERAGE"). */
  estimationMethod?: string;
}

/** What the tracker needs: the intensity in force at time t for its zone. */
export interface IntensityLookup {
  readonly zone: string;
  readonly source: string;
  at(t: number): number;
  /** Optional: the point in force at t with its metadata. */
  pointAt?(t: number): IntensityPoint;
}

/**
 * Intensity in force at t from points sorted by time (step function: a point holds for its resolution;
 * before the first point the first value holds, after the last the last value holds).
 */
export function stepLookup(points: readonly IntensityPoint[], t: number): IntensityPoint {
  if (points.length === 0) throw new Error('stepLookup: no points');
  let lo = 0;
  let hi = points.length - 1;
  if (t <= (points[0] as IntensityPoint).t) return points[0] as IntensityPoint;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((points[mid] as IntensityPoint).t <= t) lo = mid;
    else hi = mid - 1;
  }
  return points[lo] as IntensityPoint;
}

/** A constant intensity (tests, `--intensity` overrides, libraries that know their figure). */
export function constantLookup(gPerKwh: number, zone = 'custom', source = 'constant'): IntensityLookup {
  return { zone, source, at: () => gPerKwh };
}
