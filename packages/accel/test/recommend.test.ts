import { beforeAll, describe, expect, it } from 'vitest';
import type { IntensityPoint } from '@verdant/core';
import { thrown } from '@verdant/core/testing';
import { TraceProvider, loadTrace, shippedTracePath } from '@verdant/grid';
import { deviceById, dominates, estimateOnDevice, isExclusion, paretoFront, recommend, recommendFromProvider, regionZone, type Offer, type Plan } from '../src/index.js';

const H = 3600;
const T0 = Date.UTC(2023, 5, 1, 0) / 1000; // 2023-06-01T00:00Z: night in Spain, solar by midday
const series: Record<string, IntensityPoint[]> = {};
let provider: TraceProvider;

beforeAll(async () => {
  const traces = await Promise.all(['ES', 'US-CAL-CISO'].map((z) => loadTrace(shippedTracePath(z, 2023))));
  for (const t of traces) series[t.zone] = t.points;
  provider = new TraceProvider(traces, { clock: () => Date.UTC(2024, 0, 1) / 1000 });
});

function offer(o: Partial<Offer> & Pick<Offer, 'provider' | 'instanceType' | 'region' | 'deviceId' | 'deviceCount' | 'onDemandUsdPerH'>): Offer {
  return { availabilityZone: null, vcpus: null, memoryBytes: null, spotUsdPerH: null, gridZone: regionZone(o.provider, o.region), source: 'test', retrievedAt: T0, illustrative: false, ...o };
}

const OFFERS: Offer[] = [
  offer({ provider: 'aws', instanceType: 'p5.48xlarge', region: 'eu-south-2', deviceId: 'h100-sxm', deviceCount: 8, onDemandUsdPerH: 98 }),
  offer({ provider: 'aws', instanceType: 'p5.48xlarge', region: 'us-west-1', deviceId: 'h100-sxm', deviceCount: 8, onDemandUsdPerH: 90 }),
  offer({ provider: 'aws', instanceType: 'p4d.24xlarge', region: 'us-west-1', deviceId: 'a100-40gb', deviceCount: 8, onDemandUsdPerH: 33 }),
  offer({ provider: 'azure', instanceType: 'ND96isr_MI300X_v5', region: 'spaincentral', deviceId: 'mi300x', deviceCount: 8, onDemandUsdPerH: 96 }),
  offer({ provider: 'aws', instanceType: 'g6.xlarge', region: 'eu-south-2', deviceId: 'l4', deviceCount: 1, onDemandUsdPerH: 0.8 }),
  offer({ provider: 'aws', instanceType: 'g5.xlarge', region: 'eu-south-2', deviceId: 'a10g', deviceCount: 1, onDemandUsdPerH: 1 }),
  offer({ provider: 'intel', instanceType: 'gaudi3-8x', region: 'us-region-2', deviceId: 'gaudi3', deviceCount: 8, onDemandUsdPerH: 80 }),
];

/** Emissions of a flat power over [from, to) against an hourly trace, integrated without the library. */
function flatG(zone: string, from: number, to: number, powerW: number): number {
  let g = 0;
  for (const p of series[zone]!) {
    const overlap = Math.min(to, p.t + p.resolutionS) - Math.max(from, p.t);
    if (overlap > 0) g += ((overlap * powerW) / 3.6e6) * p.gPerKwh;
  }
  return g;
}

const objectives = (p: Plan): number[] => [p.costUsd, p.emissionsG, p.finishS];

describe('the model', () => {
  it('time is 6·N·D ÷ (count × peak × utilization × scaling), energy is power × time, every figure sourced', () => {
    const h100 = deviceById('H100');
    const e = estimateOnDevice({ paramsTotal: 7e9, tokens: 2e12 }, h100, 64);
    if (isExclusion(e)) throw new Error(e.reason);
    const scaling = 0.97 ** 6;
    expect(e.durationS).toBeCloseTo((6 * 7e9 * 2e12) / (64 * 989.5e12 * 0.4 * scaling), 3);
    expect(e.figures.peakFlops).toMatchObject({ value: 989.5e12, provenance: 'spec', source: h100.sourceUrl });
    expect(e.figures.utilization.provenance).toBe('default');
    const deviceW = 140 + (700 - 140) * 0.4;
    expect(e.figures.devicePowerW.value).toBeCloseTo(deviceW, 6);
    expect(e.energyJ).toBeCloseTo(64 * deviceW * 1.2 * 1.2 * e.durationS, 0);
  });

  it('excludes a device count that cannot hold the model, and a device without figures, each with the reason', () => {
    const one = estimateOnDevice({ paramsTotal: 7e9, tokens: 1e9 }, deviceById('h100'), 1);
    expect(isExclusion(one) && one.reason).toMatch(/needs 134 GB .*1 × 80 GB = 80 GB cannot hold it/);
    const a10g = estimateOnDevice({ paramsTotal: 1e8, tokens: 1e9 }, deviceById('a10g'), 1);
    expect(isExclusion(a10g) && a10g.reason).toMatch(/no dense bf16 peak in the catalog/);
  });

  it('a measured throughput on a reference device sets the utilization for every device, said so', () => {
    const e = estimateOnDevice({ paramsTotal: 7e9, tokens: 1e12, measured: { tokensPerS: 3000, deviceId: 'h100', count: 1 } }, deviceById('mi300x'), 8, [], deviceById('h100'));
    if (isExclusion(e)) throw new Error(e.reason);
    expect(e.figures.utilization.provenance).toBe('measured');
    expect(e.figures.utilization.value).toBeCloseTo((6 * 7e9 * 3000) / 989.5e12, 6);
  });

  it('rejects bad input naming the field', () => {
    expect(thrown(() => estimateOnDevice({ paramsTotal: -1, tokens: 1 }, deviceById('h100'), 1)).field).toBe('paramsTotal');
    expect(thrown(() => estimateOnDevice({ paramsTotal: 1e9, tokens: 1e9, precision: 'fp4' as never }, deviceById('h100'), 1)).field).toBe('precision');
  });
});

describe('the Pareto front', () => {
  it('keeps exactly the non-dominated points (against a brute-force check)', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const n = 400;
    const a = Array.from({ length: n }, () => Math.round(rnd() * 20));
    const b = Array.from({ length: n }, () => Math.round(rnd() * 20));
    const c = Array.from({ length: n }, () => Math.round(rnd() * 20));
    const front = new Set(paretoFront(a, b, c));
    for (let i = 0; i < n; i++) {
      const dominated = a.some((_, j) => dominates([a[j]!, b[j]!, c[j]!], [a[i]!, b[i]!, c[i]!]));
      const duplicateEarlier = [...front].some((j) => j !== i && a[j] === a[i] && b[j] === b[i] && c[j] === c[i]);
      if (dominated) expect(front.has(i)).toBe(false);
      else if (!duplicateEarlier) expect(front.has(i)).toBe(true);
    }
  });
});

describe('recommend', () => {
  it('7B on 2T tokens within 14 days: a front with no dominated point, exclusions with reasons, the table of six', async () => {
    const r = await recommendFromProvider({ job: { paramsTotal: 7e9, tokens: 2e12 }, earliestStart: T0, deadline: T0 + 14 * 86400 }, { offers: OFFERS, provider });
    expect(r.front.length).toBeGreaterThan(1);
    for (const p of r.front) for (const q of r.front) expect(dominates(objectives(p), objectives(q))).toBe(false);
    expect(r.front.every((p) => p.end <= T0 + 14 * 86400)).toBe(true);
    expect(r.alternatives).toHaveLength(5);
    expect(r.front.map((p) => p.emissionsG)).toContain(r.chosen.emissionsG);
    // carbon is the default objective: nothing on the front is cleaner than the chosen plan
    expect(Math.min(...r.front.map((p) => p.emissionsG))).toBe(r.chosen.emissionsG);
    const reasons = r.excluded.map((e) => `${e.what}: ${e.reason}`);
    expect(reasons.some((x) => /^1 × l4: needs 134 GB/.test(x))).toBe(true);
    expect(reasons.some((x) => /^a10g: no dense bf16 peak/.test(x))).toBe(true);
    expect(reasons.some((x) => /intel gaudi3-8x us-region-2: region intel:us-region-2 has no grid zone/.test(x))).toBe(true);
    expect(r.chosen.figures.intensity.source).toMatch(/trace/);
    expect(r.chosen.figures.utilization.provenance).toBe('default');
    // The check: a later start is picked when its window is cleaner; the same placement from the
    // earliest start is on the front too (it finishes sooner) and emits more.
    expect(r.chosen.start).toBeGreaterThan(T0);
    const now = r.front.find((p) => p.start === T0 && p.deviceId === r.chosen.deviceId && p.count === r.chosen.count && p.region === r.chosen.region);
    expect(now!.emissionsG).toBeGreaterThan(r.chosen.emissionsG);
  });

  it('picks a later start when its window is cleaner, as an independent integral of the trace says', () => {
    // A small job (about 3 h on 8 × H100) in Spain, starting from midnight.
    const job = { paramsTotal: 1e9, tokens: 5e9 };
    const offers = [OFFERS[0]!];
    const r = recommend({ job, earliestStart: T0, deadline: T0 + 36 * H, maxDevices: 8 }, { offers, series });
    const e = estimateOnDevice(job, deviceById('h100'), 8);
    if (isExclusion(e)) throw new Error(e.reason);
    const starts = Array.from({ length: 24 }, (_, i) => T0 + i * H).filter((s) => s + e.durationS <= T0 + 36 * H);
    expect(e.durationS).toBeGreaterThan(2 * H);
    const g = starts.map((s) => flatG('ES', s, s + e.durationS, e.facilityPowerW));
    const cleanest = starts[g.indexOf(Math.min(...g))]!;
    expect(cleanest).toBeGreaterThan(T0);
    expect(r.chosen.start).toBe(cleanest);
    expect(r.chosen.emissionsG).toBeCloseTo(Math.min(...g), 6);
    expect(r.chosen.emissionsG).toBeLessThan(g[0]!);
    // Starting now stays on the front: it finishes first.
    expect(r.front.some((p) => p.start === T0)).toBe(true);
  });

  it('honours the budget, the carbon cap, and region allow and deny lists', () => {
    const req = { job: { paramsTotal: 1e9, tokens: 5e9 }, earliestStart: T0, deadline: T0 + 36 * H, maxDevices: 16 };
    const all = recommend(req, { offers: OFFERS, series });
    const onlySpain = recommend({ ...req, allowRegions: ['ES'] }, { offers: OFFERS, series });
    expect(new Set(onlySpain.front.map((p) => p.gridZone))).toEqual(new Set(['ES']));
    const noAws = recommend({ ...req, denyRegions: ['aws'] }, { offers: OFFERS, series });
    expect(noAws.front.every((p) => p.provider !== 'aws')).toBe(true);
    const cheapest = Math.min(...all.front.map((p) => p.costUsd));
    const budget = recommend({ ...req, budgetUsd: cheapest * 1.01 }, { offers: OFFERS, series });
    expect(budget.front.every((p) => p.costUsd <= cheapest * 1.01)).toBe(true);
    expect(thrown(() => recommend({ ...req, carbonCapG: 1 }, { offers: OFFERS, series })).field).toBe('deadline');
    expect(thrown(() => recommend({ ...req, deadline: T0 - 1 }, { offers: OFFERS, series })).field).toBe('deadline');
  });
});
