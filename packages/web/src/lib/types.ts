// The JSON the dashboard reads, as docs/api.md describes it (snake_case, SI units: J, W, s, gCO2e, epoch s or ISO).

export type RunStatus = 'running' | 'paused' | 'succeeded' | 'failed' | 'stopped' | 'interrupted';

export interface RunListItem {
  run_id: string;
  name: string;
  status: RunStatus;
  started_at: string;
  ended_at: string | null;
  duration_s: number;
  energy_j: number;
  emissions_g: number;
  zone: string;
  exit_code: number | null;
  host: string;
  group_id: string | null;
}

export interface RunsPage {
  runs: RunListItem[];
  next_cursor: string | null;
  prev_cursor: string | null;
  total: number;
}

export interface Progress {
  fraction: number;
  t: number;
  message?: string;
}

export interface Prediction {
  fraction: number;
  total_duration_s: number;
  remaining_s: number;
  total_energy_j: number;
  total_emissions_g: number;
  eta: number;
}

export interface SensorSummary {
  id: string;
  kind: string;
  method: string;
  energy_j: number;
  emissions_g: number;
  estimate: boolean;
  description: string;
}

export interface WhatIf {
  cleanest_start?: { start: string; shift_s: number; emissions_g: number; saving_g: number; saving_fraction: number } | null;
  zones?: Array<{ zone: string; emissions_g: number; saving_g: number; saving_fraction: number }>;
  window_s?: number;
  sources?: unknown[];
  note?: string;
}

export interface RunSummary extends RunListItem {
  energy_kwh: number;
  intensity_g_per_kwh: number;
  command: string[];
  cwd: string;
  intensity_source: string;
  pue: number;
  interval_s: number;
  task: string | null;
  sensors: SensorSummary[];
  meta: Record<string, unknown>;
  what_if?: WhatIf | null;
}

export interface SampleRow {
  sensor_id: string;
  t: number;
  dt: number;
  energy_j: number;
  power_w: number;
  intensity_g_per_kwh: number;
  emissions_g: number;
  cum_energy_j?: number;
  cum_emissions_g?: number;
}

export interface SamplesPage {
  run_id: string;
  from?: number | null;
  to?: number | null;
  points?: number | null;
  sensors?: Array<{ sensor_id: string; kind: string; method: string; estimate: boolean }>;
  samples: SampleRow[];
}

export interface GroupMember {
  run_id: string;
  name: string;
  host: string;
  task: string | null;
  status: RunStatus;
  energy_j: number;
  emissions_g: number;
  power_w: number;
  duration_s: number;
}

export interface GroupSummary {
  group_id: string;
  status: RunStatus;
  energy_j: number;
  emissions_g: number;
  power_w: number;
  members: GroupMember[];
}

/** A live run on the overview: `progress` is the fraction done (0..1) when the command reports it. */
export type LiveRun = RunListItem & { power_w: number; progress?: number | Progress | null; prediction?: Prediction | null };

export interface Totals {
  runs: number;
  energy_j: number;
  emissions_g: number;
  by_zone: Array<{ zone: string; energy_j: number; emissions_g: number; runs: number }>;
  by_host: Array<{ host: string; energy_j: number; emissions_g: number; runs: number }>;
}

export interface IntensityNow {
  t: number | string;
  g_per_kwh: number;
  source: string;
  age_s: number;
}

export interface Overview {
  live: LiveRun[];
  totals: { today: Totals; last_7_days: Totals };
  grid: { zone: string; now: IntensityNow | null; forecast: Array<{ t: number | string; g_per_kwh: number; source: string }> };
}

export interface Zones {
  default_zone: string;
  zones: Array<{ id: string; name?: string; kind: 'zone' | 'cloud-region' }>;
}

export interface IntensityPoint {
  t: number | string;
  resolution_s: number;
  g_per_kwh: number;
  source: string;
  forecast: boolean;
  generated_at?: number | string | null;
  fetched_at?: number | string | null;
}

export interface IntensityPart {
  source: string;
  from: number | string;
  to: number | string;
  forecast: boolean;
  fallback: boolean;
  age_s: number | null;
  /** The link of the fallback chain that answered. */
  link?: string;
  /** Links tried before it, and why each failed. */
  failures?: Array<{ link: string; provider?: string; error: string }>;
  points?: number;
}

export interface IntensitySeries {
  zone: string;
  points: IntensityPoint[];
  parts: IntensityPart[];
}

export interface ZonePlan {
  zone: string;
  start: string;
  end: string;
  chunks: Array<{ start: string; end: string }>;
  energy_j: number;
  emissions_g: number | null;
  baseline_emissions_g: number | null;
  saving_g: number | null;
  saving_fraction: number;
  mean_intensity_g_per_kwh: number;
  baseline_intensity_g_per_kwh: number;
  source: { name: string; link?: string; provider?: string; age_s?: number | null };
}

export interface PlanResult {
  earliest_start: string;
  deadline: string;
  best: ZonePlan;
  plans: ZonePlan[];
  notes: string[];
}

export type JobState = 'queued' | 'scheduled' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  job_id: string;
  name: string;
  state: JobState;
  executor: string;
  planned_start: string | null;
  created_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  exit_code: number | null;
  run_id: string | null;
  host: string | null;
  message: string | null;
  /** A request the executor has yet to act on: 'hold' (pause), 'release', 'cancel'... */
  pending_request?: string | null;
  spec: Record<string, unknown> & { zone?: string; durationS?: number; argv?: string[] };
  plan: {
    planned_start: string | null;
    planned_end: string | null;
    zone: string | null;
    source: string | null;
    emissions_g: number | null;
    saving_g: number | null;
    saving_fraction: number | null;
    note?: string;
  };
  events?: Array<{ at: string; state: string; message: string | null }>;
}

export interface SimulationRow {
  scenario: 'periodic' | 'ml';
  zone: string;
  year: number;
  variant: string;
  interruptible: boolean;
  noise: number;
  runs: number;
  jobs: number;
  baselineKg?: number;
  shiftedKg?: number;
  savingsPct?: number;
  savingsPctStd?: number;
  baseline_kg?: number;
  shifted_kg?: number;
  savings_pct?: number;
  savings_pct_std?: number;
}
