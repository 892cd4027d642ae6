import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery, Kysely } from 'kysely';
import { ExitCode, VerdantError } from '../errors.js';
import type { IntensityPoint } from '../intensity.js';
import { nowS } from '../time.js';
import { localHostName } from './host.js';
import type { Connection, Dialect, OpenOptions } from './open.js';
import { checkRunPageQuery, decodeCursor, encodeCursor, likeSubstring, sortSql, type RunCursor, type RunFilter, type RunPage, type RunPageQuery } from './run-page.js';
import type { Database, RunSensorsTable, RunStatus, RunsTable, RunTotalsTable, SamplesTable } from './schema.js';

/**
 * Kysely's `sql` tag, bound by `Store.open`: the query builder and the drivers load with the first store, not
 * with `@verdant/core` (importing core for an error or a unit parser stays cheap; see docs/decisions.md).
 */
let sql: typeof import('kysely').sql;

export type RunRow = RunsTable;
export { RUN_SORTS, RUN_STATUSES, decodeCursor, encodeCursor, type RunCursor, type RunFilter, type RunPage, type RunPageQuery, type RunSort, type SortOrder } from './run-page.js';
/** A run as `createRun` takes it: group and task may be left out (a run on its own). */
export type NewRunRow = Omit<RunRow, 'group_id' | 'task'> & Partial<Pick<RunRow, 'group_id' | 'task'>>;
export { HOST_NAME_ENV, checkGroupId, checkHostName, localHostName } from './host.js';
export type SampleRow = SamplesTable;
export type RunSensorRow = Omit<RunSensorsTable, 'energy_j' | 'emissions_g'>;
const RUN_SENSOR_COLUMNS = ['run_id', 'sensor_id', 'kind', 'method', 'description', 'estimate'] as const;

/** Energy and emissions of all runs (ended and live) of one name, zone and host, and how many have ended: a run_totals row with the live runs added. */
export type RunTotalRow = RunTotalsTable;

/**
 * One sensor's samples as columns (`Store.sampleSeries`), by time: what a chart's downsampler (t, power_w) and
 * its running totals (energy_j, emissions_g) read, without an object per sample.
 */
export interface SampleColumns {
  sensor_id: string;
  t: Float64Array;
  energy_j: Float64Array;
  power_w: Float64Array;
  emissions_g: Float64Array;
}

/** What a live tracker writes with each batch of samples (see `appendSamples`). */
export interface RunProgress {
  id: string;
  /** Facility energy of the samples written so far, J. */
  energy_j: number;
  emissions_g: number;
  heartbeat_at: number;
  /**
   * The tracker's current status (`running` or `paused`); never overwrites a final status. With `reviveOnly`
   * it is written only over `interrupted`: a reader marked the run so while the tracker's writes were held up
   * (store unreachable), and the heartbeat proves it alive.
   */
  status?: RunStatus;
  reviveOnly?: boolean;
  child_pid?: number | null;
  /**
   * The run's meta as JSON (progress, prediction, pauses, budget events, notes), when it changed since the last
   * write: a reader (`verdant serve` in another process) sees a running run's facts, not only its totals.
   */
  meta?: string;
}

export interface AppendOptions {
  /**
   * SQLite: the longest wait for another writer's lock, ms (default the store's busy timeout, 10 s). The wait
   * blocks the process, so a tracker passes a short one and retries at its next flush instead.
   */
  waitMs?: number;
  /**
   * With a run update: called with the latest deadline (epoch s) of the readers watching this run live (its own
   * page, or the overview of all live runs; see `markWatched`), 0 when none. Read back by the same UPDATE, so it
   * costs no statement of its own: a tracker writes every second only while someone watches.
   */
  onWatched?: (untilS: number) => void;
}

/** A run watched through this scope: every live run. */
export const WATCH_ALL_RUNS = '*';

/** Statuses a live tracker may still change; the others are final. */
const LIVE_STATUSES = `('running', 'paused', 'interrupted')`;

export interface SensorTotal {
  sensor_id: string;
  kind: string;
  method: string;
  description: string;
  estimate: boolean;
  energy_j: number;
  emissions_g: number;
}

/** A run whose heartbeat is older than this many intervals (and at least STALE_MIN_S) is presumed dead. */
const STALE_INTERVALS = 5;
const STALE_MIN_S = 15;

/** Statuses of a run that has ended (and counts in run_totals); the others are live. */
const ENDED_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'stopped', 'interrupted'];
const ENDED_SQL = `(${ENDED_STATUSES.map((st) => `'${st}'`).join(', ')})`;
const LIVE_RUN_STATUSES: readonly RunStatus[] = ['running', 'paused'];

/** The part of a run's energy and emissions not yet in run_totals (`r` a run, `c` its run_totals_counted row). */
const UNCOUNTED = `CASE WHEN r.energy_j > COALESCE(c.energy_j, 0) THEN r.energy_j - COALESCE(c.energy_j, 0) ELSE 0 END,
  CASE WHEN r.emissions_g > COALESCE(c.emissions_g, 0) THEN r.emissions_g - COALESCE(c.emissions_g, 0) ELSE 0 END`;

/**
 * Brings run_totals up to date with one run (parameter: its id), in the transaction that wrote it: a run that
 * has ended adds 1 run and its energy and emissions the first time, and only what it gained since when it
 * ends again (reaped as interrupted, then finished by its tracker). Totals never go down, as Prometheus
 * counters must not. Plain SQL that SQLite (3.24+) and PostgreSQL both run.
 */
const COUNT_RUN_SQL = [
  `INSERT INTO run_totals (name, zone, host, runs, energy_j, emissions_g)
   SELECT r.name, r.zone, r.host, CASE WHEN c.run_id IS NULL THEN 1 ELSE 0 END, ${UNCOUNTED}
   FROM runs r LEFT JOIN run_totals_counted c ON c.run_id = r.id
   WHERE r.id = @id AND r.status IN ${ENDED_SQL}
   ON CONFLICT (name, zone, host) DO UPDATE SET runs = run_totals.runs + excluded.runs,
     energy_j = run_totals.energy_j + excluded.energy_j, emissions_g = run_totals.emissions_g + excluded.emissions_g`,
  `INSERT INTO run_totals_counted (run_id, energy_j, emissions_g)
   SELECT r.id, r.energy_j, r.emissions_g FROM runs r WHERE r.id = @id AND r.status IN ${ENDED_SQL}
   ON CONFLICT (run_id) DO UPDATE SET
     energy_j = CASE WHEN excluded.energy_j > run_totals_counted.energy_j THEN excluded.energy_j ELSE run_totals_counted.energy_j END,
     emissions_g = CASE WHEN excluded.emissions_g > run_totals_counted.emissions_g THEN excluded.emissions_g ELSE run_totals_counted.emissions_g END`,
];

/**
 * Each sensor's totals, summed once as the run ends (and again if it ends again after being revived): with a
 * status change to an ended one (not with a run recorded already ended, an import, whose samples follow it).
 * Samples appended to a run after it ended would leave them stale: the tracker never does that.
 */
const SENSOR_TOTALS_SQL = [
  `UPDATE run_sensors SET energy_j = 0, emissions_g = 0
   WHERE run_id = @id AND EXISTS (SELECT 1 FROM runs r WHERE r.id = @id AND r.status IN ${ENDED_SQL})`,
  `UPDATE run_sensors SET energy_j = t.energy_j, emissions_g = t.emissions_g
   FROM (SELECT sensor_id, sum(energy_j) AS energy_j, sum(emissions_g) AS emissions_g FROM samples
         WHERE run_id = @id AND EXISTS (SELECT 1 FROM runs r WHERE r.id = @id AND r.status IN ${ENDED_SQL}) GROUP BY sensor_id) AS t
   WHERE run_sensors.run_id = @id AND run_sensors.sensor_id = t.sensor_id`,
];

/** run_totals plus what live runs have measured so far: one row per (name, zone, host), however many runs. */
const RUN_TOTALS_SQL = `SELECT name, zone, host, sum(runs) AS runs, sum(energy_j) AS energy_j, sum(emissions_g) AS emissions_g FROM (
  SELECT name, zone, host, runs, energy_j, emissions_g FROM run_totals
  UNION ALL
  SELECT r.name, r.zone, r.host, 0, ${UNCOUNTED}
  FROM runs r LEFT JOIN run_totals_counted c ON c.run_id = r.id
  WHERE r.status IN (${LIVE_RUN_STATUSES.map((st) => `'${st}'`).join(', ')})
) t GROUP BY name, zone, host ORDER BY name, zone, host`;

/**
 * The one store: runs, their sensors and samples, and cached intensity points, over SQLite or PostgreSQL.
 * General queries go through Kysely; sample ingest has a batched fast path per driver.
 */
export class Store {
  private constructor(private readonly conn: Connection) {}

  static async open(options: OpenOptions = {}): Promise<Store> {
    const [{ connect, migrate }, kysely] = await Promise.all([import('./open.js'), import('./kysely.js')]);
    sql = kysely.sql;
    const conn = await connect(options);
    try {
      await migrate(conn);
    } catch (e) {
      await conn.db.destroy().catch(() => undefined);
      throw e;
    }
    return new Store(conn);
  }

  get db(): Kysely<Database> {
    return this.conn.db;
  }
  get dialect(): Dialect {
    return this.conn.dialect;
  }
  get location(): string {
    return this.conn.location;
  }

  async close(): Promise<void> {
    await this.conn.db.destroy();
  }

  // ---- runs ----

  /** Records a new run and its sensors. Idempotent: repeating it after an unanswered commit changes nothing. */
  async createRun(run: NewRunRow, sensors: RunSensorRow[]): Promise<void> {
    if (ENDED_STATUSES.includes(run.status)) {
      // Recorded already ended (an import): counted in run_totals in the same transaction.
      const writes = [
        this.db
          .insertInto('runs')
          .values(run)
          .onConflict((oc) => oc.column('id').doNothing())
          .compile(),
      ];
      if (sensors.length) {
        writes.push(
          this.db
            .insertInto('run_sensors')
            .values(sensors)
            .onConflict((oc) => oc.columns(['run_id', 'sensor_id']).doNothing())
            .compile(),
        );
      }
      await this.writeCounted(run.id, writes, false);
      return;
    }
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('runs')
        .values(run)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      if (sensors.length) {
        await tx
          .insertInto('run_sensors')
          .values(sensors)
          .onConflict((oc) => oc.columns(['run_id', 'sensor_id']).doNothing())
          .execute();
      }
    });
  }

  async updateRun(id: string, patch: Partial<Omit<RunRow, 'id'>>): Promise<void> {
    if (patch.status !== undefined || patch.energy_j !== undefined || patch.emissions_g !== undefined) {
      // Possibly the end of the run: run_totals is brought up to date in the same transaction.
      await this.writeCounted(id, [this.db.updateTable('runs').set(patch).where('id', '=', id).compile()]);
      return;
    }
    await this.db.updateTable('runs').set(patch).where('id', '=', id).execute();
  }

  /**
   * Resolves a full id or a unique prefix (as `git` does). Errors name the ambiguity.
   */
  async resolveRunId(idOrPrefix: string): Promise<string> {
    const ids = await this.matchIds('id', idOrPrefix);
    if (ids.length === 1) return ids[0]!;
    throw new VerdantError(ids.length === 0 ? `no run with id ${idOrPrefix}` : `run id prefix ${idOrPrefix} is ambiguous`, {
      field: 'run',
      fix: 'list runs with `verdant runs list` and pass a full id',
      exitCode: ExitCode.usage,
    });
  }

  async getRun(id: string): Promise<RunRow | undefined> {
    await this.reapStaleRuns();
    return this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listRuns(options: { limit?: number; status?: RunStatus } = {}): Promise<RunRow[]> {
    await this.reapStaleRuns();
    let q = this.db.selectFrom('runs').selectAll().orderBy('started_at', 'desc').limit(options.limit ?? 50);
    if (options.status) q = q.where('status', '=', options.status);
    return q.execute();
  }

  /**
   * One page of runs, filtered and sorted, with cursors to the pages around it and the number of matching runs.
   * Keyset paging (the sort key and id of the row a cursor stands at), so a page costs the same wherever it
   * lies and a run added meanwhile shifts nothing; every sort reads an index (migration 0006). Bad input
   * (a limit out of range, a cursor made for another sort) is refused naming the query's field.
   */
  async pageRuns(query: RunPageQuery = {}): Promise<RunPage> {
    const q = checkRunPageQuery(query);
    const cursor = q.cursor === undefined || q.cursor === '' ? undefined : decodeCursor(q.cursor, q.sort, q.order);
    await this.reapStaleRuns();
    const { key, id } = sortSql(q.sort, this.dialect);
    const keyRef = sql.raw(key);
    const idRef = sql.raw(id);
    const backwards = cursor?.d === 'p';
    // Reading backwards is reading the other order from the cursor on, then turning the rows round.
    const desc = (q.order === 'desc') !== backwards;
    const filters = this.runFilterSql(q);
    const conds = [...filters];
    if (cursor) conds.push(sql`(${keyRef}, ${idRef}) ${sql.raw(desc ? '<' : '>')} (${cursor.v}, ${cursor.i})`);
    const dir = sql.raw(desc ? 'DESC' : 'ASC');
    const where = (cs: typeof conds) => (cs.length ? sql`WHERE ${sql.join(cs, sql` AND `)}` : sql``);
    const { rows } = await sql<RunRow & { sort_key: number | string }>`
      SELECT *, ${keyRef} AS sort_key FROM runs ${where(conds)} ORDER BY ${keyRef} ${dir}, ${idRef} ${dir} LIMIT ${q.limit + 1}`.execute(this.db);
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    if (backwards) page.reverse();
    const at = (r: (typeof page)[number] | undefined, d: 'n' | 'p'): string | null =>
      r ? encodeCursor({ s: q.sort, o: q.order, d, v: q.sort === 'name' ? String(r.sort_key) : Number(r.sort_key), i: r.id } satisfies RunCursor) : null;
    const counted = await sql<{ n: number | string }>`SELECT count(*) AS n FROM runs ${where(filters)}`.execute(this.db);
    return {
      rows: page.map(({ sort_key: _key, ...r }) => r as RunRow),
      nextCursor: backwards ? at(page.at(-1), 'n') : more ? at(page.at(-1), 'n') : null,
      prevCursor: backwards ? (more ? at(page[0], 'p') : null) : cursor ? at(page[0], 'p') : null,
      total: Number(counted.rows[0]?.n ?? 0),
    };
  }

  /** The WHERE conditions of a run filter (all must hold). */
  private runFilterSql(f: RunFilter) {
    const conds = [];
    if (f.status?.length) conds.push(sql`status IN (${sql.join([...f.status])})`);
    if (f.name !== undefined) conds.push(sql`name = ${f.name}`);
    if (f.zone !== undefined) conds.push(sql`zone = ${f.zone}`);
    if (f.host !== undefined) conds.push(sql`host = ${f.host}`);
    if (f.groupId !== undefined) conds.push(sql`group_id = ${f.groupId}`);
    if (f.since !== undefined) conds.push(sql`started_at >= ${f.since}`);
    if (f.until !== undefined) conds.push(sql`started_at < ${f.until}`);
    if (f.q !== undefined && f.q !== '') {
      const like = likeSubstring(f.q);
      conds.push(sql`(lower(name) LIKE ${like} ESCAPE '\\' OR lower(id) LIKE ${like} ESCAPE '\\')`);
    }
    return conds;
  }

  /**
   * Energy, emissions and number of the runs started in [since, until), by zone and host; live runs count
   * what they have measured so far. Reads the started_at index.
   */
  async runTotalsStartedBetween(since: number, until = Number.MAX_SAFE_INTEGER): Promise<Array<{ zone: string; host: string; runs: number; energy_j: number; emissions_g: number }>> {
    await this.reapStaleRuns();
    const { rows } = await sql<{ zone: string; host: string; runs: number | string; energy_j: number | string; emissions_g: number | string }>`
      SELECT zone, host, count(*) AS runs, sum(energy_j) AS energy_j, sum(emissions_g) AS emissions_g FROM runs
      WHERE started_at >= ${since} AND started_at < ${until} GROUP BY zone, host ORDER BY zone, host`.execute(this.db);
    return rows.map((r) => ({ zone: r.zone, host: r.host, runs: Number(r.runs), energy_j: Number(r.energy_j), emissions_g: Number(r.emissions_g) }));
  }

  // ---- run groups: one job on several hosts or tasks, each member a run of its own ----

  /** Resolves a full group id or a unique prefix of one. Errors name the ambiguity (field `group`). */
  async resolveGroupId(idOrPrefix: string): Promise<string> {
    const found = await this.matchIds('group_id', idOrPrefix);
    if (found.length === 1) return found[0]!;
    throw new VerdantError(found.length === 0 ? `no run group with id ${idOrPrefix}` : `group id prefix ${idOrPrefix} is ambiguous`, {
      field: 'group',
      fix: 'list runs and their groups with `verdant runs list` and pass a full group id',
      exitCode: ExitCode.usage,
    });
  }

  /**
   * Resolves what `runs show` is given: a run id or a group id, full or a unique prefix. A full id wins over a
   * prefix (a run's over a group's); a prefix that fits both a run and a group is ambiguous.
   */
  async resolveRunOrGroup(idOrPrefix: string): Promise<{ kind: 'run' | 'group'; id: string }> {
    const runs = await this.matchIds('id', idOrPrefix);
    if (runs[0] === idOrPrefix) return { kind: 'run', id: idOrPrefix };
    const groups = await this.matchIds('group_id', idOrPrefix);
    if (groups[0] === idOrPrefix) return { kind: 'group', id: idOrPrefix };
    const matches = [...runs.map((id) => ({ kind: 'run' as const, id })), ...groups.map((id) => ({ kind: 'group' as const, id }))];
    if (matches.length === 1) return matches[0]!;
    throw new VerdantError(matches.length === 0 ? `no run or run group with id ${idOrPrefix}` : `id prefix ${idOrPrefix} is ambiguous`, {
      field: 'run',
      fix: 'list runs and their groups with `verdant runs list` and pass a full id',
      exitCode: ExitCode.usage,
    });
  }

  /** Run ids or group ids (`column`): just `idOrPrefix` when one equals it, else at most two that start with it. */
  private async matchIds(column: 'id' | 'group_id', idOrPrefix: string): Promise<string[]> {
    const ref = sql.ref<string>(column);
    const exact = await this.db.selectFrom('runs').select(ref.as('v')).where(ref, '=', idOrPrefix).limit(1).executeTakeFirst();
    if (exact) return [idOrPrefix];
    const rows = await this.db
      .selectFrom('runs')
      .select(ref.as('v'))
      .distinct()
      .where(sql<string>`substr(${ref}, 1, ${idOrPrefix.length})`, '=', idOrPrefix)
      .limit(2)
      .execute();
    return rows.map((r) => r.v);
  }

  /** The member runs of a group (stale ones marked interrupted first), by host, task and start. */
  async groupRuns(groupId: string): Promise<RunRow[]> {
    await this.reapStaleRuns();
    return this.runsOfGroups([groupId]);
  }

  /** The member runs of these groups as stored (no reaping), by group, host, task and start; read through an index. */
  async runsOfGroups(groupIds: readonly string[]): Promise<RunRow[]> {
    if (!groupIds.length) return [];
    return this.db
      .selectFrom('runs')
      .selectAll()
      .where('group_id', 'in', [...groupIds])
      .orderBy('group_id')
      .orderBy('host')
      .orderBy('task')
      .orderBy('started_at')
      .execute();
  }

  async runSensors(runId: string): Promise<RunSensorRow[]> {
    return this.db.selectFrom('run_sensors').select(RUN_SENSOR_COLUMNS).where('run_id', '=', runId).orderBy('sensor_id').execute();
  }

  /**
   * Per-sensor energy and emissions from the samples (what survives a crash): of an ended run, as summed once
   * when it ended (run_sensors.energy_j, migration 0010); of a live run, or one that ended before that, summed now.
   */
  async sensorTotals(runId: string): Promise<SensorTotal[]> {
    const stored = await this.db
      .selectFrom('run_sensors as s')
      .innerJoin('runs as r', 'r.id', 's.run_id')
      .select([...RUN_SENSOR_COLUMNS.map((c) => `s.${c}` as const), 's.energy_j', 's.emissions_g', 'r.status'])
      .where('s.run_id', '=', runId)
      .orderBy('s.sensor_id')
      .execute();
    if (stored.length > 0 && stored.every((x) => ENDED_STATUSES.includes(x.status as RunStatus) && x.energy_j !== null && x.emissions_g !== null)) {
      return stored.map((x) => ({
        sensor_id: x.sensor_id,
        kind: x.kind,
        method: x.method,
        description: x.description,
        estimate: Boolean(x.estimate),
        energy_j: Number(x.energy_j),
        emissions_g: Number(x.emissions_g),
      }));
    }
    const sensors: RunSensorRow[] = stored.map(({ run_id, sensor_id, kind, method, description, estimate }) => ({ run_id, sensor_id, kind, method, description, estimate }));
    if (this.conn.sqlite && sensors.length > 0 && sensors.length <= 64) {
      // SQLite: one pass in time order over the (run_id, t) index (the table's own order) summing each sensor
      // apart, about three times cheaper on a long run than GROUP BY sensor_id, which visits the table in sensor order.
      const cols = sensors.map(() => `total(CASE WHEN sensor_id = ? THEN energy_j END), total(CASE WHEN sensor_id = ? THEN emissions_g END)`).join(', ');
      const sums = this.sqliteStatement(`SELECT ${cols} FROM samples INDEXED BY samples_run_t WHERE run_id = ?`)
        .raw(true)
        .get(...sensors.flatMap((x) => [x.sensor_id, x.sensor_id]), runId) as number[];
      return sensors.map((x, k) => ({
        sensor_id: x.sensor_id,
        kind: x.kind,
        method: x.method,
        description: x.description,
        estimate: Boolean(x.estimate),
        energy_j: sums[2 * k]!,
        emissions_g: sums[2 * k + 1]!,
      }));
    }
    const sums = await this.db
      .selectFrom('samples')
      .select(['sensor_id', sql<number>`sum(energy_j)`.as('energy_j'), sql<number>`sum(emissions_g)`.as('emissions_g')])
      .where('run_id', '=', runId)
      .groupBy('sensor_id')
      .execute();
    const byId = new Map(sums.map((s) => [s.sensor_id, s]));
    return sensors.map((s) => ({
      sensor_id: s.sensor_id,
      kind: s.kind,
      method: s.method,
      description: s.description,
      estimate: Boolean(s.estimate),
      energy_j: Number(byId.get(s.sensor_id)?.energy_j ?? 0),
      emissions_g: Number(byId.get(s.sensor_id)?.emissions_g ?? 0),
    }));
  }

  async samples(runId: string, sensorId?: string): Promise<SampleRow[]> {
    let q = this.db.selectFrom('samples').selectAll().where('run_id', '=', runId);
    if (sensorId) q = q.where('sensor_id', '=', sensorId);
    return q.orderBy('t').orderBy('sensor_id').execute();
  }

  /**
   * A run's samples with `after < t <= upTo` (either bound optional), by time then sensor, at most `limit`
   * (default all). Reads the (run_id, t) index: what a live stream polls for.
   */
  async samplesBetween(runId: string, range: { after?: number; upTo?: number; limit?: number } = {}): Promise<SampleRow[]> {
    let q = this.db.selectFrom('samples').selectAll().where('run_id', '=', runId);
    if (range.after !== undefined) q = q.where('t', '>', range.after);
    if (range.upTo !== undefined) q = q.where('t', '<=', range.upTo);
    q = q.orderBy('t').orderBy('sensor_id');
    if (range.limit !== undefined) q = q.limit(range.limit);
    return q.execute();
  }

  /**
   * A run's samples with `t <= upTo` (default all) as columns per sensor (sensors by id, samples by time), with
   * only the four columns a chart's downsampler and running totals need, read in one pass: a day at 1 Hz is
   * 86,400 rows per sensor, and building a JS object (or array) per row is what costs. SQLite: in one read
   * transaction (one snapshot), sized by a count from the index, then filled from an iterator in time order
   * over the (run_id, t) index, which follows the table's own order (samples are appended in time), with no
   * array of rows; PostgreSQL: one JSON array per sensor and column (json_agg), parsed natively.
   */
  async sampleSeries(runId: string, range: { upTo?: number } = {}): Promise<SampleColumns[]> {
    const upTo = range.upTo === undefined ? '' : ' AND t <= ?';
    const params: unknown[] = range.upTo === undefined ? [runId] : [runId, range.upTo];
    const sqlite = this.conn.sqlite;
    if (sqlite) {
      const count = this.sqliteStatement(`SELECT sensor_id, count(*) FROM samples WHERE run_id = ?${upTo} GROUP BY sensor_id ORDER BY sensor_id`).raw(true);
      const read = this.sqliteStatement(`SELECT sensor_id, t, energy_j, power_w, emissions_g FROM samples INDEXED BY samples_run_t WHERE run_id = ?${upTo} ORDER BY t`).raw(true);
      return sqlite.transaction(() => {
        const out: SampleColumns[] = (count.all(...params) as Array<[string, number]>).map(([sensor_id, n]) => ({
          sensor_id,
          t: new Float64Array(n),
          energy_j: new Float64Array(n),
          power_w: new Float64Array(n),
          emissions_g: new Float64Array(n),
        }));
        const at = new Map(out.map((c) => [c.sensor_id, { c, i: 0 }]));
        let last: { c: SampleColumns; i: number } | undefined;
        for (const r of read.iterate(...params) as IterableIterator<[string, number, number, number, number]>) {
          const w = last?.c.sensor_id === r[0] ? last : (last = at.get(r[0]));
          if (!w || w.i >= w.c.t.length) continue; // (not in the snapshot's count: cannot happen inside one transaction)
          const i = w.i++;
          w.c.t[i] = r[1];
          w.c.energy_j[i] = r[2];
          w.c.power_w[i] = r[3];
          w.c.emissions_g[i] = r[4];
        }
        return out;
      })();
    }
    // PostgreSQL: one JSON array per sensor and column, parsed natively (float8 text is exact).
    let n = 0;
    const text = `SELECT sensor_id, json_agg(t ORDER BY t)::text, json_agg(energy_j ORDER BY t)::text, json_agg(power_w ORDER BY t)::text, json_agg(emissions_g ORDER BY t)::text
      FROM samples WHERE run_id = ?${upTo} GROUP BY sensor_id ORDER BY sensor_id`;
    const res = await this.conn.pool!.query<[string, string, string, string, string]>({ text: text.replace(/\?/g, () => `$${++n}`), values: params, rowMode: 'array' });
    const col = (json: string) => Float64Array.from(JSON.parse(json) as number[]);
    const out = res.rows.map((r): SampleColumns => ({ sensor_id: r[0], t: col(r[1]), energy_j: col(r[2]), power_w: col(r[3]), emissions_g: col(r[4]) }));
    return out;
  }

  /** The stored samples of a run at the given (sensor, t) keys, in the order asked (a key with no sample is left out). */
  async samplesAt(runId: string, keys: ReadonlyArray<{ sensor_id: string; t: number }>): Promise<SampleRow[]> {
    const cols = 'run_id, sensor_id, t, dt, energy_j, power_w, intensity_g_per_kwh, emissions_g';
    if (this.conn.sqlite) {
      // One indexed lookup per key through a prepared statement: exact on t (bound as a double), no SQL per call.
      const one = this.sqliteStatement(`SELECT ${cols} FROM samples WHERE run_id = ? AND sensor_id = ? AND t = ?`);
      const out: SampleRow[] = [];
      for (const k of keys) {
        const row = one.get(runId, k.sensor_id, k.t) as SampleRow | undefined;
        if (row) out.push(row);
      }
      return out;
    }
    // One query per sensor with its times as an array: one index scan (a ScalarArrayOp on (run_id, sensor_id, t)).
    const bySensor = new Map<string, number[]>();
    for (const k of keys) {
      const ts = bySensor.get(k.sensor_id);
      if (ts) ts.push(k.t);
      else bySensor.set(k.sensor_id, [k.t]);
    }
    const found = new Map<string, SampleRow>();
    for (const [sensor, ts] of bySensor) {
      const res = await this.conn.pool!.query<SampleRow>({ text: `SELECT ${cols} FROM samples WHERE run_id = $1 AND sensor_id = $2 AND t = ANY($3::float8[])`, values: [runId, sensor, ts] });
      for (const r of res.rows) found.set(`${sensor}\u0000${Number(r.t)}`, r);
    }
    const res = { rows: keys.flatMap((k) => found.get(`${k.sensor_id}\u0000${k.t}`) ?? []) };
    return res.rows.map((r) => ({ ...r, t: Number(r.t), dt: Number(r.dt), energy_j: Number(r.energy_j), power_w: Number(r.power_w), intensity_g_per_kwh: Number(r.intensity_g_per_kwh), emissions_g: Number(r.emissions_g) }));
  }

  /**
   * A run's device energy (all sensors, no PUE) summed into buckets of `bucketS` from `start`, a sample counting
   * in the bucket of its interval's middle: a power profile read without sending every sample (a day at 1 Hz is
   * 1,440 one-minute rows). Buckets without samples are absent.
   */
  async energyBuckets(runId: string, start: number, bucketS: number): Promise<Array<{ bucket: number; energy_j: number }>> {
    const index = this.dialect === 'postgres' ? sql`floor((t - dt / 2 - ${start}) / ${bucketS})` : sql`CAST((t - dt / 2.0 - ${start}) / ${bucketS} AS INTEGER)`;
    const { rows } = await sql<{ bucket: number | string; energy_j: number | string }>`
      SELECT ${index} AS bucket, sum(energy_j) AS energy_j FROM samples WHERE run_id = ${runId} GROUP BY 1 ORDER BY 1`.execute(this.db);
    return rows.map((r) => ({ bucket: Math.max(0, Number(r.bucket)), energy_j: Number(r.energy_j) }));
  }

  /**
   * Appends a batch of samples and, in the same transaction, the run's running totals and heartbeat, so a
   * reader always sees totals that match the samples written. Idempotent: a sample already stored (same run,
   * sensor and `t`) is skipped, so a batch written again after a failure that left its fate unknown (the
   * connection dropped during COMMIT) is never counted twice. Returns the number of samples newly stored.
   */
  async appendSamples(samples: readonly SampleRow[], run?: RunProgress, options: AppendOptions = {}): Promise<number> {
    if (this.conn.sqlite) {
      // Every statement here is prepared once per store (a tracker writes a batch every interval).
      const update = run ? runUpdate(run, () => '?', options.onWatched !== undefined) : undefined;
      const { written, watched } = this.withSqliteWait(options.waitMs, () =>
        this.sqliteAppend()(samples, update && { stmt: this.sqliteStatement(update.sql), values: update.values, returns: options.onWatched !== undefined }),
      );
      if (update) options.onWatched?.(watched);
      return written;
    }
    const pool = this.conn.pool;
    if (!pool) throw new Error('store: no driver');
    const client = await pool.connect();
    let failure: Error | undefined;
    let written = 0;
    try {
      await client.query('BEGIN');
      if (samples.length) {
        const cols: unknown[][] = [[], [], [], [], [], [], [], []];
        for (const s of samples) {
          cols[0]!.push(s.run_id);
          cols[1]!.push(s.sensor_id);
          cols[2]!.push(s.t);
          cols[3]!.push(s.dt);
          cols[4]!.push(s.energy_j);
          cols[5]!.push(s.power_w);
          cols[6]!.push(s.intensity_g_per_kwh);
          cols[7]!.push(s.emissions_g);
        }
        // One statement per batch: unnest turns column arrays into rows (far faster than per-row inserts).
        const res = await client.query(
          `INSERT INTO samples (run_id, sensor_id, t, dt, energy_j, power_w, intensity_g_per_kwh, emissions_g)
           SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[])
           ON CONFLICT (run_id, sensor_id, t) DO NOTHING`,
          cols,
        );
        written = res.rowCount ?? 0;
      }
      let watched = 0;
      if (run) {
        let n = 0;
        const { sql: text, values } = runUpdate(run, () => `$${++n}`, options.onWatched !== undefined);
        const res = await client.query<{ watched_until: number | string | null }>(text, values);
        watched = Number(res.rows[0]?.watched_until ?? 0);
      }
      await client.query('COMMIT');
      if (run) options.onWatched?.(watched);
      return written;
    } catch (e) {
      failure = e as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      // A client whose connection failed is discarded rather than handed to the next caller.
      client.release(failure);
    }
  }

  /**
   * Runs `fn` with SQLite's lock wait set to `waitMs` (none given: the store's busy timeout), then restores it. The
   * wait blocks the whole process (better-sqlite3 is synchronous), so a tracker or a live reader asks for a short one.
   */
  private withSqliteWait<T>(waitMs: number | undefined, fn: () => T): T {
    const usual = this.conn.busyTimeoutMs ?? 0;
    const wait = waitMs === undefined ? usual : Math.max(0, Math.round(waitMs)) || 0;
    if (wait === usual) return fn();
    this.sqliteStatement(`PRAGMA busy_timeout = ${wait}`).run();
    try {
      return fn();
    } finally {
      this.sqliteStatement(`PRAGMA busy_timeout = ${usual}`).run();
    }
  }

  /** SQLite statements by their text, prepared on first use: the fixed ones of the write paths, never ad-hoc SQL. */
  private readonly sqliteStatements = new Map<string, BetterSqlite3.Statement<unknown[]>>();
  private sqliteStatement(text: string): BetterSqlite3.Statement<unknown[]> {
    let stmt = this.sqliteStatements.get(text);
    if (!stmt) this.sqliteStatements.set(text, (stmt = this.conn.sqlite!.prepare<unknown[]>(text)));
    return stmt;
  }

  private appendTx?: (samples: readonly SampleRow[], update?: { stmt: BetterSqlite3.Statement<unknown[]>; values: unknown[]; returns: boolean }) => { written: number; watched: number };
  /** One batch and its run's UPDATE in a transaction; IMMEDIATE takes the write lock at BEGIN, where the busy timeout applies. */
  private sqliteAppend() {
    if (this.appendTx) return this.appendTx;
    const insert = this.sqliteStatement(
      'INSERT INTO samples (run_id, sensor_id, t, dt, energy_j, power_w, intensity_g_per_kwh, emissions_g) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (run_id, sensor_id, t) DO NOTHING',
    );
    this.appendTx = this.conn.sqlite!.transaction((samples: readonly SampleRow[], update?: { stmt: BetterSqlite3.Statement<unknown[]>; values: unknown[]; returns: boolean }) => {
      let written = 0;
      for (const s of samples) written += insert.run(s.run_id, s.sensor_id, s.t, s.dt, s.energy_j, s.power_w, s.intensity_g_per_kwh, s.emissions_g).changes;
      let watched = 0;
      if (update?.returns) watched = Number((update.stmt.get(...update.values) as { watched_until: number | null } | undefined)?.watched_until ?? 0);
      else update?.stmt.run(...update.values);
      return { written, watched };
    }).immediate;
    return this.appendTx;
  }

  /**
   * Says that a reader watches live runs until `untilS` (epoch s): `scope` is a run id, or WATCH_ALL_RUNS for
   * every live run (the overview). A reader renews it every few seconds while it streams; expired rows go. A
   * tracker learns of it with its next write (`AppendOptions.onWatched`) and then writes every second. On SQLite
   * it waits at most `waitMs` (default 100) for another writer's lock: a reader must not stall on a busy store,
   * and a failed mark is simply renewed next time.
   */
  async markWatched(scope: string, untilS: number, options: { nowS?: number; waitMs?: number } = {}): Promise<void> {
    if (typeof scope !== 'string' || !scope) throw new Error('store.markWatched: scope must be a run id or WATCH_ALL_RUNS');
    const now = options.nowS ?? nowS();
    if (this.conn.sqlite) {
      this.withSqliteWait(options.waitMs ?? 100, () => this.sqliteMarkWatched()(scope, untilS, now));
      return;
    }
    await this.conn.pool!.query(
      `WITH gone AS (DELETE FROM run_watchers WHERE until < $3 AND scope <> $1)
       INSERT INTO run_watchers (scope, until) VALUES ($1, $2) ON CONFLICT (scope) DO UPDATE SET until = greatest(run_watchers.until, excluded.until)`,
      [scope, untilS, now],
    );
  }

  private markTx?: (scope: string, untilS: number, now: number) => void;
  private sqliteMarkWatched() {
    if (this.markTx) return this.markTx;
    const upsert = this.sqliteStatement('INSERT INTO run_watchers (scope, until) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET until = max(until, excluded.until)');
    const prune = this.sqliteStatement('DELETE FROM run_watchers WHERE until < ? AND scope <> ?');
    this.markTx = this.conn.sqlite!.transaction((scope: string, untilS: number, now: number) => {
      prune.run(now, scope);
      upsert.run(scope, untilS);
    }).immediate;
    return this.markTx;
  }

  /**
   * Marks runs whose tracker died as `interrupted`: on this host, a dead pid; anywhere, a heartbeat that
   * stopped. Their totals stay as of the last batch written.
   */
  async reapStaleRuns(now = nowS()): Promise<number> {
    const running = await this.db
      .selectFrom('runs')
      .select(['id', 'pid', 'host', 'heartbeat_at', 'interval_s'])
      .where('status', 'in', ['running', 'paused'])
      .execute();
    const host = localHostName();
    let reaped = 0;
    for (const r of running) {
      const stale = now - r.heartbeat_at > Math.max(STALE_MIN_S, STALE_INTERVALS * r.interval_s);
      const dead = r.host === host && r.pid !== null && !pidAlive(r.pid);
      if (dead || stale) {
        await this.writeCounted(r.id, [
          this.db
            .updateTable('runs')
            .set({ status: 'interrupted', ended_at: r.heartbeat_at })
            .where('id', '=', r.id)
            .where('status', 'in', ['running', 'paused'])
            .compile(),
        ]);
        reaped++;
      }
    }
    return reaped;
  }

  // ---- totals, and the runs worth a series of their own (what /metrics reads) ----

  /**
   * Energy and emissions of every run by name, zone and host: the totals kept as runs end plus what live runs
   * have measured so far; `runs` counts the ended ones. The cost follows the number of (name, zone, host) and
   * of live runs, not of runs stored, and the figures survive restarts and never go down.
   */
  async runTotals(): Promise<RunTotalRow[]> {
    const { rows } = await sql.raw<RunTotalRow>(RUN_TOTALS_SQL).execute(this.db);
    return rows.map((r) => ({
      name: r.name,
      zone: r.zone,
      host: r.host,
      runs: Number(r.runs),
      energy_j: Number(r.energy_j),
      emissions_g: Number(r.emissions_g),
    }));
  }

  /**
   * The live runs (running or paused; stale ones are marked interrupted first) and at most `limit` runs that
   * ended at or after `endedSince`, newest first. Both read through indexes (status, ended_at).
   */
  async liveAndRecentRuns(options: { endedSince: number; limit: number }): Promise<{ live: RunRow[]; ended: RunRow[] }> {
    await this.reapStaleRuns();
    const live = await this.db.selectFrom('runs').selectAll().where('status', 'in', [...LIVE_RUN_STATUSES]).orderBy('started_at', 'desc').execute();
    // Only ended_at in the WHERE: with a status condition as well SQLite would pick the status index and
    // sort every ended run. A run has an ended_at only once it has ended (a revived one has it cleared).
    const ended =
      options.limit > 0
        ? await this.db.selectFrom('runs').selectAll().where('ended_at', '>=', options.endedSince).orderBy('ended_at', 'desc').limit(options.limit).execute()
        : [];
    return { live, ended: ended.filter((r) => ENDED_STATUSES.includes(r.status)) };
  }

  /** Each sensor's latest sample of a run (live power and intensity); index lookups, not a scan of the run. */
  async latestSamples(runId: string): Promise<Array<Pick<SampleRow, 'sensor_id' | 't' | 'power_w' | 'intensity_g_per_kwh'>>> {
    const { rows } = await sql<Pick<SampleRow, 'sensor_id' | 't' | 'power_w' | 'intensity_g_per_kwh'>>`
      SELECT s.sensor_id, s.t, s.power_w, s.intensity_g_per_kwh FROM run_sensors rs
      JOIN samples s ON s.run_id = rs.run_id AND s.sensor_id = rs.sensor_id AND s.t = (
        SELECT x.t FROM samples x WHERE x.run_id = rs.run_id AND x.sensor_id = rs.sensor_id ORDER BY x.t DESC LIMIT 1)
      WHERE rs.run_id = ${runId} ORDER BY s.sensor_id`.execute(this.db);
    return rows;
  }

  /**
   * Runs `writes` (which may end run `runId`) and brings run_totals up to date with that run, in one write
   * transaction: the totals can never disagree with the runs, whatever crashes in between.
   */
  private async writeCounted(runId: string, writes: CompiledQuery[], sensorTotals = true): Promise<void> {
    const counting = sensorTotals ? [...COUNT_RUN_SQL, ...SENSOR_TOTALS_SQL] : COUNT_RUN_SQL;
    const db = this.conn.sqlite;
    if (db) {
      const count = counting.map((q) => this.sqliteStatement(q));
      // IMMEDIATE takes the write lock before anything is read, so two processes ending one run count it once.
      db.transaction(() => {
        for (const w of writes) db.prepare(w.sql).run(...w.parameters);
        for (const st of count) st.run({ id: runId });
      }).immediate();
      return;
    }
    const pool = this.conn.pool;
    if (!pool) throw new Error('store: no driver');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (const w of writes) await client.query(w.sql, [...w.parameters]);
      // The run's row lock orders two transactions ending one run: the second sees what the first counted.
      await client.query('SELECT 1 FROM runs WHERE id = $1 FOR UPDATE', [runId]);
      for (const q of counting) await client.query(q.replaceAll('@id', '$1'), [runId]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  // ---- intensity cache ----

  async putIntensity(points: readonly IntensityPoint[], fetchedAt = nowS()): Promise<void> {
    if (!points.length) return;
    const rows = points.map((p) => ({
      zone: p.zone,
      t: p.t,
      resolution_s: p.resolutionS,
      g_per_kwh: p.gPerKwh,
      signal: p.signal,
      source: p.source,
      generated_at: p.generatedAt ?? 0,
      fetched_at: fetchedAt,
    }));
    for (let i = 0; i < rows.length; i += 500) {
      await this.db
        .insertInto('intensity_points')
        .values(rows.slice(i, i + 500))
        .onConflict((oc) =>
          oc.columns(['zone', 'signal', 'source', 't', 'generated_at']).doUpdateSet((eb) => ({
            g_per_kwh: eb.ref('excluded.g_per_kwh'),
            resolution_s: eb.ref('excluded.resolution_s'),
            fetched_at: eb.ref('excluded.fetched_at'),
          })),
        )
        .execute();
    }
  }

  /** Cached points for a zone in [from, to), oldest first; with `forecasts` false only measured values. */
  async getIntensity(
    zone: string,
    from: number,
    to: number,
    options: { signal?: string; source?: string; forecasts?: boolean } = {},
  ): Promise<Array<IntensityPoint & { fetchedAt: number }>> {
    let q = this.db.selectFrom('intensity_points').selectAll().where('zone', '=', zone).where('t', '>=', from).where('t', '<', to);
    if (options.signal) q = q.where('signal', '=', options.signal);
    if (options.source) q = q.where('source', '=', options.source);
    if (options.forecasts === false) q = q.where('generated_at', '=', 0);
    const rows = await q.orderBy('t').orderBy('generated_at', 'desc').execute();
    return rows.map((r) => ({
      zone: r.zone,
      t: r.t,
      resolutionS: r.resolution_s,
      gPerKwh: r.g_per_kwh,
      signal: r.signal as IntensityPoint['signal'],
      source: r.source,
      ...(r.generated_at ? { generatedAt: r.generated_at } : {}),
      fetchedAt: r.fetched_at,
    }));
  }

  // ---- small key/value state (tokens' expiry, cursors) ----

  async kvGet(key: string): Promise<string | undefined> {
    return (await this.db.selectFrom('kv').select('value').where('key', '=', key).executeTakeFirst())?.value;
  }

  async kvSet(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('kv')
      .values({ key, value, updated_at: nowS() })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: nowS() }))
      .execute();
  }
}

/** The UPDATE a batch carries for its run: totals and heartbeat, and the tracker's status, child pid and meta when given. */
function runUpdate(run: RunProgress, param: () => string, returnWatched = false): { sql: string; values: unknown[] } {
  const sets = [`energy_j = ${param()}`, `emissions_g = ${param()}`, `heartbeat_at = ${param()}`];
  const values: unknown[] = [run.energy_j, run.emissions_g, run.heartbeat_at];
  if (run.status !== undefined) {
    // Every right-hand side reads the row as it was, so ended_at is cleared only where the status changes.
    const from = run.reviveOnly ? `('interrupted')` : LIVE_STATUSES;
    sets.push(`status = CASE WHEN status IN ${from} THEN ${param()} ELSE status END`);
    sets.push(`ended_at = CASE WHEN status IN ${from} THEN NULL ELSE ended_at END`);
    values.push(run.status);
  }
  if (run.child_pid !== undefined) {
    sets.push(`child_pid = ${param()}`);
    values.push(run.child_pid);
  }
  if (run.meta !== undefined) {
    sets.push(`meta = ${param()}`);
    values.push(run.meta);
  }
  values.push(run.id);
  const where = `WHERE id = ${param()}`;
  if (!returnWatched) return { sql: `UPDATE runs SET ${sets.join(', ')} ${where}`, values };
  values.push(WATCH_ALL_RUNS, run.id);
  return { sql: `UPDATE runs SET ${sets.join(', ')} ${where} RETURNING (SELECT max(until) FROM run_watchers WHERE scope IN (${param()}, ${param()})) AS watched_until`, values };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
