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
  /** The run group this run is a member of (one job on several hosts or tasks), or null. */
  group_id: string | null;
  /** The member's task within its group (SLURM_PROCID, RANK or LOCAL_RANK), or null. */
  task: string | null;
}

export interface RunSensorsTable {
  run_id: string;
  sensor_id: string;
  kind: string;
  method: string;
  description: string;
  estimate: number;
  /** Summed from the samples when the run ended (NULL before; migration 0010). */
  energy_j?: number | null;
  emissions_g?: number | null;
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

/** Totals of the runs that have ended, by name, zone and host (kept when a run ends; see Store.runTotals). */
export interface RunTotalsTable {
  name: string;
  zone: string;
  host: string;
  /** Runs ended. */
  runs: number;
  /** Facility energy (sensor energy x PUE), J. */
  energy_j: number;
  emissions_g: number;
}

/** What each ended run has added to run_totals, so a run that ends again adds only the difference. */
export interface RunTotalsCountedTable {
  run_id: string;
  energy_j: number;
  emissions_g: number;
}

export interface KvTable {
  key: string;
  value: string;
  updated_at: number;
}

/** Lifecycle of a queued job (see docs/scheduling.md). */
export type JobState = 'queued' | 'scheduled' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

/** The persistent job queue (@verdant/schedule's queue module owns the access code). */
export interface JobsTable {
  id: string;
  name: string;
  state: JobState;
  /** The executor's name (`local`, `slurm`, ...: @verdant/schedule's executors registry). */
  executor: string;
  /** JSON: argv, cwd, env, duration, window, interruptible, checkpoint signal, thresholds, zone. */
  spec: string;
  /** JSON: the plan (planned start, expected emissions, saving). */
  plan: string;
  planned_start: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  ended_at: number | null;
  /** Scheduler instance that holds the job while it runs; null when none does. */
  owner: string | null;
  /** The owner's claim expires at this time unless renewed (heartbeat). */
  lease_until: number | null;
  /** How many times a process was started for it (1 normally; more after checkpoint restarts). */
  attempts: number;
  /** Seconds it has run so far (excludes pauses). */
  ran_s: number;
  /** Start of the current running stretch, when running. */
  resumed_at: number | null;
  pid: number | null;
  host: string | null;
  run_id: string | null;
  /** The executor's own id (Slurm job id). */
  external_id: string | null;
  exit_code: number | null;
  /** A user request the owner applies: 'cancel' | 'pause' | 'resume'. */
  request: string | null;
  /** Why it is in its state, for humans. */
  message: string;
}

export interface JobEventsTable {
  job_id: string;
  t: number;
  state: string;
  message: string;
}

/** Readers streaming live runs: scope '*' (every live run) or a run id; until: epoch s. */
export interface RunWatchersTable {
  scope: string;
  until: number;
}

export interface Database {
  runs: RunsTable;
  run_sensors: RunSensorsTable;
  samples: SamplesTable;
  intensity_points: IntensityPointsTable;
  kv: KvTable;
  run_totals: RunTotalsTable;
  run_totals_counted: RunTotalsCountedTable;
  jobs: JobsTable;
  job_events: JobEventsTable;
  run_watchers: RunWatchersTable;
}

export type { Generated };
