import { J_PER_KWH, isVerdantError, nowS, readZones, type RunRow, type SampleRow, type Store } from '@verdant/core';
import { summarizeRow, type RunSummary } from '@verdant/energy';
import { intensityTimeline, resolveLocation, type IntensityProvider, type TimelinePart, type TimelinePoint } from '@verdant/grid';

/** How far a start may move either way, s. */
export const WHAT_IF_WINDOW_S = 86_400;
/** Candidate starts lie this far apart, s. */
export const WHAT_IF_STEP_S = 900;
/** The power profile is summed into buckets this long, s (fine against hourly or 5-minute intensity). */
const BUCKET_S = 60;

/** A run's power profile: facility energy (sensors × PUE) in consecutive buckets from its start. */
export interface PowerProfile {
  start: number;
  bucketS: number;
  /** Facility energy of each bucket, J. */
  energyJ: number[];
}

/** Where a what-if's intensity came from: one part of one zone's timeline. */
export type WhatIfSource = TimelinePart & { zone: string };

export interface WhatIfCase {
  emissions_g: number;
  /** Baseline minus this case: what it would have saved (negative: it would have emitted more). */
  saving_g: number;
  saving_fraction: number;
}

export interface WhatIf {
  /** The run's zone and the emissions of its profile at its real start, from the same intensity data as the cases (compare like with like). */
  baseline: { zone: string; start: string; emissions_g: number } | null;
  /** The emissions the run recorded while it ran (its own intensity source), for reference. */
  recorded_emissions_g: number;
  /** The cleanest start within ±window_s (the real start kept on ties), or null when the data do not cover it. */
  cleanest_start: (WhatIfCase & { start: string; shift_s: number }) | null;
  /** The same profile at the same times in each of the user's other zones; `emissions_g` null (with a note) where data are missing. */
  zones: Array<(WhatIfCase | { emissions_g: number | null; saving_g: null; saving_fraction: null }) & { zone: string; note?: string }>;
  window_s: number;
  step_s: number;
  /** Every part of every timeline used, with its link, source, fallback flag and age. */
  sources: WhatIfSource[];
  /** What could not be judged, and why. */
  note?: string;
}

/** Sums samples (device energy) into buckets from `start`, times the run's PUE; a sample counts in the bucket of its interval's middle. */
export function powerProfile(samples: readonly Pick<SampleRow, 't' | 'dt' | 'energy_j'>[], start: number, pue: number, bucketS = BUCKET_S): PowerProfile {
  const energyJ: number[] = [];
  for (const s of samples) {
    const i = Math.max(0, Math.floor((s.t - s.dt / 2 - start) / bucketS));
    while (energyJ.length <= i) energyJ.push(0);
    energyJ[i]! += s.energy_j * pue;
  }
  return { start, bucketS, energyJ };
}

/** A step function over timeline points: the intensity in force at `t`, or undefined where no point covers it. */
function stepOf(points: readonly TimelinePoint[]): (t: number) => number | undefined {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  return (t) => {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = sorted[mid]!;
      if (t < p.t) hi = mid - 1;
      else if (t >= p.t + p.resolution_s) lo = mid + 1;
      else return p.g_per_kwh;
    }
    return undefined;
  };
}

/** The profile's emissions had it started `shiftS` later, g; undefined when some bucket has no intensity. */
export function profileEmissionsG(profile: PowerProfile, intensityAt: (t: number) => number | undefined, shiftS = 0): number | undefined {
  let g = 0;
  for (let i = 0; i < profile.energyJ.length; i++) {
    const e = profile.energyJ[i]!;
    if (e === 0) continue;
    const at = intensityAt(profile.start + shiftS + (i + 0.5) * profile.bucketS);
    if (at === undefined) return undefined;
    g += (e / J_PER_KWH) * at;
  }
  return g;
}

const caseOf = (emissionsG: number, baselineG: number): WhatIfCase => ({
  emissions_g: emissionsG,
  saving_g: baselineG - emissionsG,
  saving_fraction: baselineG > 0 ? (baselineG - emissionsG) / baselineG : 0,
});

export interface WhatIfOptions {
  provider: IntensityProvider;
  /** The user's zones to compare (default VERDANT_ZONES, else VERDANT_REGION); the run's own zone is left out. */
  zones?: readonly string[];
  windowS?: number;
  stepS?: number;
  /** "Now": history before it, forecasts after it. Default the wall clock. */
  now?: () => number;
}

/**
 * What a run would have emitted had it started at the cleanest time within ±24 h of its real start, and had it
 * run (at its real times) in each of the user's other zones: its own power profile (from its samples) against
 * the intensity history, traces and forecasts the provider holds. Every case is compared with the same profile
 * at the real start on the same data. Nothing is filled in: a start or zone whose intensity is not covered is
 * left out (or null) and the note says so; `sources` lists each part of the data used, with its provenance.
 */
export async function runWhatIf(row: RunRow, profile: PowerProfile, options: WhatIfOptions): Promise<WhatIf> {
  const windowS = options.windowS ?? WHAT_IF_WINDOW_S;
  const stepS = options.stepS ?? WHAT_IF_STEP_S;
  const now = (options.now ?? nowS)();
  const spanS = profile.energyJ.length * profile.bucketS;
  const notes: string[] = [];
  const sources: WhatIfSource[] = [];
  const base: WhatIf = { baseline: null, recorded_emissions_g: row.emissions_g, cleanest_start: null, zones: [], window_s: windowS, step_s: stepS, sources };
  if (!profile.energyJ.some((e) => e > 0)) return { ...base, note: 'the run has no measured energy yet' };

  const timeline = async (zone: string, from: number, to: number) => {
    const t = await intensityTimeline(options.provider, zone, from, to, { now: () => now });
    sources.push(...t.parts.map((p) => ({ ...p, zone })));
    return t;
  };

  // The run's own zone, over every start the window allows.
  const own = await timeline(row.zone, row.started_at - windowS, row.started_at + windowS + spanS);
  const at = stepOf(own.points);
  const baselineG = profileEmissionsG(profile, at, 0);
  let cleanest: WhatIf['cleanest_start'] = null;
  if (baselineG === undefined) {
    notes.push(`no intensity data for ${row.zone} covers the run's own time, so no start can be compared with it`);
  } else {
    let best = { shift: 0, g: baselineG };
    let uncovered = 0;
    for (let shift = -windowS; shift <= windowS; shift += stepS) {
      const g = profileEmissionsG(profile, at, shift);
      if (g === undefined) {
        uncovered++;
        continue;
      }
      if (g < best.g - 1e-9 || (Math.abs(g - best.g) <= 1e-9 && Math.abs(shift) < Math.abs(best.shift))) best = { shift, g };
    }
    if (uncovered) notes.push(`${uncovered} of ${Math.floor((2 * windowS) / stepS) + 1} candidate starts lie where no intensity data (history or forecast) for ${row.zone} exist and were left out`);
    if (own.points.length && own.points.every((p) => p.source.startsWith('static'))) notes.push(`${row.zone} has only a static yearly average here, which does not change with the hour: moving the start cannot be judged`);
    cleanest = { start: new Date((row.started_at + best.shift) * 1000).toISOString(), shift_s: best.shift, ...caseOf(best.g, baselineG) };
  }

  // The user's other zones, at the run's real times.
  const configured = options.zones ?? readZones(process.env);
  const others: string[] = [];
  for (const z of configured) {
    let zone: string;
    try {
      zone = resolveLocation(z, 'VERDANT_ZONES', (await options.provider.zones().catch(() => [])).map((x) => x.zone));
    } catch (e) {
      if (!isVerdantError(e)) throw e;
      base.zones.push({ zone: z, emissions_g: null, saving_g: null, saving_fraction: null, note: e.message });
      continue;
    }
    if (zone !== row.zone && !others.includes(zone)) others.push(zone);
  }
  for (const zone of others) {
    const t = await timeline(zone, row.started_at, row.started_at + spanS);
    const g = profileEmissionsG(profile, stepOf(t.points), 0);
    if (g === undefined) {
      base.zones.push({ zone, emissions_g: null, saving_g: null, saving_fraction: null, note: `no intensity data for ${zone} covers the run's time` });
    } else if (baselineG === undefined) {
      base.zones.push({ zone, emissions_g: g, saving_g: null, saving_fraction: null, note: `no baseline to compare with (${row.zone} not covered)` });
    } else {
      base.zones.push({ zone, ...caseOf(g, baselineG) });
    }
  }
  if (!configured.length) notes.push('no other zones configured (set VERDANT_ZONES, e.g. DE,FR,aws:eu-west-1)');

  return {
    ...base,
    baseline: baselineG === undefined ? null : { zone: row.zone, start: new Date(row.started_at * 1000).toISOString(), emissions_g: baselineG },
    cleanest_start: cleanest,
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}

/** A run's summary with its what-if, as `GET /api/runs/:id` serves it and `verdant runs show` prints it; undefined when there is no such run. */
export async function summarizeRunWithWhatIf(store: Store, runId: string, options: WhatIfOptions): Promise<(RunSummary & { what_if: WhatIf }) | undefined> {
  const row = await store.getRun(runId);
  if (!row) return undefined;
  const [summary, buckets] = await Promise.all([summarizeRow(store, row), store.energyBuckets(runId, row.started_at, BUCKET_S)]);
  const energyJ: number[] = [];
  for (const b of buckets) {
    while (energyJ.length <= b.bucket) energyJ.push(0);
    energyJ[b.bucket]! += b.energy_j * row.pue;
  }
  return { ...summary, what_if: await runWhatIf(row, { start: row.started_at, bucketS: BUCKET_S, energyJ }, options) };
}
