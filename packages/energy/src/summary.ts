import { J_PER_KWH, toIso, type RunRow, type Store } from '@verdant/core';

export interface SensorSummary {
  id: string;
  kind: string;
  method: string;
  /** Device energy (no PUE), J. */
  energy_j: number;
  emissions_g: number;
  estimate: boolean;
  description: string;
}

/** The one JSON shape of a run: printed by `verdant run --json` and `verdant runs show --json`, served by the API. */
export interface RunSummary {
  run_id: string;
  name: string;
  status: string;
  exit_code: number | null;
  command: string[];
  cwd: string;
  started_at: string;
  ended_at: string | null;
  duration_s: number;
  /** Facility energy (sensors x PUE), J. */
  energy_j: number;
  energy_kwh: number;
  emissions_g: number;
  /** Energy-weighted mean intensity over the run, gCO2e/kWh. */
  intensity_g_per_kwh: number;
  zone: string;
  intensity_source: string;
  pue: number;
  interval_s: number;
  host: string;
  pid: number | null;
  child_pid: number | null;
  sensors: SensorSummary[];
  meta: Record<string, unknown>;
}

/** One line of a run listing: the same fields for `verdant runs list --json` and `GET /api/runs`. */
export function runListItem(r: RunRow) {
  return {
    run_id: r.id,
    name: r.name,
    status: r.status,
    started_at: toIso(r.started_at),
    ended_at: r.ended_at === null ? null : toIso(r.ended_at),
    duration_s: (r.ended_at ?? r.heartbeat_at) - r.started_at,
    energy_j: r.energy_j,
    emissions_g: r.emissions_g,
    zone: r.zone,
    exit_code: r.exit_code,
  };
}

export async function summarizeRun(store: Store, runId: string): Promise<RunSummary | undefined> {
  const row = await store.getRun(runId);
  return row ? summarizeRow(store, row) : undefined;
}

/** The summary of a run already read (e.g. from `listRuns`), without reading the run again. */
export async function summarizeRow(store: Store, row: RunRow): Promise<RunSummary> {
  const totals = await store.sensorTotals(row.id);
  return toSummary(
    row,
    totals.map((t) => ({
      id: t.sensor_id,
      kind: t.kind,
      method: t.method,
      energy_j: t.energy_j,
      emissions_g: t.emissions_g,
      estimate: t.estimate,
      description: t.description,
    })),
  );
}

export function toSummary(row: RunRow, sensors: SensorSummary[]): RunSummary {
  const end = row.ended_at ?? row.heartbeat_at;
  const kwh = row.energy_j / J_PER_KWH;
  let meta: Record<string, unknown> = {};
  try {
    meta = JSON.parse(row.meta) as Record<string, unknown>;
  } catch {
    meta = {};
  }
  return {
    run_id: row.id,
    name: row.name,
    status: row.status,
    exit_code: row.exit_code,
    command: JSON.parse(row.command) as string[],
    cwd: row.cwd,
    started_at: toIso(row.started_at),
    ended_at: row.ended_at === null ? null : toIso(row.ended_at),
    duration_s: Math.max(0, end - row.started_at),
    energy_j: row.energy_j,
    energy_kwh: kwh,
    emissions_g: row.emissions_g,
    intensity_g_per_kwh: kwh > 0 ? row.emissions_g / kwh : 0,
    zone: row.zone,
    intensity_source: row.intensity_source,
    pue: row.pue,
    interval_s: row.interval_s,
    host: row.host,
    pid: row.pid,
    child_pid: row.child_pid,
    sensors,
    meta,
  };
}
