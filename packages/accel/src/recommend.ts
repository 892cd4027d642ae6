import { invalidInput, toIso, type IntensityPoint } from '@verdant/core';
import { querySeries, type IntensityProvider } from '@verdant/grid';
import { intensityCurve, type StepCurve } from '@verdant/schedule';
import { deviceById, loadDevices, type Device } from './devices.js';
import { estimateOnDevice, isExclusion, checkJob, type DeviceEstimate, type JobInput } from './model.js';
import type { Offer } from './offers.js';
import { paretoFront } from './pareto.js';
import { sourced, type Sourced } from './provenance.js';
import type { Profile } from './store.js';

const H = 3600;

export type Pricing = 'on-demand' | 'spot';
/** What picks the chosen plan from the front: one objective, or weights over the three (each divided by its least value on the front). */
export type RecommendObjective = 'carbon' | 'cost' | 'time' | { cost: number; carbon: number; time: number };

export interface RecommendRequest {
  job: JobInput;
  /** Epoch seconds. */
  earliestStart: number;
  /** Latest finish, epoch seconds. */
  deadline: number;
  /** Start times tried: earliest, earliest + step, …; default 3600 s. */
  startStepS?: number;
  /** At most this many start times; default 24. */
  maxStarts?: number;
  /** Largest device count tried (counts are the offer's devices per instance × 1, 2, 4, …); default 1024. */
  maxDevices?: number;
  /** Default on-demand. */
  pricing?: Pricing;
  /** Billed time is the run rounded up to this; default 60 s. */
  billingGranularityS?: number;
  budgetUsd?: number;
  carbonCapG?: number;
  /** Regions to keep / drop: "aws:us-east-1", "us-east-1", "aws" or a grid zone ("SE-SE3"). */
  allowRegions?: string[];
  denyRegions?: string[];
  /** Preferred regions, best first: break near-ties (within 1 %) of the chosen plan. */
  preferRegions?: string[];
  /** Only these devices (ids or aliases). */
  devices?: string[];
  /** Default 'carbon' (as the planner's), within the deadline, budget and cap. */
  objective?: RecommendObjective;
}

export interface RecommendInputs {
  offers: readonly Offer[];
  /** Intensity series per grid zone covering [earliestStart, deadline]. */
  series: Readonly<Record<string, readonly IntensityPoint[]>>;
  /** Where the series came from, per zone (shown with the figures). */
  seriesSource?: Readonly<Record<string, string>>;
  /** Why a zone has no series (the provider's error), per zone. */
  seriesErrors?: Readonly<Record<string, string>>;
  profiles?: readonly Profile[];
  deviceCatalog?: Device[];
}

/** One placement: device × count × offer × start, with its cost, carbon, energy and time, every input sourced. */
export interface Plan {
  deviceId: string;
  deviceName: string;
  deviceMemoryBytes: number | null;
  count: number;
  instances: number;
  provider: string;
  instanceType: string;
  region: string;
  gridZone: string;
  pricing: Pricing;
  start: number;
  end: number;
  durationS: number;
  billedS: number;
  /** Wait plus run, from the earliest start. */
  finishS: number;
  usdPerDeviceHour: number;
  /** Price of one PFLOP/s (dense peak) for an hour. */
  usdPerPflopHour: number | null;
  costUsd: number;
  energyJ: number;
  emissionsG: number;
  meanIntensityGPerKwh: number;
  onFront: boolean;
  figures: DeviceEstimate['figures'] & { priceUsdPerH: Sourced; intensity: Sourced };
}

export interface Excluded {
  /** A device × count, or an offer ("aws p5.48xlarge us-east-1"). */
  what: string;
  deviceId: string;
  count?: number;
  reason: string;
}

export interface Recommendation {
  chosen: Plan;
  /** The five plans nearest the chosen one (on the front first). */
  alternatives: Plan[];
  /** Every non-dominated plan, by cost. */
  front: Plan[];
  excluded: Excluded[];
  /** Placements evaluated (device × count × offer × start). */
  candidates: number;
  warnings: string[];
}

const matches = (o: Offer, token: string): boolean => {
  const t = token.toLowerCase();
  return t === `${o.provider}:${o.region}`.toLowerCase() || t === o.region.toLowerCase() || t === o.provider.toLowerCase() || (o.gridZone !== null && t === o.gridZone.toLowerCase());
};

/** Checks the request's fields before any work. */
function checkRequest(req: RecommendRequest): void {
  checkJob(req.job);
  if (!Number.isFinite(req.earliestStart)) throw invalidInput('earliestStart', 'must be a time', 'give a start time');
  if (!Number.isFinite(req.deadline) || req.deadline <= req.earliestStart) throw invalidInput('deadline', `must be after the earliest start (${toIso(req.earliestStart)})`, 'give a later deadline, e.g. 14d');
  for (const [f, v] of [['startStepS', req.startStepS], ['maxStarts', req.maxStarts], ['maxDevices', req.maxDevices], ['billingGranularityS', req.billingGranularityS], ['budgetUsd', req.budgetUsd], ['carbonCapG', req.carbonCapG]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw invalidInput(f, `must be a positive number, got ${v}`);
  }
  if (req.pricing !== undefined && req.pricing !== 'on-demand' && req.pricing !== 'spot') throw invalidInput('pricing', `must be on-demand or spot, got "${req.pricing}"`);
  const o = req.objective;
  if (o !== undefined && typeof o === 'string' && !['carbon', 'cost', 'time'].includes(o)) throw invalidInput('objective', `unknown objective "${o}"`, 'use carbon, cost or time');
}

/**
 * The Pareto front over cost, carbon and time (to finish, from the earliest start) across device × count ×
 * offer × start within the deadline, budget, carbon cap and region lists; the chosen plan by the objective
 * and its five nearest alternatives. Pure: intensity comes in as series per zone (see recommendFromProvider).
 */
export function recommend(req: RecommendRequest, inputs: RecommendInputs): Recommendation {
  checkRequest(req);
  const catalog = inputs.deviceCatalog ?? loadDevices();
  const profiles = inputs.profiles ?? [];
  const pricing = req.pricing ?? 'on-demand';
  const step = req.startStepS ?? H;
  const maxStarts = Math.floor(req.maxStarts ?? 24);
  const maxDevices = req.maxDevices ?? 1024;
  const gran = req.billingGranularityS ?? 60;
  const only = req.devices?.map((d) => deviceById(d, 'devices', catalog).id);
  const reference = req.job.measured ? deviceById(req.job.measured.deviceId, 'measured.deviceId', catalog) : undefined;
  const byId = new Map(catalog.map((d) => [d.id, d]));
  const excluded = new Map<string, Excluded>();
  const exclude = (e: Excluded): void => {
    excluded.set(`${e.what}\u0000${e.reason}`, e);
  };
  const curves = new Map<string, StepCurve>();
  const curveFor = (zone: string): StepCurve | undefined => {
    if (!curves.has(zone)) {
      const pts = inputs.series[zone];
      if (pts && pts.length) curves.set(zone, intensityCurve(pts, `series.${zone}`));
    }
    return curves.get(zone);
  };
  const estimates = new Map<string, DeviceEstimate | null>();

  // Candidates as columns: the front is found over typed arrays, plans are built for the few that are shown.
  const cOffer: number[] = [];
  const cEst: DeviceEstimate[] = [];
  const cStart: number[] = [];
  const cost: number[] = [];
  const carbon: number[] = [];
  const finish: number[] = [];
  const offers = inputs.offers;
  for (let oi = 0; oi < offers.length; oi++) {
    const o = offers[oi]!;
    const label = `${o.provider} ${o.instanceType} ${o.region}`;
    if (only && !only.includes(o.deviceId)) continue;
    if (req.allowRegions?.length && !req.allowRegions.some((t) => matches(o, t))) continue;
    if (req.denyRegions?.some((t) => matches(o, t))) continue;
    const device = byId.get(o.deviceId);
    if (!device) {
      exclude({ what: label, deviceId: o.deviceId, reason: `device ${o.deviceId} is not in the catalog` });
      continue;
    }
    const price = pricing === 'spot' ? o.spotUsdPerH : o.onDemandUsdPerH;
    if (price === null) {
      exclude({ what: label, deviceId: o.deviceId, reason: `no ${pricing} price` });
      continue;
    }
    if (o.gridZone === null) {
      exclude({ what: label, deviceId: o.deviceId, reason: `region ${o.provider}:${o.region} has no grid zone in grid's cloud-region table, so its carbon is unknown` });
      continue;
    }
    const curve = curveFor(o.gridZone);
    if (!curve) {
      exclude({ what: label, deviceId: o.deviceId, reason: `no intensity data for ${o.gridZone}${inputs.seriesErrors?.[o.gridZone] ? `: ${inputs.seriesErrors[o.gridZone]}` : ''}` });
      continue;
    }
    for (let count = o.deviceCount; count <= maxDevices; count *= 2) {
      const key = `${device.id}\u0000${count}`;
      let est = estimates.get(key);
      if (est === undefined) {
        const e = estimateOnDevice(req.job, device, count, profiles, reference);
        est = isExclusion(e) ? null : e;
        if (isExclusion(e)) exclude(e.kind === 'memory' ? { what: `${count} × ${device.id}`, deviceId: device.id, count, reason: e.reason } : { what: device.id, deviceId: device.id, reason: e.reason });
        estimates.set(key, est);
      }
      if (!est) continue;
      const instances = count / o.deviceCount;
      const billedS = Math.ceil(est.durationS / gran) * gran;
      const usd = price * instances * (billedS / H);
      let fitted = false;
      for (let s = 0; s < maxStarts; s++) {
        const start = req.earliestStart + s * step;
        const end = start + est.durationS;
        if (end > req.deadline) break;
        fitted = true;
        if (start < curve.t0 || end > curve.end) {
          exclude({ what: label, deviceId: device.id, count, reason: `intensity data for ${o.gridZone} covers ${toIso(curve.t0)} to ${toIso(curve.end)}, not the whole run` });
          continue;
        }
        const g = (est.facilityPowerW * curve.integral(start, end)) / 3.6e6;
        if (req.budgetUsd !== undefined && usd > req.budgetUsd) continue;
        if (req.carbonCapG !== undefined && g > req.carbonCapG) continue;
        cOffer.push(oi);
        cEst.push(est);
        cStart.push(start);
        cost.push(usd);
        carbon.push(g);
        finish.push(end - req.earliestStart);
      }
      if (!fitted && count * 2 > maxDevices) {
        exclude({ what: `${count} × ${device.id}`, deviceId: device.id, count, reason: `${(est.durationS / H).toFixed(0)} h on ${count} devices (the most tried) does not finish by the deadline` });
      }
    }
  }
  if (cost.length === 0) {
    const why = [...excluded.values()].slice(0, 5).map((e) => `${e.what}: ${e.reason}`).join('; ');
    throw invalidInput('deadline', `no plan fits the deadline, budget, carbon cap and regions${why ? ` (${why})` : ''}`, 'allow a later deadline, more devices (maxDevices), a larger budget or cap, or more regions');
  }
  const frontIdx = paretoFront(cost, carbon, finish);
  const onFront = new Set(frontIdx);
  const build = (i: number): Plan => {
    const o = offers[cOffer[i]!]!;
    const est = cEst[i]!;
    const d = byId.get(o.deviceId)!;
    const price = (pricing === 'spot' ? o.spotUsdPerH : o.onDemandUsdPerH)!;
    const instances = est.count / o.deviceCount;
    const peak = d.densePeakFlops[est.precision];
    const start = cStart[i]!;
    const kwh = est.energyJ / 3.6e6;
    return {
      deviceId: d.id,
      deviceName: d.name,
      deviceMemoryBytes: d.memoryBytes,
      count: est.count,
      instances,
      provider: o.provider,
      instanceType: o.instanceType,
      region: o.region,
      gridZone: o.gridZone!,
      pricing,
      start,
      end: start + est.durationS,
      durationS: est.durationS,
      billedS: Math.ceil(est.durationS / gran) * gran,
      finishS: finish[i]!,
      usdPerDeviceHour: price / o.deviceCount,
      usdPerPflopHour: peak ? price / o.deviceCount / (peak / 1e15) : null,
      costUsd: cost[i]!,
      energyJ: est.energyJ,
      emissionsG: carbon[i]!,
      meanIntensityGPerKwh: kwh > 0 ? carbon[i]! / kwh : 0,
      onFront: onFront.has(i),
      figures: {
        ...est.figures,
        priceUsdPerH: sourced(price, o.illustrative ? 'default' : 'published', `${o.source}, retrieved ${toIso(o.retrievedAt).slice(0, 10)}${o.illustrative ? ' (illustrative sample)' : ''}`),
        intensity: sourced(kwh > 0 ? carbon[i]! / kwh : 0, 'published', inputs.seriesSource?.[o.gridZone!] ?? `intensity series for ${o.gridZone}`),
      },
    };
  };
  // The chosen plan: least score on the front; near-ties (1 %) go to the most preferred region.
  const weights = objectiveWeights(req.objective ?? 'carbon');
  const mins = [Math.min(...frontIdx.map((i) => cost[i]!)), Math.min(...frontIdx.map((i) => carbon[i]!)), Math.min(...frontIdx.map((i) => finish[i]!))];
  const norm = (i: number): [number, number, number] => [cost[i]! / (mins[0]! || 1), carbon[i]! / (mins[1]! || 1), finish[i]! / (mins[2]! || 1)];
  const score = (i: number): number => {
    const n = norm(i);
    return weights[0] * n[0] + weights[1] * n[1] + weights[2] * n[2] + 1e-9 * (n[0] + n[1] + n[2]);
  };
  const prefRank = (i: number): number => {
    const o = offers[cOffer[i]!]!;
    const r = (req.preferRegions ?? []).findIndex((t) => matches(o, t));
    return r < 0 ? Infinity : r;
  };
  let best = frontIdx[0]!;
  for (const i of frontIdx) if (score(i) < score(best)) best = i;
  const bestScore = score(best);
  for (const i of frontIdx) if (score(i) <= bestScore * 1.01 && prefRank(i) < prefRank(best)) best = i;
  const nb = norm(best);
  const dist = (i: number): number => norm(i).reduce((s, v, k) => s + Math.log(v / nb[k]!) ** 2, 0);
  const others = frontIdx.filter((i) => i !== best).sort((i, j) => dist(i) - dist(j));
  let alternatives = others.slice(0, 5);
  if (alternatives.length < 5) {
    const rest: number[] = [];
    for (let i = 0; i < cost.length; i++) if (!onFront.has(i)) rest.push(i);
    rest.sort((i, j) => dist(i) - dist(j));
    alternatives = [...alternatives, ...rest.slice(0, 5 - alternatives.length)];
  }
  const warnings: string[] = [];
  if (offers.some((o) => o.illustrative)) warnings.push('prices include the shipped illustrative sample, not a price list: import a fresh catalog');
  return {
    chosen: build(best),
    alternatives: alternatives.map(build),
    front: frontIdx.sort((i, j) => cost[i]! - cost[j]!).map(build),
    excluded: [...excluded.values()],
    candidates: cost.length,
    warnings,
  };
}

function objectiveWeights(o: RecommendObjective): [number, number, number] {
  if (o === 'cost') return [1, 0, 0];
  if (o === 'carbon') return [0, 1, 0];
  if (o === 'time') return [0, 0, 1];
  for (const k of ['cost', 'carbon', 'time'] as const) if (!(o[k] >= 0)) throw invalidInput(`objective.${k}`, `weight must be ≥ 0, got ${o[k]}`);
  return [o.cost, o.carbon, o.time];
}

export interface RecommendFromProviderOptions extends Omit<RecommendInputs, 'series' | 'seriesSource'> {
  provider: IntensityProvider;
  now?: () => number;
}

/** `recommend` with each offer zone's intensity over [earliestStart, deadline] from a provider (a trace, a forecast). */
export async function recommendFromProvider(req: RecommendRequest, opts: RecommendFromProviderOptions): Promise<Recommendation> {
  checkRequest(req);
  const zones = [...new Set(opts.offers.map((o) => o.gridZone).filter((z): z is string => z !== null))];
  const series: Record<string, IntensityPoint[]> = {};
  const seriesSource: Record<string, string> = {};
  const seriesErrors: Record<string, string> = {};
  await Promise.all(
    zones.map(async (zone) => {
      try {
        const a = await querySeries(opts.provider, zone, req.earliestStart, req.deadline, opts.now ? { now: opts.now } : {});
        series[zone] = a.points;
        seriesSource[zone] = `${a.provider}${a.link ? ` (${a.link})` : ''}`;
      } catch (e) {
        // A zone the provider cannot answer is excluded with the reason, not fatal for the other zones.
        seriesErrors[zone] = e instanceof Error ? e.message : String(e);
      }
    }),
  );
  return recommend(req, { ...opts, series, seriesSource, seriesErrors });
}
