import type { Generated } from 'kysely';

/** Status of a measured run. `interrupted` is set when the tracking process died (kill -9, crash). */
export type RunStatus = 'running' | 'paused' | 'succeeded' | 'failed' | 'stopped' | 'interrupted';

export interface RunsTable {
  id: string;
  name: string;
  status: RunStatus;
  /** JSON array of argv. */
  command: string;
  cwd: string;
  zone: string;
  intensity_source: string;
  pue: number;
  interval_s: number;
  started_at: number;
  ended_at: number | null;
  heartbeat_at: number;
  exit_code: number | null;
  pid: number | null;
  child_pid: number | null;
  host: string;
  /** Facility energy so far (sensor energy x PUE), J. */
  energy_j: number;
  emissions_g: number;
  /** JSON: options, budgets, progress, prediction, notes. */
  meta: string;
}

export interface RunSensorsTable {
  run_id: string;
  sensor_id: string;
  kind: string;
  method: string;
  description: string;
  estimate: number;
}

export interface SamplesTable {
  run_id: string;
  sensor_id: string;
  /** End of the interval, epoch seconds. */
  t: number;
  /** Length of the interval, seconds. */
  dt: number;
  /** Device energy in the interval (no PUE), J. */
  energy_j: number;
  power_w: number;
  intensity_g_per_kwh: number;
  /** Emissions of the interval including PUE, g. */
  emissions_g: number;
}

export interface IntensityPointsTable {
  zone: string;
  t: number;
  resolution_s: number;
  g_per_kwh: number;
  signal: string;
  source: string;
  /** 0 for measured values; the forecast's generation time otherwise. */
  generated_at: number;
  fetched_at: number;
}

export interface KvTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface Database {
  runs: RunsTable;
  run_sensors: RunSensorsTable;
  samples: SamplesTable;
  intensity_points: IntensityPointsTable;
  kv: KvTable;
}

export type { Generated };
