// The JSON of /api/accel/* (docs/api.md, "Hardware planning"): snake_case, SI units (J, W, s, gCO2e), USD.

export type Provenance = 'measured' | 'published' | 'spec' | 'default' | 'input';

export interface Sourced {
  value: number;
  provenance: Provenance;
  source: string;
}

export interface PlanJson {
  device_id: string;
  device_name: string;
  device_memory_bytes: number | null;
  count: number;
  instances: number;
  provider: string;
  instance_type: string;
  region: string;
  grid_zone: string;
  pricing: 'on-demand' | 'spot';
  start: string;
  end: string;
  duration_s: number;
  billed_s: number;
  finish_s: number;
  usd_per_device_hour: number;
  usd_per_pflop_hour: number | null;
  cost_usd: number;
  energy_j: number;
  emissions_g: number;
  mean_intensity_g_per_kwh: number;
  on_front: boolean;
  figures: Record<string, Sourced>;
}

export interface ExcludedJson {
  what: string;
  device_id: string;
  count?: number;
  reason: string;
}

export interface RecommendationJson {
  chosen: PlanJson;
  alternatives: PlanJson[];
  front: PlanJson[];
  excluded: ExcludedJson[];
  candidates: number;
  warnings: string[];
}

export interface DeviceJson {
  id: string;
  name: string;
  vendor: string;
  kind: string;
  aliases: string[];
  memory_bytes: number | null;
  memory_bandwidth_bytes_per_s: number | null;
  dense_peak_tflops: Record<string, number | null>;
  sparse_peak_tflops: Record<string, number | null>;
  tdp_w: number | null;
  idle_w: number | null;
  interconnect: string | null;
  interconnect_bytes_per_s: number | null;
  source_url: string;
  retrieved: string;
  note: string;
}

export interface ProfileJson {
  id: string;
  device_id: string;
  precision: string;
  provenance: 'measured' | 'published';
  /** training: a training rate (the model's utilization); gemm: a GEMM sweep's best case (an achievable peak, never a utilization). */
  kind?: 'training' | 'gemm';
  achieved_tflops: number | null;
  power_w: number | null;
  /** True when the power is the tracker's estimate (no power meter), not a measurement. */
  power_estimated?: boolean;
  scaling_efficiency: number | null;
  source: string;
  host: string | null;
  recorded_at: string;
  /** The workload a published figure is for. */
  workload?: string | null;
  /** Whether the model uses this profile (the best for its device and precision). */
  in_use?: boolean;
}

/** One plan's identity (the same placement in front, alternatives and chosen). */
export const planKey = (p: PlanJson): string => [p.device_id, p.count, p.provider, p.instance_type, p.region, p.pricing, p.start].join('|');
