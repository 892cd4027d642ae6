import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VerdantError, invalidInput } from '@verdant/core';
import { cloudRegions } from '@verdant/grid';
import { columnIndex, splitCsv, type CsvLine } from './csv.js';
import { loadDevices, matchDevice, type Device } from './devices.js';
import { parsePythonLiteral, type PyValue } from './python-literal.js';

/** One way to rent devices: provider × instance type × region × zone, with its prices and where they came from. */
export interface Offer {
  provider: string;
  instanceType: string;
  region: string;
  availabilityZone: string | null;
  /** Catalog id of the device (data/devices.csv). */
  deviceId: string;
  /** Devices in one instance. */
  deviceCount: number;
  vcpus: number | null;
  memoryBytes: number | null;
  onDemandUsdPerH: number | null;
  spotUsdPerH: number | null;
  /** Grid zone the region draws from (grid's cloud-region table), null where the table has no row. */
  gridZone: string | null;
  /** "illustrative sample", "skypilot vms.csv (file name)", "gpuhunt (file name)". */
  source: string;
  /** When the prices were retrieved, epoch seconds. */
  retrievedAt: number;
  /** True for the shipped sample, which is not a price list. */
  illustrative: boolean;
}

export type OfferFormat = 'skypilot' | 'gpuhunt';
export const OFFER_FORMATS: readonly OfferFormat[] = ['skypilot', 'gpuhunt'];

/** A row that was not imported, by line: `error` for a malformed row, `skipped` for one that is fine but not wanted. */
export interface ImportIssue {
  line: number;
  kind: 'error' | 'skipped';
  message: string;
}

export interface ParsedOffers {
  format: OfferFormat;
  provider: string;
  /** Data rows read (header and comments excluded). */
  rows: number;
  offers: Offer[];
  issues: ImportIssue[];
}

export interface ParseOffersOptions {
  format: OfferFormat;
  /**
   * The cloud or provider the file is for ("aws", "gcp", "lambda"). SkyPilot's vms.csv has no such column
   * (one file per cloud), so it is required there; gpuhunt's CSV may carry a `provider` column.
   */
  provider?: string;
  /** Name shown as the offers' source. */
  sourceName?: string;
  /** When the prices were retrieved, epoch seconds (default: now). */
  retrievedAt: number;
  devices?: Device[];
}

const SAMPLE_FILE = fileURLToPath(new URL('../data/offers-sample.csv', import.meta.url));
const H = 3600;

/** A region's grid zone through grid's cloud-region table (aws, gcp, azure), or null. */
export function regionZone(provider: string, region: string): string | null {
  return cloudRegions().get(`${provider}:${region}`.toLowerCase())?.zone ?? null;
}

/** The shipped illustrative sample (data/offers-sample.csv). */
export function sampleOffers(file = SAMPLE_FILE, devices = loadDevices()): Offer[] {
  const lines = splitCsv(readFileSync(file, 'utf8'), { comments: true });
  const [header, ...rows] = lines;
  if (!header) return [];
  const col = columnIndex(header.cells);
  return rows.map((r) => {
    const c = (n: string): string => r.cells[col(n)] ?? '';
    const num = (n: string): number | null => (c(n) === '' ? null : Number(c(n)));
    const device = matchDevice(c('device'), undefined, devices);
    if (!device) throw new VerdantError(`${file} line ${r.line}: unknown device "${c('device')}"`);
    return {
      provider: c('provider'),
      instanceType: c('instance_type'),
      region: c('region'),
      availabilityZone: c('availability_zone') || null,
      deviceId: device.id,
      deviceCount: Number(c('device_count')),
      vcpus: num('vcpus'),
      memoryBytes: num('memory_gib') === null ? null : num('memory_gib')! * 2 ** 30,
      onDemandUsdPerH: num('on_demand_usd_per_h'),
      spotUsdPerH: num('spot_usd_per_h'),
      gridZone: regionZone(c('provider'), c('region')),
      source: c('source'),
      retrievedAt: Date.parse(`${c('retrieved')}T00:00:00Z`) / 1000,
      illustrative: true,
    };
  });
}

/** Reads a price catalog; a malformed row is reported by its line and skipped, the others are kept. */
export function parseOffers(text: string, opts: ParseOffersOptions): ParsedOffers {
  if (!OFFER_FORMATS.includes(opts.format)) throw invalidInput('format', `unknown format "${opts.format}"`, `use one of ${OFFER_FORMATS.join(', ')}`);
  if (opts.format === 'skypilot' && !opts.provider) {
    throw invalidInput('provider', "a SkyPilot vms.csv names no cloud (there is one file per cloud)", 'give the cloud the file is for, e.g. aws, gcp, azure, lambda');
  }
  const lines = splitCsv(text);
  const [header, ...rows] = lines;
  if (!header) throw invalidInput('file', 'the file is empty', 'give a SkyPilot vms.csv or a gpuhunt CSV');
  const col = columnIndex(header.cells);
  const devices = opts.devices ?? loadDevices();
  const ctx = { col, devices, opts, issues: [] as ImportIssue[] };
  const required = opts.format === 'skypilot' ? ['InstanceType', 'AcceleratorName', 'AcceleratorCount', 'Price', 'Region'] : ['instance_name', 'location', 'price', 'gpu_count', 'gpu_name'];
  const missing = required.filter((c) => col(c) < 0);
  if (missing.length) {
    throw invalidInput('file', `line ${header.line}: the header lacks column(s) ${missing.join(', ')} of the ${opts.format} format`, `check --format (skypilot or gpuhunt) and that line ${header.line} is the header`);
  }
  const offers = opts.format === 'skypilot' ? rows.flatMap((r) => skypilotRow(r, ctx)) : gpuhuntRows(rows, ctx);
  return { format: opts.format, provider: opts.provider ?? 'mixed', rows: rows.length, offers, issues: ctx.issues.sort((a, b) => a.line - b.line) };
}

interface Ctx {
  col: (name: string) => number;
  devices: Device[];
  opts: ParseOffersOptions;
  issues: ImportIssue[];
}

class RowError extends Error {}

function reader(r: CsvLine, ctx: Ctx) {
  const cell = (name: string): string => (ctx.col(name) >= 0 ? (r.cells[ctx.col(name)] ?? '').trim() : '');
  const num = (name: string, opts: { required?: boolean; positive?: boolean } = {}): number | null => {
    const v = cell(name);
    if (v === '' || v.toLowerCase() === 'nan') {
      if (opts.required) throw new RowError(`${name} is empty`);
      return null;
    }
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (opts.positive && n === 0)) throw new RowError(`${name} must be a ${opts.positive ? 'positive' : 'non-negative'} number, got "${v}"`);
    return n;
  };
  return { cell, num };
}

function guard(r: CsvLine & { error?: string }, ctx: Ctx, fn: () => Offer[]): Offer[] {
  if (r.error) {
    ctx.issues.push({ line: r.line, kind: 'error', message: r.error });
    return [];
  }
  try {
    return fn();
  } catch (e) {
    if (e instanceof RowError) {
      ctx.issues.push({ line: r.line, kind: 'error', message: e.message });
      return [];
    }
    throw e;
  }
}

/** Per-device memory from SkyPilot's GpuInfo, bytes: MemoryInfo.SizeInMiB, else TotalGpuMemoryInMiB ÷ count. */
function gpuInfoMemory(text: string, count: number): number | null {
  if (text === '') return null;
  let v: PyValue;
  try {
    v = parsePythonLiteral(text);
  } catch {
    // Some clouds write a bare name or "A10:24GB" there.
    const m = /(\d+(?:\.\d+)?)\s*GB/i.exec(text);
    return m ? Number(m[1]) * 1e9 : null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const gpus = Array.isArray(v.Gpus) ? v.Gpus : [];
  const first = gpus[0];
  let mib: number | null = null;
  if (first && typeof first === 'object' && !Array.isArray(first)) {
    const mem = first.MemoryInfo;
    if (mem && typeof mem === 'object' && !Array.isArray(mem) && typeof mem.SizeInMiB === 'number') mib = mem.SizeInMiB;
  }
  if (mib === null && typeof v.TotalGpuMemoryInMiB === 'number' && count > 0) mib = v.TotalGpuMemoryInMiB / count;
  if (mib === null || !(mib > 0)) return null;
  // A few catalogs write GiB in the MiB field (80 for an 80 GB card): no accelerator has under 1 GiB.
  return mib < 1024 ? mib * 2 ** 30 : mib * 2 ** 20;
}

function skypilotRow(r: CsvLine & { error?: string }, ctx: Ctx): Offer[] {
  return guard(r, ctx, () => {
    const { cell, num } = reader(r, ctx);
    const name = cell('AcceleratorName');
    const instanceType = cell('InstanceType');
    if (name === '') {
      ctx.issues.push({ line: r.line, kind: 'skipped', message: `${instanceType || 'row'}: no accelerator` });
      return [];
    }
    const count = num('AcceleratorCount', { required: true, positive: true })!;
    const region = cell('Region');
    if (region === '') throw new RowError('Region is empty');
    const price = num('Price');
    const spot = num('SpotPrice');
    const memory = gpuInfoMemory(cell('GpuInfo'), count);
    num('vCPUs');
    num('MemoryGiB');
    if (price === null && spot === null) {
      ctx.issues.push({ line: r.line, kind: 'skipped', message: `${instanceType || name}: no price` });
      return [];
    }
    const device = matchDevice(name, memory, ctx.devices);
    if (!device) {
      ctx.issues.push({ line: r.line, kind: 'skipped', message: `${name}: not in the device catalog` });
      return [];
    }
    const provider = ctx.opts.provider!.toLowerCase();
    return [
      {
        provider,
        instanceType: instanceType || `${count}x ${name}`,
        region,
        availabilityZone: cell('AvailabilityZone') || null,
        deviceId: device.id,
        deviceCount: count,
        vcpus: num('vCPUs'),
        memoryBytes: num('MemoryGiB') === null ? null : num('MemoryGiB')! * 2 ** 30,
        onDemandUsdPerH: price,
        spotUsdPerH: spot,
        gridZone: regionZone(provider, region),
        source: ctx.opts.sourceName ?? 'skypilot vms.csv',
        retrievedAt: ctx.opts.retrievedAt,
        illustrative: false,
      },
    ];
  });
}

/**
 * gpuhunt writes one row per price (on-demand and spot are separate rows, `spot` true/false; `location` is a
 * region or a zone); rows of one provider × instance × location become one offer with both prices.
 */
function gpuhuntRows(rows: Array<CsvLine & { error?: string }>, ctx: Ctx): Offer[] {
  const byKey = new Map<string, Offer>();
  for (const r of rows) {
    guard(r, ctx, () => {
      const { cell, num } = reader(r, ctx);
      const name = cell('gpu_name');
      const instanceType = cell('instance_name');
      if (instanceType === '') throw new RowError('instance_name is empty');
      const count = num('gpu_count', { required: true });
      if (name === '' || count === 0) {
        ctx.issues.push({ line: r.line, kind: 'skipped', message: `${instanceType}: no accelerator` });
        return [];
      }
      const location = cell('location');
      if (location === '') throw new RowError('location is empty');
      const price = num('price', { required: true })!;
      const spotCell = cell('spot').toLowerCase();
      if (spotCell !== '' && spotCell !== 'true' && spotCell !== 'false') throw new RowError(`spot must be true or false, got "${cell('spot')}"`);
      const gpuMemGb = num('gpu_memory');
      num('cpu');
      num('memory');
      const device = matchDevice(name, gpuMemGb === null ? null : gpuMemGb * 2 ** 30, ctx.devices);
      if (!device) {
        ctx.issues.push({ line: r.line, kind: 'skipped', message: `${name}: not in the device catalog` });
        return [];
      }
      const provider = (cell('provider') || ctx.opts.provider || '').toLowerCase();
      if (provider === '') throw new RowError('no provider column and no provider given');
      const key = `${provider}\u0000${instanceType}\u0000${location}`;
      let offer = byKey.get(key);
      if (!offer) {
        // A location like "us-east-1a" or "us-central1-a" is a zone of region "us-east-1" where the cloud table knows the region.
        const zoneLike = /^(.*\d)-?[a-z]$/.exec(location);
        const region = zoneLike && regionZone(provider, zoneLike[1]!) ? zoneLike[1]! : location;
        offer = {
          provider,
          instanceType,
          region,
          availabilityZone: region === location ? null : location,
          deviceId: device.id,
          deviceCount: count!,
          vcpus: num('cpu'),
          memoryBytes: num('memory') === null ? null : num('memory')! * 2 ** 30,
          onDemandUsdPerH: null,
          spotUsdPerH: null,
          gridZone: regionZone(provider, region),
          source: ctx.opts.sourceName ?? 'gpuhunt csv',
          retrievedAt: ctx.opts.retrievedAt,
          illustrative: false,
        };
        byKey.set(key, offer);
      }
      if (spotCell === 'true') offer.spotUsdPerH = offer.spotUsdPerH === null ? price : Math.min(offer.spotUsdPerH, price);
      else offer.onDemandUsdPerH = offer.onDemandUsdPerH === null ? price : Math.min(offer.onDemandUsdPerH, price);
      return [];
    });
  }
  return [...byKey.values()];
}

/** Prices older than this draw a warning (cloud price lists go stale within weeks). */
export const STALE_PRICE_S = 30 * 24 * H;

/** A warning for offers whose prices are older than STALE_PRICE_S at `now`, or undefined. */
export function stalePriceWarning(offers: readonly Offer[], now: number): string | undefined {
  if (offers.length === 0) return undefined;
  const oldest = Math.min(...offers.map((o) => o.retrievedAt));
  const stale = offers.filter((o) => now - o.retrievedAt > STALE_PRICE_S).length;
  const sample = offers.some((o) => o.illustrative) ? ' (the shipped sample is illustrative, not a price list)' : '';
  if (stale === 0) return sample ? `prices are the shipped illustrative sample, not a price list: import a fresh catalog (verdant accel import)` : undefined;
  const days = Math.floor((now - oldest) / 86400);
  return `${stale} of ${offers.length} offers have prices older than 30 days (oldest ${days} days)${sample}: import a fresh catalog (verdant accel import)`;
}
