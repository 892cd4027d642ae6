import { hostname } from 'node:os';
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { ExitCode, VerdantError } from '../errors.js';
import type { IntensityPoint } from '../intensity.js';
import { nowS } from '../time.js';
import { connect, migrate, type Connection, type Dialect, type OpenOptions } from './open.js';
import type { Database, RunSensorsTable, RunStatus, RunsTable, SamplesTable } from './schema.js';

export type RunRow = RunsTable;
export type SampleRow = SamplesTable;
export type RunSensorRow = RunSensorsTable;

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

/**
 * The one store: runs, their sensors and samples, and cached intensity points, over SQLite or PostgreSQL.
 * General queries go through Kysely; sample ingest has a batched fast path per driver.
 */
export class Store {
  private constructor(private readonly conn: Connection) {}

  static async open(options: OpenOptions = {}): Promise<Store> {
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

  async createRun(run: RunRow, sensors: RunSensorRow[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('runs').values(run).execute();
      if (sensors.length) await tx.insertInto('run_sensors').values(sensors).execute();
    });
  }

  async updateRun(id: string, patch: Partial<Omit<RunRow, 'id'>>): Promise<void> {
    await this.db.updateTable('runs').set(patch).where('id', '=', id).execute();
  }

  /**
   * Resolves a full id or a unique prefix (as `git` does). Errors name the ambiguity.
   */
  async resolveRunId(idOrPrefix: string): Promise<string> {
    const exact = await this.db.selectFrom('runs').select('id').where('id', '=', idOrPrefix).executeTakeFirst();
    if (exact) return exact.id;
    const rows = await this.db
      .selectFrom('runs')
      .select('id')
      .where(sql<string>`substr(id, 1, ${idOrPrefix.length})`, '=', idOrPrefix)
      .limit(2)
      .execute();
    if (rows.length === 1) return (rows[0] as { id: string }).id;
    throw new VerdantError(rows.length === 0 ? `no run with id ${idOrPrefix}` : `run id prefix ${idOrPrefix} is ambiguous`, {
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

  async runSensors(runId: string): Promise<RunSensorRow[]> {
    return this.db.selectFrom('run_sensors').selectAll().where('run_id', '=', runId).orderBy('sensor_id').execute();
  }

  /** Per-sensor energy and emissions from the samples (what survives a crash). */
  async sensorTotals(runId: string): Promise<SensorTotal[]> {
    const sensors = await this.runSensors(runId);
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

  /** The latest interval power of each sensor of a run (for live gauges). */
  async latestPower(runId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('samples as s')
      .select(['s.sensor_id', 's.power_w'])
      .where('s.run_id', '=', runId)
      .where('s.t', '=', (eb) => eb.selectFrom('samples').select((e) => e.fn.max('t').as('mt')).where('run_id', '=', runId))
      .execute();
    return new Map(rows.map((r) => [r.sensor_id, r.power_w]));
  }

  /**
   * Appends a batch of samples and, in the same transaction, the run's running totals and heartbeat, so a
   * reader always sees totals that match the samples written.
   */
  async appendSamples(samples: readonly SampleRow[], run?: { id: string; energy_j: number; emissions_g: number; heartbeat_at: number }): Promise<void> {
    if (this.conn.sqlite) {
      const stmt = this.sqliteInsert();
      const upd = this.conn.sqlite.prepare('UPDATE runs SET energy_j = ?, emissions_g = ?, heartbeat_at = ? WHERE id = ?');
      this.conn.sqlite.transaction(() => {
        for (const s of samples) stmt.run(s.run_id, s.sensor_id, s.t, s.dt, s.energy_j, s.power_w, s.intensity_g_per_kwh, s.emissions_g);
        if (run) upd.run(run.energy_j, run.emissions_g, run.heartbeat_at, run.id);
      })();
      return;
    }
    const pool = this.conn.pool;
    if (!pool) throw new Error('store: no driver');
    const client = await pool.connect();
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
        await client.query(
          `INSERT INTO samples (run_id, sensor_id, t, dt, energy_j, power_w, intensity_g_per_kwh, emissions_g)
           SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[])`,
          cols,
        );
      }
      if (run) {
        await client.query('UPDATE runs SET energy_j = $1, emissions_g = $2, heartbeat_at = $3 WHERE id = $4', [
          run.energy_j,
          run.emissions_g,
          run.heartbeat_at,
          run.id,
        ]);
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  private insertStmt?: BetterSqlite3.Statement<unknown[]>;
  private sqliteInsert() {
    this.insertStmt ??= this.conn.sqlite!.prepare<unknown[]>(
      'INSERT INTO samples (run_id, sensor_id, t, dt, energy_j, power_w, intensity_g_per_kwh, emissions_g) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    return this.insertStmt;
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
    const host = hostname();
    let reaped = 0;
    for (const r of running) {
      const stale = now - r.heartbeat_at > Math.max(STALE_MIN_S, STALE_INTERVALS * r.interval_s);
      const dead = r.host === host && r.pid !== null && !pidAlive(r.pid);
      if (dead || stale) {
        await this.db
          .updateTable('runs')
          .set({ status: 'interrupted', ended_at: r.heartbeat_at })
          .where('id', '=', r.id)
          .where('status', 'in', ['running', 'paused'])
          .execute();
        reaped++;
      }
    }
    return reaped;
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

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
