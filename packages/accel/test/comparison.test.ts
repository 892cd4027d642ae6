import { beforeAll, describe, expect, it } from 'vitest';
import { TraceProvider, loadTrace, shippedTracePath, type Trace } from '@verdant/grid';
import { compareRegions, markdownTable, regionComparisonTable } from '../src/index.js';

// docs/hardware.md's comparison tables: devices × zones × starts at one count, on the illustrative sample.
const JAN = Date.UTC(2023, 0, 16) / 1000;
const JUL = Date.UTC(2023, 6, 17) / 1000;
let traces: Trace[];
let provider: TraceProvider;
beforeAll(async () => {
  traces = await Promise.all(['ES', 'US-CAL-CISO'].map((z) => loadTrace(shippedTracePath(z, 2023))));
  provider = new TraceProvider(traces, { clock: () => JAN });
});

/** Emissions of a flat power over [from, to) against an hourly trace, integrated without the library. */
function flatG(zone: string, from: number, to: number, powerW: number): number {
  let g = 0;
  for (const p of traces.find((t) => t.zone === zone)!.points) {
    const overlap = Math.min(to, p.t + p.resolutionS) - Math.max(from, p.t);
    if (overlap > 0) g += ((overlap * powerW) / 3.6e6) * p.gPerKwh;
  }
  return g;
}

describe('compareRegions', () => {
  it('prices each device in the zone (else anywhere, said so), charges the zone hour by hour, and excludes a device once', async () => {
    const c = await compareRegions({ job: { paramsTotal: 7e9, tokens: 1e12 }, devices: ['h100', 'b200', 'gaudi3'], count: 256, zones: ['ES', 'US-CAL-CISO'], starts: [JAN, JUL] }, { provider });
    expect(c.sample).toBe(true);
    expect(c.warnings.join()).toMatch(/illustrative/);
    const h100 = c.rows.filter((r) => r.device.id === 'h100-sxm');
    expect(h100.map((r) => [r.zone, r.start])).toEqual([['ES', JAN], ['ES', JUL], ['US-CAL-CISO', JAN], ['US-CAL-CISO', JUL]]);
    const es = h100[0]!;
    expect(es.priceFrom).toBe('32 × aws p5.48xlarge eu-south-2');
    expect(es.instances).toBe(32);
    expect(es.usdPerDeviceHour).toBeCloseTo(98.32 / 8);
    expect(es.costUsd).toBeCloseTo((98.32 / 8) * 256 * (Math.ceil(es.estimate!.durationS / 60) * 60) / 3600);
    expect(es.emissionsG).toBeCloseTo(flatG('ES', JAN, JAN + es.estimate!.durationS, es.estimate!.facilityPowerW), 0);
    // Same energy in every zone and start; different carbon.
    expect(new Set(h100.map((r) => r.estimate!.energyJ)).size).toBe(1);
    expect(h100[0]!.emissionsG).not.toBe(h100[1]!.emissionsG);
    const gaudi = c.rows.find((r) => r.device.id === 'gaudi3' && r.zone === 'ES')!;
    expect(gaudi.priceFrom).toBe('32 × intel gaudi3-8x us-region-2 (no offer in ES)');
    const b200 = c.rows.filter((r) => r.device.id === 'b200');
    expect(b200).toHaveLength(1);
    expect(b200[0]).toMatchObject({ zone: '*', estimate: null });
    expect(b200[0]!.excluded).toMatch(/no TDP/);
    const md = markdownTable(regionComparisonTable(c), [3]);
    expect(md.split('\n')[1]).toBe('|---|---|---|---:|---|---|---|---|---|---|---|---|');
    expect(md).toMatch(/\| b200 \| \* \| \* \| 256 \| - .*excluded: no TDP in the catalog and no profile with power/);
  });

  it('charges whole instances: 9 devices of an 8-device offer pay for 2 instances, as recommend does', async () => {
    const c = await compareRegions({ job: { paramsTotal: 7e9, tokens: 1e11 }, devices: ['h100'], count: 9, zones: ['ES'], starts: [JAN] }, { provider });
    const r = c.rows[0]!;
    expect(r.instances).toBe(2);
    expect(r.priceFrom).toBe('2 × aws p5.48xlarge eu-south-2');
    expect(r.costUsd).toBeCloseTo(2 * 98.32 * (Math.ceil(r.estimate!.durationS / 60) * 60) / 3600, 6);
  });

  it('names the field of bad input', async () => {
    const req = { job: { paramsTotal: 7e9, tokens: 1e12 }, devices: ['h100'], count: 8, zones: ['ES'], starts: [JAN] };
    expect((await compareRegions({ ...req, zones: [] }, { provider }).catch((e: unknown) => e)) as { field: string }).toMatchObject({ field: 'zones' });
    expect((await compareRegions({ ...req, count: 0 }, { provider }).catch((e: unknown) => e)) as { field: string }).toMatchObject({ field: 'count' });
    expect((await compareRegions({ ...req, devices: ['h1000'] }, { provider }).catch((e: unknown) => e)) as { field: string }).toMatchObject({ field: 'devices' });
    // A zone the provider cannot answer excludes its rows with the reason.
    const c = await compareRegions({ ...req, zones: ['ES', 'NO'] }, { provider });
    expect(c.rows.find((r) => r.zone === 'NO')!.excluded).toMatch(/no intensity data for NO/);
  });
});
