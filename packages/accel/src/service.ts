import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { invalidInput, nowS, type Store } from '@verdant/core';
import type { IntensityProvider } from '@verdant/grid';
import { deviceById, loadDevices, type Device } from './devices.js';
import { estimateOnDevice, isExclusion, type DeviceEstimate, type Exclusion, type JobInput } from './model.js';
import { parseOffers, sampleOffers, stalePriceWarning, type Offer, type OfferFormat } from './offers.js';
import { recommendFromProvider, type Recommendation, type RecommendRequest } from './recommend.js';
import { importHistory, saveImport, storedOffers, storedProfiles, type ImportRecord, type Profile } from './store.js';

/** A device with the profiles stored for it. */
export interface DeviceDetail {
  device: Device;
  profiles: Profile[];
}

export async function showDevice(name: string, store?: Store): Promise<DeviceDetail> {
  const device = deviceById(name);
  const profiles = store ? (await storedProfiles(store)).filter((p) => p.deviceId === device.id) : [];
  return { device, profiles };
}

export interface OfferQuery {
  provider?: string;
  /** Device id or alias. */
  device?: string;
  region?: string;
  /** Only offers retrieved within this many seconds. */
  maxAgeS?: number;
  now?: number;
}

export interface OfferList {
  offers: Offer[];
  /** True when the store had no imported offers and the shipped illustrative sample is shown. */
  sample: boolean;
  /** Stale or illustrative prices, said once. */
  warning?: string;
}

/** The stored offers (latest import per provider), or the illustrative sample when none were imported. */
export async function listOffers(store: Store | undefined, q: OfferQuery = {}): Promise<OfferList> {
  const now = q.now ?? nowS();
  if (q.maxAgeS !== undefined && !(q.maxAgeS > 0)) throw invalidInput('maxAgeS', `must be a positive duration, got ${q.maxAgeS}`, 'e.g. 30d');
  const device = q.device ? deviceById(q.device).id : undefined;
  const stored = store ? await storedOffers(store) : [];
  const sample = stored.length === 0;
  const all = sample ? sampleOffers() : stored;
  const offers = all.filter(
    (o) =>
      (!q.provider || o.provider === q.provider.toLowerCase()) &&
      (!device || o.deviceId === device) &&
      (!q.region || o.region.toLowerCase() === q.region.toLowerCase() || `${o.provider}:${o.region}` === q.region.toLowerCase()) &&
      (q.maxAgeS === undefined || now - o.retrievedAt <= q.maxAgeS),
  );
  const warning = stalePriceWarning(offers, now);
  return { offers, sample, ...(warning ? { warning } : {}) };
}

export interface ImportRequest {
  file: string;
  format: OfferFormat;
  provider?: string;
  /** When the prices were retrieved, epoch seconds; default now (say so when the file is older). */
  retrievedAt?: number;
}

/** Reads a price catalog file and stores its offers with the import's history; malformed rows are in `issues`. */
export async function importOffers(store: Store, req: ImportRequest): Promise<ImportRecord> {
  let text: string;
  try {
    text = await readFile(req.file, 'utf8');
  } catch (e) {
    throw invalidInput('file', `cannot read ${req.file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'give the path of a SkyPilot vms.csv or a gpuhunt CSV');
  }
  return importOffersText(store, { text, format: req.format, sourceName: `${req.format} ${basename(req.file)}`, ...(req.provider ? { provider: req.provider } : {}), ...(req.retrievedAt !== undefined ? { retrievedAt: req.retrievedAt } : {}) });
}

/** As importOffers, from the file's text (what the HTTP API receives). */
export async function importOffersText(store: Store, req: Omit<ImportRequest, 'file'> & { text: string; sourceName?: string }): Promise<ImportRecord> {
  const retrievedAt = req.retrievedAt ?? nowS();
  const source = req.sourceName ?? `${req.format} upload`;
  const parsed = parseOffers(req.text, { format: req.format, retrievedAt, sourceName: source, ...(req.provider ? { provider: req.provider } : {}) });
  return saveImport(store, parsed, source, retrievedAt);
}

export { importHistory };

export interface EstimateRequest {
  job: JobInput;
  device: string;
  count: number;
}

/** The model's time, power and energy of a job on `count` devices (or why it cannot run there). */
export async function estimateJob(req: EstimateRequest, store?: Store): Promise<DeviceEstimate | Exclusion> {
  if (!(Number.isInteger(req.count) && req.count > 0)) throw invalidInput('count', `must be a whole number ≥ 1, got ${req.count}`);
  const device = deviceById(req.device);
  const profiles = store ? await storedProfiles(store) : [];
  const reference = req.job.measured ? deviceById(req.job.measured.deviceId, 'measured.deviceId') : undefined;
  return estimateOnDevice(req.job, device, req.count, profiles, reference);
}

export interface CompareRequest {
  job: JobInput;
  devices: string[];
  /** Device count for each; default 8. */
  count?: number;
}

export interface Comparison {
  rows: Array<{ device: Device; estimate: DeviceEstimate | null; excluded: string | null }>;
}

/** Two or more devices side by side for one job at one count. */
export async function compareDevices(req: CompareRequest, store?: Store): Promise<Comparison> {
  if (req.devices.length < 2) throw invalidInput('devices', 'give at least two devices to compare', 'e.g. h100 mi300x');
  const count = req.count ?? 8;
  const rows = await Promise.all(
    req.devices.map(async (name) => {
      const e = await estimateJob({ job: req.job, device: name, count }, store);
      return { device: deviceById(name), estimate: isExclusion(e) ? null : e, excluded: isExclusion(e) ? e.reason : null };
    }),
  );
  return { rows };
}

/** `recommend` over the stored offers (or the sample) and profiles, with intensity from `provider`. */
export async function recommendPlan(req: RecommendRequest, opts: { store?: Store; provider: IntensityProvider; now?: () => number }): Promise<Recommendation> {
  const { offers, warning } = await listOffers(opts.store, { now: (opts.now ?? nowS)() });
  const profiles = opts.store ? await storedProfiles(opts.store) : [];
  const r = await recommendFromProvider(req, { offers, profiles, provider: opts.provider, ...(opts.now ? { now: opts.now } : {}) });
  if (warning && !r.warnings.some((w) => w.includes('illustrative'))) r.warnings.push(warning);
  return r;
}

export const devices = (): Device[] => loadDevices();
