import type { Kysely } from 'kysely';
import { newId, nowS, type Store } from '@verdant/core';
import type { Offer, ParsedOffers, ImportIssue } from './offers.js';
import type { Precision } from './devices.js';
import type { ProfileMeasurements } from './measurements.js';

/** The accel tables (migration 0008_accel in core). */
export interface AccelImportsTable {
  id: string;
  format: string;
  provider: string;
  source: string;
  imported_at: number;
  retrieved_at: number;
  rows_read: number;
  offers: number;
  errors: number;
  skipped: number;
  issues: string;
}
export interface AccelOffersTable {
  import_id: string;
  provider: string;
  instance_type: string;
  region: string;
  availability_zone: string | null;
  device_id: string;
  device_count: number;
  vcpus: number | null;
  memory_bytes: number | null;
  on_demand_usd_per_h: number | null;
  spot_usd_per_h: number | null;
  grid_zone: string | null;
  source: string;
  retrieved_at: number;
}
export interface AccelProfilesTable {
  id: string;
  device_id: string;
  precision: string;
  provenance: string;
  achieved_flops: number;
  power_w: number | null;
  scaling_efficiency: number | null;
  source: string;
  host: string | null;
  recorded_at: number;
  meta: string;
}
interface AccelDatabase {
  accel_imports: AccelImportsTable;
  accel_offers: AccelOffersTable;
  accel_profiles: AccelProfilesTable;
}

const db = (store: Store): Kysely<AccelDatabase> => store.db as unknown as Kysely<AccelDatabase>;

/** One import as recorded. */
export interface ImportRecord {
  id: string;
  format: string;
  provider: string;
  source: string;
  importedAt: number;
  retrievedAt: number;
  rows: number;
  offers: number;
  errors: number;
  skipped: number;
  issues: ImportIssue[];
  /** Regions of this import's offers with no row in grid's cloud-region table (their carbon is unknown); not kept in the history. */
  unmappedRegions?: string[];
}

/**
 * Stores a parsed catalog: an import row (with every issue by line) and its offers, which replace the offers
 * of earlier imports of the same provider (a vms.csv is a cloud's whole catalog). One transaction.
 */
export async function saveImport(store: Store, parsed: ParsedOffers, source: string, retrievedAt: number): Promise<ImportRecord> {
  const id = newId('imp');
  const providers = [...new Set(parsed.offers.map((o) => o.provider))];
  const record: ImportRecord = {
    id,
    format: parsed.format,
    provider: parsed.provider,
    source,
    importedAt: nowS(),
    retrievedAt,
    rows: parsed.rows,
    offers: parsed.offers.length,
    errors: parsed.issues.filter((i) => i.kind === 'error').length,
    skipped: parsed.issues.filter((i) => i.kind === 'skipped').length,
    issues: parsed.issues,
    unmappedRegions: [...new Set(parsed.offers.filter((o) => o.gridZone === null).map((o) => `${o.provider}:${o.region}`))].sort(),
  };
  await db(store)
    .transaction()
    .execute(async (tx) => {
      await tx
        .insertInto('accel_imports')
        .values({
          id,
          format: record.format,
          provider: record.provider,
          source,
          imported_at: record.importedAt,
          retrieved_at: retrievedAt,
          rows_read: record.rows,
          offers: record.offers,
          errors: record.errors,
          skipped: record.skipped,
          issues: JSON.stringify(record.issues),
        })
        .execute();
      if (providers.length) await tx.deleteFrom('accel_offers').where('provider', 'in', providers).where('import_id', '<>', id).execute();
      const rows = parsed.offers.map((o) => offerRow(o, id));
      for (let i = 0; i < rows.length; i += 500) await tx.insertInto('accel_offers').values(rows.slice(i, i + 500)).execute();
    });
  return record;
}

const offerRow = (o: Offer, importId: string): AccelOffersTable => ({
  import_id: importId,
  provider: o.provider,
  instance_type: o.instanceType,
  region: o.region,
  availability_zone: o.availabilityZone,
  device_id: o.deviceId,
  device_count: o.deviceCount,
  vcpus: o.vcpus,
  memory_bytes: o.memoryBytes,
  on_demand_usd_per_h: o.onDemandUsdPerH,
  spot_usd_per_h: o.spotUsdPerH,
  grid_zone: o.gridZone,
  source: o.source,
  retrieved_at: o.retrievedAt,
});

/** Offers of the latest import of each provider. */
export async function storedOffers(store: Store): Promise<Offer[]> {
  const rows = await db(store).selectFrom('accel_offers').selectAll().orderBy('provider').orderBy('instance_type').orderBy('region').execute();
  return rows.map((r) => ({
    provider: r.provider,
    instanceType: r.instance_type,
    region: r.region,
    availabilityZone: r.availability_zone,
    deviceId: r.device_id,
    deviceCount: Number(r.device_count),
    vcpus: r.vcpus === null ? null : Number(r.vcpus),
    memoryBytes: r.memory_bytes === null ? null : Number(r.memory_bytes),
    onDemandUsdPerH: r.on_demand_usd_per_h === null ? null : Number(r.on_demand_usd_per_h),
    spotUsdPerH: r.spot_usd_per_h === null ? null : Number(r.spot_usd_per_h),
    gridZone: r.grid_zone,
    source: r.source,
    retrievedAt: Number(r.retrieved_at),
    illustrative: false,
  }));
}

/** Import history, newest first. */
export async function importHistory(store: Store, limit = 50): Promise<ImportRecord[]> {
  const rows = await db(store).selectFrom('accel_imports').selectAll().orderBy('imported_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    format: r.format,
    provider: r.provider,
    source: r.source,
    importedAt: Number(r.imported_at),
    retrievedAt: Number(r.retrieved_at),
    rows: Number(r.rows_read),
    offers: Number(r.offers),
    errors: Number(r.errors),
    skipped: Number(r.skipped),
    issues: JSON.parse(r.issues) as ImportIssue[],
  }));
}

/** A device's achieved performance, measured here or published elsewhere (MLPerf, ML.ENERGY). */
export interface Profile {
  id: string;
  deviceId: string;
  precision: Precision;
  provenance: 'measured' | 'published';
  /**
   * Achieved FLOP/s per device: on a training workload (meta.kind 'training', the default: the model's utilization
   * is this ÷ dense peak), or the best case of a GEMM sweep (meta.kind 'gemm': an achievable peak, never a utilization).
   */
  achievedFlops: number;
  /** Average power per device at that load, W. */
  powerW: number | null;
  scalingEfficiency: number | null;
  source: string;
  host: string | null;
  recordedAt: number;
  /** What a published or entered figure was (kept in the row's meta): the workload, when it was retrieved, what it was derived from. */
  meta?: ProfileMeta;
}

/** Details of a profile, stored as JSON in accel_profiles.meta. */
export interface ProfileMeta {
  /** 'training' (default): a training rate, used as utilization; 'gemm': a GEMM sweep's best case, an achievable peak only. */
  kind?: 'training' | 'gemm';
  /** True when the power is the tracker's estimate (its TDP model, no power meter): shown as a default, not as measured. */
  powerEstimated?: boolean;
  /** A tokens/s figure on `devices` devices was divided by this (the scaling kept at that count) to give the per-device rate. */
  scalingFactor?: number;
  /** The workload the figure is for, e.g. "Llama 2 70B LoRA fine-tuning, MLPerf Training v4.1, 8 GPUs". */
  workload?: string;
  /** When the published figure was retrieved from its source, epoch seconds. */
  retrievedAt?: number;
  /** The throughput it was derived from: tokens/s on `devices` devices of a model with `paramsActive` active parameters. */
  tokensPerS?: number;
  paramsActive?: number;
  devices?: number;
  /** What `verdant accel bench` measured beside the rate (its sweep, bandwidth, training step, J per TFLOP). */
  measurements?: ProfileMeasurements;
}

export async function saveProfile(store: Store, p: Omit<Profile, 'id' | 'recordedAt'> & { recordedAt?: number }): Promise<Profile> {
  const profile: Profile = { ...p, id: newId('prof'), recordedAt: p.recordedAt ?? nowS() };
  await db(store)
    .insertInto('accel_profiles')
    .values({
      id: profile.id,
      device_id: profile.deviceId,
      precision: profile.precision,
      provenance: profile.provenance,
      achieved_flops: profile.achievedFlops,
      power_w: profile.powerW,
      scaling_efficiency: profile.scalingEfficiency,
      source: profile.source,
      host: profile.host,
      recorded_at: profile.recordedAt,
      meta: JSON.stringify(profile.meta ?? {}),
    })
    .execute();
  return profile;
}

export async function storedProfiles(store: Store): Promise<Profile[]> {
  const rows = await db(store).selectFrom('accel_profiles').selectAll().orderBy('recorded_at', 'desc').execute();
  return rows.map((r) => ({
    id: r.id,
    deviceId: r.device_id,
    precision: r.precision as Precision,
    provenance: r.provenance as Profile['provenance'],
    achievedFlops: Number(r.achieved_flops),
    powerW: r.power_w === null ? null : Number(r.power_w),
    scalingEfficiency: r.scaling_efficiency === null ? null : Number(r.scaling_efficiency),
    source: r.source,
    host: r.host,
    recordedAt: Number(r.recorded_at),
    ...metaOf(r.meta),
  }));
}

function metaOf(text: string | null): { meta?: ProfileMeta } {
  try {
    const m = text ? (JSON.parse(text) as ProfileMeta) : {};
    return m && typeof m === 'object' && Object.keys(m).length ? { meta: m } : {};
  } catch {
    return {};
  }
}
