import { J_PER_KWH, toIso, type RunRow, type RunStatus, type Store } from '@verdant/core';

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

/** What a run and a run group both report of their energy: facility energy, its emissions and their mean intensity. */
export interface EnergyTotals {
  /** Facility energy (sensors x PUE), J. */
  energy_j: number;
  energy_kwh: number;
  emissions_g: number;
  /** Energy-weighted mean intensity over the energy, gCO2e/kWh. */
  intensity_g_per_kwh: number;
}

/** The totals of `energyJ` facility joules that emitted `emissionsG`: kWh and mean intensity derived from them. */
function energyTotals(energyJ: number, emissionsG: number): EnergyTotals {
  const kwh = energyJ / J_PER_KWH;
  return { energy_j: energyJ, energy_kwh: kwh, emissions_g: emissionsG, intensity_g_per_kwh: kwh > 0 ? emissionsG / kwh : 0 };
}

/** A stored run's end (null while live) and its length so far, up to its last heartbeat while live. */
function runSpan(r: RunRow): { ended_at: string | null; duration_s: number } {
  return { ended_at: r.ended_at === null ? null : toIso(r.ended_at), duration_s: Math.max(0, (r.ended_at ?? r.heartbeat_at) - r.started_at) };
}

/** The one JSON shape of a run: printed by `verdant run --json` and `verdant runs show --json`, served by the API. */
export interface RunSummary extends EnergyTotals {
  run_id: string;
  name: string;
  status: string;
  exit_code: number | null;
  command: string[];
  cwd: string;
  started_at: string;
  ended_at: string | null;
  duration_s: number;
  zone: string;
  intensity_source: string;
  pue: number;
  interval_s: number;
  host: string;
  /** The run group the run is a member of (one job on several hosts or tasks), or null; `runs show <group>` shows it. */
  group_id: string | null;
  /** Its task (rank) in the group (SLURM_PROCID, RANK or LOCAL_RANK), or null. */
  task: string | null;
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
    host: r.host,
    group_id: r.group_id ?? null,
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
    ...runSpan(row),
    ...energyTotals(row.energy_j, row.emissions_g),
    zone: row.zone,
    intensity_source: row.intensity_source,
    pue: row.pue,
    interval_s: row.interval_s,
    host: row.host,
    group_id: row.group_id ?? null,
    task: row.task ?? null,
    pid: row.pid,
    child_pid: row.child_pid,
    sensors,
    meta,
  };
}

/** One member run of a group, as `runs show <group>` lists it. */
export interface GroupMemberSummary {
  run_id: string;
  name: string;
  host: string;
  /** The member's task (rank) in the group, or null. */
  task: string | null;
  status: RunStatus;
  exit_code: number | null;
  started_at: string;
  ended_at: string | null;
  duration_s: number;
  /** Facility energy (sensors x PUE), J. */
  energy_j: number;
  emissions_g: number;
  /** Facility power now (latest interval of each sensor x PUE), W; 0 once the member has ended. */
  power_w: number;
}

/** A group's members on one host, summed. */
export interface GroupHostSummary {
  host: string;
  members: number;
  /** The members' tasks on this host (those that have one), in order. */
  tasks: string[];
  status: RunStatus;
  energy_j: number;
  emissions_g: number;
  power_w: number;
}

/**
 * The one JSON shape of a run group (one job on several hosts or tasks, each member a run): printed by
 * `verdant runs show <group> --json`, served by `GET /api/groups/:id`.
 */
export interface GroupSummary extends EnergyTotals {
  group_id: string;
  /** Running while any member runs (paused while the live ones are all paused); once all have ended, the worst of failed, interrupted, stopped, succeeded. */
  status: RunStatus;
  /** The earliest member start and, once every member has ended, the latest end. */
  started_at: string;
  ended_at: string | null;
  duration_s: number;
  /** Facility power of the live members now, W. */
  power_w: number;
  zones: string[];
  by_host: GroupHostSummary[];
  members: GroupMemberSummary[];
}

/** Live first, then the ended statuses from the one that most needs a look. */
const GROUP_STATUS_ORDER: readonly RunStatus[] = ['running', 'paused', 'failed', 'interrupted', 'stopped', 'succeeded'];

/** The status of several runs seen as one: see GroupSummary.status. */
export function groupStatus(statuses: readonly RunStatus[]): RunStatus {
  for (const st of GROUP_STATUS_ORDER) if (statuses.includes(st)) return st;
  return 'succeeded';
}

/** A run that is still measuring (the group summary and the metrics give these a power figure). */
export const LIVE_STATUSES: readonly RunStatus[] = ['running', 'paused'];

/** Tasks in numeric order when they are numbers ("2" before "10"), members without one last. */
function byTask(a: RunRow, b: RunRow): number {
  if (a.task === b.task) return a.started_at - b.started_at;
  if (a.task === null) return 1;
  if (b.task === null) return -1;
  return Number(a.task) - Number(b.task) || a.task.localeCompare(b.task);
}

/**
 * A group's summary from its member runs (`rows`, all of one group) and each live member's facility power now
 * (`powerW`, by run id; members not in it count 0 W).
 */
export function toGroupSummary(groupId: string, rows: readonly RunRow[], powerW: ReadonlyMap<string, number> = new Map()): GroupSummary {
  const members = [...rows].sort((a, b) => a.host.localeCompare(b.host) || byTask(a, b));
  const memberSummaries: GroupMemberSummary[] = members.map((r) => ({
    run_id: r.id,
    name: r.name,
    host: r.host,
    task: r.task ?? null,
    status: r.status,
    exit_code: r.exit_code,
    started_at: toIso(r.started_at),
    ...runSpan(r),
    energy_j: r.energy_j,
    emissions_g: r.emissions_g,
    power_w: LIVE_STATUSES.includes(r.status) ? (powerW.get(r.id) ?? 0) : 0,
  }));
  const hosts = new Map<string, GroupMemberSummary[]>();
  for (const m of memberSummaries) {
    const list = hosts.get(m.host);
    if (list) list.push(m);
    else hosts.set(m.host, [m]);
  }
  const sum = (xs: readonly GroupMemberSummary[], k: 'energy_j' | 'emissions_g' | 'power_w'): number => xs.reduce((a, x) => a + x[k], 0);
  const start = members.length ? Math.min(...members.map((r) => r.started_at)) : 0;
  const allEnded = members.every((r) => r.ended_at !== null && !LIVE_STATUSES.includes(r.status));
  const end = members.length ? Math.max(...members.map((r) => r.ended_at ?? r.heartbeat_at)) : 0;
  return {
    group_id: groupId,
    status: groupStatus(members.map((r) => r.status)),
    started_at: toIso(start),
    ended_at: allEnded && members.length ? toIso(end) : null,
    duration_s: Math.max(0, end - start),
    ...energyTotals(sum(memberSummaries, 'energy_j'), sum(memberSummaries, 'emissions_g')),
    power_w: sum(memberSummaries, 'power_w'),
    zones: [...new Set(members.map((r) => r.zone))].sort(),
    by_host: [...hosts].map(([host, ms]) => ({
      host,
      members: ms.length,
      tasks: ms.flatMap((m) => (m.task === null ? [] : [m.task])),
      status: groupStatus(ms.map((m) => m.status)),
      energy_j: sum(ms, 'energy_j'),
      emissions_g: sum(ms, 'emissions_g'),
      power_w: sum(ms, 'power_w'),
    })),
    members: memberSummaries,
  };
}

/** A live run's facility power now, from each sensor's latest sample (`store.latestSamples`): their power x PUE. */
export function facilityPowerW(latest: ReadonlyArray<{ power_w: number }>, pue: number): number {
  return latest.reduce((a, s) => a + s.power_w, 0) * pue;
}

/** The summary of a run group (stale members are marked interrupted first), or undefined when no run is in it. */
export async function summarizeGroup(store: Store, groupId: string): Promise<GroupSummary | undefined> {
  const rows = await store.groupRuns(groupId);
  if (!rows.length) return undefined;
  const live = rows.filter((r) => LIVE_STATUSES.includes(r.status));
  const latest = await Promise.all(live.map((r) => store.latestSamples(r.id)));
  return toGroupSummary(groupId, rows, new Map(live.map((r, i) => [r.id, facilityPowerW(latest[i]!, r.pue)])));
}
