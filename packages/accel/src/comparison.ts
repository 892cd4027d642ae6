import { invalidInput, toIso, type Store } from '@verdant/core';
import { querySeries, type IntensityProvider } from '@verdant/grid';
import { intensityCurve } from '@verdant/schedule';
import { deviceById, type Device } from './devices.js';
import { estimateOnDevice, isExclusion, type DeviceEstimate, type JobInput } from './model.js';
import type { Offer } from './offers.js';
import type { Pricing } from './recommend.js';
import { listOffers } from './service.js';
import { storedProfiles, type Profile } from './store.js';

const H = 3600;

/**
 * Devices side by side for one job at one count, in each of several grid zones and start times: what
 * `docs/hardware.md`'s comparison tables show. Unlike `recommend` it places no offer: each device is priced at
 * its cheapest offer for the count in the zone (else anywhere, said so), as whole instances (ceil(count ÷ devices
 * per instance) × the instance price, as recommend charges), and charged the zone's intensity over
 * [start, start + time] hour by hour.
 */
export interface RegionComparisonRequest {
  job: JobInput;
  /** Device ids or aliases. */
  devices: string[];
  /** Devices of each. */
  count: number;
  /** Grid zones (ES, US-CAL-CISO …). */
  zones: string[];
  /** Start times, epoch seconds. */
  starts: number[];
  /** Default on-demand. */
  pricing?: Pricing;
  /** Billed time is the run rounded up to this; default 60 s. */
  billingGranularityS?: number;
}

export interface RegionComparisonRow {
  device: Device;
  /** The grid zone; "*" when the device is excluded whatever the zone and start. */
  zone: string;
  start: number;
  count: number;
  estimate: DeviceEstimate | null;
  /** Why the device cannot run the job here (memory, a missing figure, no price, no intensity). */
  excluded: string | null;
  emissionsG: number | null;
  /** Whole instances of the offer rented for `count` devices: ceil(count ÷ devices per instance); cost is these × the instance price. */
  instances: number | null;
  costUsd: number | null;
  usdPerDeviceHour: number | null;
  /** The offer the price is from, and whether it is in the zone. */
  priceFrom: string | null;
  intensitySource: string | null;
}

export interface RegionComparison {
  rows: RegionComparisonRow[];
  /** True when the prices are the shipped illustrative sample. */
  sample: boolean;
  warnings: string[];
}

/** Checks the request before any work; errors name the field. */
function check(req: RegionComparisonRequest): void {
  if (!req.devices.length) throw invalidInput('devices', 'give at least one device', 'e.g. h100 mi300x gaudi3');
  if (!(Number.isInteger(req.count) && req.count > 0)) throw invalidInput('count', `must be a whole number ≥ 1, got ${req.count}`);
  if (!req.zones.length) throw invalidInput('zones', 'give at least one grid zone', 'e.g. ES or US-CAL-CISO (verdant zones lists them)');
  if (!req.starts.length || req.starts.some((s) => !Number.isFinite(s))) throw invalidInput('starts', 'give at least one start time', 'e.g. 2023-06-01T00:00Z');
  if (req.pricing !== undefined && req.pricing !== 'on-demand' && req.pricing !== 'spot') throw invalidInput('pricing', `must be on-demand or spot, got "${req.pricing}"`);
}

/** Whole instances of an offer that `count` devices take (a partly used instance is paid in full, as recommend charges). */
export const instancesFor = (count: number, offer: Pick<Offer, 'deviceCount'>): number => Math.ceil(count / offer.deviceCount);

/** The offer of a device that is cheapest for `count` devices (whole instances) in a zone, else anywhere. */
function priceFor(offers: readonly Offer[], deviceId: string, count: number, zone: string, pricing: Pricing): { offer: Offer; instances: number; perHour: number; perDeviceH: number; inZone: boolean } | undefined {
  const price = (o: Offer): number | null => (pricing === 'spot' ? o.spotUsdPerH : o.onDemandUsdPerH);
  const total = (o: Offer): number => instancesFor(count, o) * price(o)!;
  const priced = offers.filter((o) => o.deviceId === deviceId && price(o) !== null).sort((a, b) => total(a) - total(b) || price(a)! / a.deviceCount - price(b)! / b.deviceCount);
  const here = priced.find((o) => o.gridZone === zone);
  const o = here ?? priced[0];
  return o ? { offer: o, instances: instancesFor(count, o), perHour: total(o), perDeviceH: price(o)! / o.deviceCount, inZone: here !== undefined } : undefined;
}

/** The comparison over the stored offers (or the illustrative sample) and profiles, with intensity from `provider`. */
export async function compareRegions(req: RegionComparisonRequest, opts: { store?: Store; provider: IntensityProvider; now?: () => number; profiles?: Profile[] }): Promise<RegionComparison> {
  check(req);
  const devices = req.devices.map((d) => deviceById(d, 'devices'));
  const pricing = req.pricing ?? 'on-demand';
  const gran = req.billingGranularityS ?? 60;
  const { offers, sample, warning } = await listOffers(opts.store, opts.now ? { now: opts.now() } : {});
  const profiles = opts.profiles ?? (opts.store ? await storedProfiles(opts.store) : []);
  const reference = req.job.measured ? deviceById(req.job.measured.deviceId, 'measured.deviceId') : undefined;
  const estimates = devices.map((d) => estimateOnDevice(req.job, d, req.count, profiles, reference));
  const longest = Math.max(0, ...estimates.map((e) => (isExclusion(e) ? 0 : e.durationS)));
  const from = Math.min(...req.starts);
  const to = Math.max(...req.starts) + longest + H;
  const curves = new Map<string, { curve: ReturnType<typeof intensityCurve>; source: string } | string>();
  await Promise.all(
    req.zones.map(async (zone) => {
      try {
        const a = await querySeries(opts.provider, zone, from, to, opts.now ? { now: opts.now } : {});
        curves.set(zone, { curve: intensityCurve(a.points, `zones.${zone}`), source: `${a.provider}${a.link ? ` (${a.link})` : ''}` });
      } catch (e) {
        curves.set(zone, e instanceof Error ? e.message : String(e));
      }
    }),
  );
  const rows: RegionComparisonRow[] = [];
  for (const [i, device] of devices.entries()) {
    const e = estimates[i]!;
    if (isExclusion(e)) {
      // Excluded whatever the zone and start (memory at this count, or a missing figure): one row, zone "*".
      rows.push({ device, zone: '*', start: req.starts[0]!, count: req.count, estimate: null, emissionsG: null, instances: null, costUsd: null, usdPerDeviceHour: null, priceFrom: null, intensitySource: null, excluded: e.reason });
      continue;
    }
    for (const zone of req.zones) {
      for (const start of req.starts) {
        const base = { device, zone, start, count: req.count };
        const c = curves.get(zone)!;
        const price = priceFor(offers, device.id, req.count, zone, pricing);
        const priceFrom = price ? `${price.instances} × ${price.offer.provider} ${price.offer.instanceType} ${price.offer.region}${price.inZone ? '' : ` (no offer in ${zone})`}` : null;
        const billedS = Math.ceil(e.durationS / gran) * gran;
        const cost = price ? price.perHour * (billedS / H) : null;
        let excluded: string | null = null;
        let g: number | null = null;
        if (typeof c === 'string') excluded = `no intensity data for ${zone}: ${c}`;
        else if (start < c.curve.t0 || start + e.durationS > c.curve.end) excluded = `intensity data for ${zone} covers ${toIso(c.curve.t0)} to ${toIso(c.curve.end)}, not the whole run`;
        else g = (e.facilityPowerW * c.curve.integral(start, start + e.durationS)) / 3.6e6;
        if (!price && !excluded) excluded = `no ${pricing} offer for ${device.id}`;
        rows.push({ ...base, estimate: e, excluded, emissionsG: g, instances: price?.instances ?? null, costUsd: cost, usdPerDeviceHour: price?.perDeviceH ?? null, priceFrom, intensitySource: typeof c === 'string' ? null : c.source });
      }
    }
  }
  return { rows, sample, warnings: warning ? [warning] : [] };
}

/** A reason without its parenthesised details (the catalog's note): the table keeps to one line; --json has it whole. */
const brief = (reason: string): string => reason.replace(/\s*\((?:[^()]|\([^()]*\))*\)/g, '');

const whole = (v: number): string => Math.round(v).toLocaleString('en-US');

/** The comparison as rows of cells (header first), for a text or a Markdown table. */
export function regionComparisonTable(c: RegionComparison): string[][] {
  const head = ['device', 'zone', 'start (UTC)', 'count', 'hours', 'MWh', 'tCO2e', 'kUSD', '$/GPU-h', 'price from', 'utilization', 'power W'];
  const rows = c.rows.map((r) => {
    const e = r.estimate;
    const lead = [r.device.id, r.zone, r.zone === '*' ? '*' : toIso(r.start).slice(0, 16).replace('T', ' '), String(r.count)];
    if (!e) return [...lead, '-', '-', '-', '-', '-', `excluded: ${brief(r.excluded ?? '')}`, '-', '-'];
    return [
      ...lead,
      (e.durationS / H).toFixed(0),
      (e.energyJ / 3.6e9).toFixed(1),
      r.emissionsG === null ? '-' : (r.emissionsG / 1e6).toFixed(1),
      r.costUsd === null ? '-' : whole(r.costUsd / 1000),
      r.usdPerDeviceHour === null ? '-' : r.usdPerDeviceHour.toFixed(2),
      r.excluded ? `${r.priceFrom ?? '-'}; excluded: ${r.excluded}` : (r.priceFrom ?? '-'),
      `${e.figures.utilization.value.toFixed(2)} ${e.figures.utilization.provenance}`,
      `${e.figures.devicePowerW.value.toFixed(0)} ${e.figures.devicePowerW.provenance}`,
    ];
  });
  return [head, ...rows];
}

/** Rows of cells as a Markdown table (numbers right-aligned). */
export function markdownTable(rows: string[][], rightAligned: readonly number[] = []): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const [head, ...body] = rows;
  const line = (r: string[]): string => `| ${r.map(esc).join(' | ')} |`;
  return [line(head!), `|${head!.map((_, i) => (rightAligned.includes(i) ? '---:' : '---')).join('|')}|`, ...body.map(line)].join('\n') + '\n';
}

export const regionComparisonJson = (c: RegionComparison) => ({
  sample: c.sample,
  warnings: c.warnings,
  rows: c.rows.map((r) => ({
    device_id: r.device.id,
    zone: r.zone,
    start: r.zone === '*' ? null : toIso(r.start),
    count: r.count,
    duration_s: r.estimate?.durationS ?? null,
    energy_j: r.estimate?.energyJ ?? null,
    emissions_g: r.emissionsG,
    instances: r.instances,
    cost_usd: r.costUsd,
    usd_per_device_hour: r.usdPerDeviceHour,
    price_from: r.priceFrom,
    intensity_source: r.intensitySource,
    utilization: r.estimate ? { value: r.estimate.figures.utilization.value, provenance: r.estimate.figures.utilization.provenance, source: r.estimate.figures.utilization.source } : null,
    device_power_w: r.estimate ? { value: r.estimate.figures.devicePowerW.value, provenance: r.estimate.figures.devicePowerW.provenance, source: r.estimate.figures.devicePowerW.source } : null,
    excluded: r.excluded,
  })),
});
