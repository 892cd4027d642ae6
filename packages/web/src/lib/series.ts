// Samples (one row per sensor and interval, each sensor's own times after downsampling) as aligned columns
// for uPlot: one x axis (the union of the times), power per sensor, cumulative energy and emissions, intensity.
import type { SampleRow } from './types';

export interface Aligned {
  t: number[];
  sensors: string[];
  /** Power per sensor at each t (the interval that covers t), W; 0 where the sensor has no sample. */
  power: number[][];
  /** Device energy of all sensors from the run's start to t, J. */
  cumEnergyJ: number[];
  /** Emissions of all sensors from the run's start to t, g. */
  cumEmissionsG: number[];
  /** Intensity in force at t, gCO2e/kWh (null before the first sample). */
  intensity: Array<number | null>;
}

interface Track {
  t: number[];
  power: number[];
  cumE: number[];
  cumG: number[];
  intensity: number[];
}

function tracks(samples: readonly SampleRow[], order?: readonly string[]): Map<string, Track> {
  const by = new Map<string, Track>();
  for (const id of order ?? []) by.set(id, { t: [], power: [], cumE: [], cumG: [], intensity: [] });
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const running = new Map<string, { e: number; g: number }>();
  for (const s of sorted) {
    let tr = by.get(s.sensor_id);
    if (!tr) {
      tr = { t: [], power: [], cumE: [], cumG: [], intensity: [] };
      by.set(s.sensor_id, tr);
    }
    // Rows from the server carry exact running totals; rows appended live add their interval to the last total.
    const r = running.get(s.sensor_id) ?? { e: 0, g: 0 };
    r.e = s.cum_energy_j ?? r.e + s.energy_j;
    r.g = s.cum_emissions_g ?? r.g + s.emissions_g;
    running.set(s.sensor_id, r);
    tr.t.push(s.t);
    tr.power.push(s.power_w);
    tr.cumE.push(r.e);
    tr.cumG.push(r.g);
    tr.intensity.push(s.intensity_g_per_kwh);
  }
  return by;
}

/** Index of the first element >= x in a sorted array (length when none). */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function alignSamples(samples: readonly SampleRow[], order?: readonly string[]): Aligned {
  const by = tracks(samples, order);
  const sensors = [...by.keys()];
  const set = new Set<number>();
  for (const tr of by.values()) for (const t of tr.t) set.add(t);
  const t = [...set].sort((a, b) => a - b);
  const power = sensors.map(() => new Array<number>(t.length).fill(0));
  const cumEnergyJ = new Array<number>(t.length).fill(0);
  const cumEmissionsG = new Array<number>(t.length).fill(0);
  const intensity = new Array<number | null>(t.length).fill(null);
  sensors.forEach((id, si) => {
    const tr = by.get(id)!;
    if (!tr.t.length) return;
    const last = tr.t.length - 1;
    for (let i = 0; i < t.length; i++) {
      const x = t[i]!;
      const k = lowerBound(tr.t, x);
      // Power: the interval ending at or after x covers it; none after the sensor's last sample.
      if (k <= last) power[si]![i] = tr.power[k]!;
      // Cumulative: exact at the sensor's own times, linear in between, flat after its last sample.
      let e: number;
      let g: number;
      if (k > last) {
        e = tr.cumE[last]!;
        g = tr.cumG[last]!;
      } else if (tr.t[k] === x) {
        e = tr.cumE[k]!;
        g = tr.cumG[k]!;
      } else if (k === 0) {
        e = 0; // before the sensor's first sample
        g = 0;
      } else {
        const t0 = tr.t[k - 1]!;
        const t1 = tr.t[k]!;
        const w = (x - t0) / (t1 - t0);
        e = tr.cumE[k - 1]! + w * (tr.cumE[k]! - tr.cumE[k - 1]!);
        g = tr.cumG[k - 1]! + w * (tr.cumG[k]! - tr.cumG[k - 1]!);
      }
      cumEnergyJ[i] = cumEnergyJ[i]! + e;
      cumEmissionsG[i] = cumEmissionsG[i]! + g;
      if (intensity[i] === null && k <= last) intensity[i] = tr.intensity[k]!;
    }
  });
  return { t, sensors, power, cumEnergyJ, cumEmissionsG, intensity };
}

/** Total power (all sensors) over time, for sparklines and comparisons. */
export function totalPower(samples: readonly SampleRow[]): { t: number[]; w: number[] } {
  const a = alignSamples(samples);
  return { t: a.t, w: a.t.map((_, i) => a.power.reduce((sum, p) => sum + p[i]!, 0)) };
}

/** Running stacks: stacked[i] = power[0] + ... + power[i]. */
export function stack(power: readonly number[][]): number[][] {
  const out: number[][] = [];
  power.forEach((p, i) => out.push(i === 0 ? [...p] : p.map((v, j) => v + out[i - 1]![j]!)));
  return out;
}

/**
 * Intensity points (each holding for its resolution) as a step series clipped to [from, to]: x at each
 * point's start (or `from`) and one last x at the end of the last point, for a stepped path.
 */
export function stepSeries(points: ReadonlyArray<{ t: number; resolutionS: number; value: number }>, from: number, to: number): { t: number[]; v: number[] } {
  const t: number[] = [];
  const v: number[] = [];
  let end = -Infinity;
  for (const p of [...points].sort((a, b) => a.t - b.t)) {
    const a = Math.max(p.t, from, end);
    const b = Math.min(p.t + Math.max(p.resolutionS, 0), to);
    if (!(b > a) && !(p.resolutionS <= 0 && p.t >= from && p.t <= to)) continue;
    t.push(a);
    v.push(p.value);
    end = Math.max(end, b, a);
  }
  if (t.length && end > t[t.length - 1]!) {
    t.push(end);
    v.push(v[v.length - 1]!);
  }
  return { t, v };
}

/** Several step series on one x axis (the union of their x): each holds its value until its next x, null outside. */
export function alignSteps(list: ReadonlyArray<{ t: number[]; v: number[] }>): { t: number[]; v: Array<Array<number | null>> } {
  const set = new Set<number>();
  for (const s of list) for (const x of s.t) set.add(x);
  const t = [...set].sort((a, b) => a - b);
  const v = list.map((s) =>
    t.map((x) => {
      if (!s.t.length || x < s.t[0]! || x > s.t[s.t.length - 1]!) return null;
      let k = lowerBound(s.t, x);
      if (k >= s.t.length || s.t[k]! > x) k -= 1;
      return s.v[k] ?? null;
    }),
  );
  return { t, v };
}

/** Points without a resolution: each holds until the next, the last until `to`. */
export function withResolution(points: ReadonlyArray<{ t: number; value: number }>, to: number): Array<{ t: number; resolutionS: number; value: number }> {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  return sorted.map((p, i) => ({ ...p, resolutionS: (sorted[i + 1]?.t ?? to) - p.t }));
}
