import { Counter, Gauge, Pushgateway, Registry } from 'prom-client';
import { nowS, type RunRow, type RunTotalRow, type Store } from '@verdant/core';
import { LIVE_STATUSES, facilityPowerW, toGroupSummary } from './summary.js';
import type { TrackerSnapshot } from '../measurement/tracker.js';

type RunLabel = 'run' | 'name';
type TotalLabel = 'name' | 'zone' | 'host';

/**
 * Series of one run, one definition for both exposures: `verdant serve`'s /metrics (from the store, for live
 * and recently ended runs only) and the Pushgateway (from a live tracker). Names follow Prometheus
 * conventions: the unit in the name, `_total` for counters. Energy is facility energy (sensors x PUE), as in
 * the run's `energy_j`; power is each sensor's device power.
 */
export interface RunMetrics {
  registry: Registry;
  energy: Counter<RunLabel>;
  emissions: Counter<RunLabel>;
  power: Gauge<RunLabel | 'sensor'>;
  intensity: Gauge<RunLabel | 'zone'>;
  info: Gauge<RunLabel | 'status' | 'zone' | 'host'>;
  /** Share of the run's budget used, by kind (energy, emissions): 1 is the limit. Only runs with a budget. */
  budget: Gauge<RunLabel | 'kind'>;
}

export function createRunMetrics(registry = new Registry()): RunMetrics {
  const registers = [registry];
  return {
    registry,
    energy: new Counter({ name: 'verdant_run_energy_joules_total', help: 'Energy of the run so far, sensors x PUE (J).', labelNames: ['run', 'name'], registers }),
    emissions: new Counter({ name: 'verdant_run_emissions_grams_total', help: 'Emissions of the run so far, PUE included (gCO2e).', labelNames: ['run', 'name'], registers }),
    power: new Gauge({ name: 'verdant_run_power_watts', help: 'Latest interval-average device power of a live run, by sensor (W, without PUE).', labelNames: ['run', 'name', 'sensor'], registers }),
    intensity: new Gauge({ name: 'verdant_run_grid_intensity_grams_per_kwh', help: 'Grid carbon intensity in force for a live run (gCO2e/kWh).', labelNames: ['run', 'name', 'zone'], registers }),
    info: new Gauge({ name: 'verdant_run_info', help: 'Always 1; the run\'s status, zone and host as labels.', labelNames: ['run', 'name', 'status', 'zone', 'host'], registers }),
    budget: new Gauge({ name: 'verdant_run_budget_used_ratio', help: 'Share of the run\'s budget used so far, by kind (energy or emissions); 1 is the limit.', labelNames: ['run', 'name', 'kind'], registers }),
  };
}

/** Totals by name, zone and host over every run the store holds: bounded series that survive restarts. */
export interface TotalMetrics {
  registry: Registry;
  energy: Counter<TotalLabel>;
  emissions: Counter<TotalLabel>;
  runsEnded: Counter<TotalLabel>;
}

export function createTotalMetrics(registry = new Registry()): TotalMetrics {
  const registers = [registry];
  const labelNames: TotalLabel[] = ['name', 'zone', 'host'];
  return {
    registry,
    energy: new Counter({ name: 'verdant_energy_joules_total', help: 'Energy of all runs, ended and live, sensors x PUE (J).', labelNames, registers }),
    emissions: new Counter({ name: 'verdant_emissions_grams_total', help: 'Emissions of all runs, ended and live, PUE included (gCO2e).', labelNames, registers }),
    runsEnded: new Counter({ name: 'verdant_runs_ended_total', help: 'Runs that have ended (succeeded, failed, stopped or interrupted).', labelNames, registers }),
  };
}

/** Sets a counter to an absolute value (the values come from measurements, not increments). */
function setCounter<L extends string>(c: Counter<L>, labels: Record<L, string>, value: number): void {
  c.remove(labels);
  c.inc(labels, Math.max(0, value));
}

export function observeSnapshot(m: RunMetrics, name: string, zone: string, snap: TrackerSnapshot): void {
  const run = { run: snap.runId, name };
  setCounter(m.energy, run, snap.energyJ);
  setCounter(m.emissions, run, snap.emissionsG);
  for (const s of snap.sensors) m.power.set({ ...run, sensor: s.id }, s.powerW);
  m.intensity.set({ ...run, zone }, snap.intensityGPerKwh);
}

/**
 * One stored run's series. `latest` (each sensor's latest sample) gives a live run its power and intensity
 * gauges; an ended run has none (nothing is drawn any more).
 */
export function observeRun(m: RunMetrics, row: RunRow, latest: ReadonlyArray<{ sensor_id: string; t: number; power_w: number; intensity_g_per_kwh: number }> = []): void {
  const run = { run: row.id, name: row.name };
  setCounter(m.energy, run, row.energy_j);
  setCounter(m.emissions, run, row.emissions_g);
  m.info.set({ ...run, status: row.status, zone: row.zone, host: row.host }, 1);
  const limits = budgetLimits(row.meta);
  if (limits.energyJ !== undefined) m.budget.set({ ...run, kind: 'energy' }, row.energy_j / limits.energyJ);
  if (limits.emissionsG !== undefined) m.budget.set({ ...run, kind: 'emissions' }, row.emissions_g / limits.emissionsG);
  if (!LIVE_STATUSES.includes(row.status) || !latest.length) return;
  for (const s of latest) m.power.set({ ...run, sensor: s.sensor_id }, s.power_w);
  const newest = latest.reduce((a, b) => (b.t > a.t ? b : a));
  m.intensity.set({ ...run, zone: row.zone }, newest.intensity_g_per_kwh);
}

/** The run's budget limits as `verdant run` keeps them in its meta (`budget.maxEnergyJ`, `budget.maxEmissionsG`); positive ones only. */
function budgetLimits(metaJson: string): { energyJ?: number; emissionsG?: number } {
  let budget: unknown;
  try {
    budget = (JSON.parse(metaJson) as { budget?: unknown } | null)?.budget;
  } catch {
    return {};
  }
  if (typeof budget !== 'object' || budget === null) return {};
  const { maxEnergyJ, maxEmissionsG } = budget as { maxEnergyJ?: unknown; maxEmissionsG?: unknown };
  const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
  return { ...(positive(maxEnergyJ) ? { energyJ: maxEnergyJ } : {}), ...(positive(maxEmissionsG) ? { emissionsG: maxEmissionsG } : {}) };
}

export function observeTotals(m: TotalMetrics, rows: readonly RunTotalRow[]): void {
  for (const r of rows) {
    const labels = { name: r.name, zone: r.zone, host: r.host };
    setCounter(m.energy, labels, r.energy_j);
    setCounter(m.emissions, labels, r.emissions_g);
    setCounter(m.runsEnded, labels, r.runs);
  }
}

type GroupLabel = 'group' | 'host';

/**
 * Series of run groups (one job on several hosts or tasks) by group and host: a group's total is their sum.
 * Energy, emissions and power are facility figures (sensors x PUE), as in the group's summary.
 */
export interface GroupMetrics {
  registry: Registry;
  energy: Counter<GroupLabel>;
  emissions: Counter<GroupLabel>;
  power: Gauge<GroupLabel>;
  members: Gauge<GroupLabel>;
  info: Gauge<'group' | 'status'>;
}

export function createGroupMetrics(registry = new Registry()): GroupMetrics {
  const registers = [registry];
  const labelNames: GroupLabel[] = ['group', 'host'];
  return {
    registry,
    energy: new Counter({ name: 'verdant_group_energy_joules_total', help: "Energy of a run group's members on one host, sensors x PUE (J).", labelNames, registers }),
    emissions: new Counter({ name: 'verdant_group_emissions_grams_total', help: "Emissions of a run group's members on one host, PUE included (gCO2e).", labelNames, registers }),
    power: new Gauge({ name: 'verdant_group_power_watts', help: "Power of a run group's live members on one host now, sensors x PUE (W).", labelNames, registers }),
    members: new Gauge({ name: 'verdant_group_members', help: "Member runs of a run group on one host (live and ended).", labelNames, registers }),
    info: new Gauge({ name: 'verdant_group_info', help: "Always 1; the run group's status as a label.", labelNames: ['group', 'status'], registers }),
  };
}

/** One group's series from its member runs and the live members' facility power now (W, by run id). */
export function observeGroup(m: GroupMetrics, groupId: string, rows: readonly RunRow[], powerW: ReadonlyMap<string, number>): void {
  const g = toGroupSummary(groupId, rows, powerW);
  m.info.set({ group: groupId, status: g.status }, 1);
  for (const h of g.by_host) {
    const labels = { group: groupId, host: h.host };
    setCounter(m.energy, labels, h.energy_j);
    setCounter(m.emissions, labels, h.emissions_g);
    m.power.set(labels, h.power_w);
    m.members.set(labels, h.members);
  }
}

export interface StoreMetricsOptions {
  /** Runs that ended at most this long ago keep their own series, s (default 3600). */
  recentS?: number;
  /** At most this many of them, the most recently ended (default 100). Live runs always have theirs. */
  recentLimit?: number;
  /** Epoch seconds (default now). */
  now?: number;
}

const DEFAULT_RECENT_S = 3600;
const DEFAULT_RECENT_LIMIT = 100;

/**
 * The store's metrics for a scrape: totals by name, zone and host (maintained as runs end, plus live runs'
 * progress), per-run series for live runs and those ended within `recentS`, and per-host series of the run
 * groups those runs belong to (every member counted, read through the group index). Its cost follows the number
 * of live and recent runs, of their groups' members and of (name, zone, host), not the number of runs stored.
 */
export async function collectStoreMetrics(store: Store, options: StoreMetricsOptions = {}, registry = new Registry()): Promise<Registry> {
  const now = options.now ?? nowS();
  const { live, ended } = await store.liveAndRecentRuns({
    endedSince: now - (options.recentS ?? DEFAULT_RECENT_S),
    limit: options.recentLimit ?? DEFAULT_RECENT_LIMIT,
  });
  const [totals, latest] = await Promise.all([store.runTotals(), Promise.all(live.map((r) => store.latestSamples(r.id)))]);
  observeTotals(createTotalMetrics(registry), totals);
  const m = createRunMetrics(registry);
  live.forEach((r, i) => observeRun(m, r, latest[i]));
  for (const r of ended) observeRun(m, r);
  const groupIds = [...new Set([...live, ...ended].flatMap((r) => (r.group_id ? [r.group_id] : [])))];
  if (groupIds.length) {
    // Every live member is in `live` (their latest samples read above): a member's power is its sensors' x PUE.
    const powerW = new Map(live.map((r, i) => [r.id, facilityPowerW(latest[i] ?? [], r.pue)]));
    const members = await store.runsOfGroups(groupIds);
    const byGroup = new Map<string, RunRow[]>();
    for (const r of members) {
      const list = byGroup.get(r.group_id!);
      if (list) list.push(r);
      else byGroup.set(r.group_id!, [r]);
    }
    const gm = createGroupMetrics(registry);
    for (const [id, rows] of byGroup) observeGroup(gm, id, rows, powerW);
  }
  return registry;
}

/** Pushes a live run's metrics to a Prometheus Pushgateway (job "verdant", grouped by run). */
export class PushgatewayReporter {
  private readonly metrics = createRunMetrics();
  private readonly gateway: Pushgateway<'text/plain; version=0.0.4; charset=utf-8'>;
  private inFlight: Promise<unknown> | undefined;

  constructor(
    url: string,
    private readonly name: string,
    private readonly zone: string,
    private readonly onError: (e: Error) => void = () => undefined,
  ) {
    this.gateway = new Pushgateway(url, { timeout: 5000 }, this.metrics.registry);
  }

  push(snap: TrackerSnapshot): void {
    if (this.inFlight) return; // never queue pushes behind a slow gateway
    observeSnapshot(this.metrics, this.name, this.zone, snap);
    this.inFlight = this.gateway
      .pushAdd({ jobName: 'verdant', groupings: { run: snap.runId } })
      .catch((e: Error) => this.onError(e))
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  async flush(snap: TrackerSnapshot): Promise<void> {
    await this.inFlight;
    this.push(snap);
    await this.inFlight;
  }
}
