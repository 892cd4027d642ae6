import { toIso } from '@verdant/core';
import type { Device } from './devices.js';
import type { DeviceEstimate, Exclusion } from './model.js';
import type { Offer } from './offers.js';
import type { Sourced } from './provenance.js';
import type { Plan, Recommendation } from './recommend.js';
import type { ImportRecord, Profile } from './store.js';
import { measurementsJson } from './measurements.js';

// The JSON faces (CLI --json, /api/accel/*) write: snake_case of the library's names, SI units.

const tera = (v: number | null): number | null => (v === null ? null : +(v / 1e12).toFixed(3));
const src = (s: Sourced): { value: number; provenance: string; source: string } => ({ value: s.value, provenance: s.provenance, source: s.source });

export const deviceJson = (d: Device) => ({
  id: d.id,
  name: d.name,
  vendor: d.vendor,
  kind: d.kind,
  aliases: d.aliases,
  memory_bytes: d.memoryBytes,
  memory_bandwidth_bytes_per_s: d.memoryBandwidthBytesPerS,
  dense_peak_tflops: Object.fromEntries(Object.entries(d.densePeakFlops).map(([k, v]) => [k, tera(v)])),
  sparse_peak_tflops: Object.fromEntries(Object.entries(d.sparsePeakFlops).map(([k, v]) => [k, tera(v)])),
  tdp_w: d.tdpW,
  idle_w: d.idleW,
  interconnect: d.interconnect,
  interconnect_bytes_per_s: d.interconnectBytesPerS,
  source_url: d.sourceUrl,
  retrieved: d.retrieved,
  note: d.note,
});

export const profileJson = (p: Profile & { inUse?: boolean }) => ({
  id: p.id,
  device_id: p.deviceId,
  precision: p.precision,
  provenance: p.provenance,
  /** training: a training rate (the utilization); gemm: a GEMM sweep's best case (an achievable peak, not a utilization). */
  kind: p.meta?.kind ?? 'training',
  achieved_tflops: tera(p.achievedFlops),
  power_w: p.powerW,
  power_estimated: p.meta?.powerEstimated === true,
  scaling_efficiency: p.scalingEfficiency,
  source: p.source,
  host: p.host,
  recorded_at: toIso(p.recordedAt),
  workload: p.meta?.workload ?? null,
  retrieved_at: p.meta?.retrievedAt === undefined ? null : toIso(p.meta.retrievedAt),
  ...(p.meta?.tokensPerS !== undefined ? { derived_from: { tokens_per_s: p.meta.tokensPerS, params_active: p.meta.paramsActive ?? null, devices: p.meta.devices ?? 1, scaling_divided_out: p.meta.scalingFactor ?? 1 } } : {}),
  ...(p.inUse !== undefined ? { in_use: p.inUse } : {}),
  ...(p.meta?.measurements ? { measurements: measurementsJson(p.meta.measurements) } : {}),
});

export const offerJson = (o: Offer) => ({
  provider: o.provider,
  instance_type: o.instanceType,
  region: o.region,
  availability_zone: o.availabilityZone,
  grid_zone: o.gridZone,
  device_id: o.deviceId,
  device_count: o.deviceCount,
  vcpus: o.vcpus,
  memory_bytes: o.memoryBytes,
  on_demand_usd_per_h: o.onDemandUsdPerH,
  spot_usd_per_h: o.spotUsdPerH,
  source: o.source,
  retrieved_at: toIso(o.retrievedAt),
  illustrative: o.illustrative,
});

export const importJson = (r: ImportRecord) => ({
  id: r.id,
  format: r.format,
  provider: r.provider,
  source: r.source,
  imported_at: toIso(r.importedAt),
  retrieved_at: toIso(r.retrievedAt),
  rows: r.rows,
  offers: r.offers,
  errors: r.errors,
  skipped: r.skipped,
  issues: r.issues,
  ...(r.unmappedRegions ? { unmapped_regions: r.unmappedRegions } : {}),
});

export function estimateJson(e: DeviceEstimate | Exclusion) {
  if ('reason' in e) return { device_id: e.deviceId, count: e.count, excluded: e.reason, excluded_kind: e.kind };
  return {
    device_id: e.deviceId,
    count: e.count,
    precision: e.precision,
    flops: e.flops,
    duration_s: e.durationS,
    achieved_flops: e.achievedFlops,
    facility_power_w: e.facilityPowerW,
    energy_j: e.energyJ,
    figures: Object.fromEntries(Object.entries(e.figures).map(([k, v]) => [snake(k), src(v)])),
  };
}

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export const planJson = (p: Plan) => ({
  device_id: p.deviceId,
  device_name: p.deviceName,
  device_memory_bytes: p.deviceMemoryBytes,
  count: p.count,
  instances: p.instances,
  provider: p.provider,
  instance_type: p.instanceType,
  region: p.region,
  grid_zone: p.gridZone,
  pricing: p.pricing,
  start: toIso(p.start),
  end: toIso(p.end),
  duration_s: p.durationS,
  billed_s: p.billedS,
  finish_s: p.finishS,
  usd_per_device_hour: p.usdPerDeviceHour,
  usd_per_pflop_hour: p.usdPerPflopHour,
  cost_usd: p.costUsd,
  energy_j: p.energyJ,
  emissions_g: p.emissionsG,
  mean_intensity_g_per_kwh: p.meanIntensityGPerKwh,
  on_front: p.onFront,
  figures: Object.fromEntries(Object.entries(p.figures).map(([k, v]) => [snake(k), src(v)])),
});

export const recommendationJson = (r: Recommendation) => ({
  chosen: planJson(r.chosen),
  alternatives: r.alternatives.map(planJson),
  front: r.front.map(planJson),
  excluded: r.excluded.map((e) => ({ what: e.what, device_id: e.deviceId, ...(e.count !== undefined ? { count: e.count } : {}), reason: e.reason })),
  candidates: r.candidates,
  warnings: r.warnings,
});

const fmt = (v: number, d = 1): string => (Math.abs(v) >= 1e5 ? v.toExponential(2) : v.toFixed(d));
const whole = (v: number): string => Math.round(v).toLocaleString('en-US');

/** The chosen plan and its alternatives as one table (header first): what `verdant accel recommend` prints. */
export function recommendationTable(r: Recommendation): string[][] {
  const head = ['', 'device', 'mem GB', 'count', 'offer', 'zone', 'start', '$/GPU-h', '$/PFLOP-h', 'hours', 'kWh', 'kgCO2e', 'USD', 'utilization', 'power'];
  const row = (p: Plan, mark: string): string[] => [
    mark,
    p.deviceId,
    p.deviceMemoryBytes === null ? '-' : (p.deviceMemoryBytes / 1e9).toFixed(0),
    String(p.count),
    `${p.provider} ${p.instanceType} ${p.region}${p.pricing === 'spot' ? ' (spot)' : ''}`,
    p.gridZone,
    toIso(p.start).slice(0, 16).replace('T', ' '),
    p.usdPerDeviceHour.toFixed(2),
    p.usdPerPflopHour === null ? '-' : p.usdPerPflopHour.toFixed(2),
    fmt(p.durationS / 3600),
    whole(p.energyJ / 3.6e6),
    p.emissionsG >= 1e7 ? whole(p.emissionsG / 1000) : (p.emissionsG / 1000).toFixed(1),
    whole(p.costUsd),
    `${p.figures.utilization.value.toFixed(2)} ${p.figures.utilization.provenance}`,
    `${p.figures.devicePowerW.value.toFixed(0)} W ${p.figures.devicePowerW.provenance}`,
  ];
  return [head, row(r.chosen, '*'), ...r.alternatives.map((p) => row(p, p.onFront ? 'front' : ''))];
}

/** Rows aligned into columns. */
export function alignTable(rows: string[][]): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(w[c]!)).join('  ').trimEnd()).join('\n') + '\n';
}
