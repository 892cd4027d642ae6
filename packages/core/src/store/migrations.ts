import type { Kysely, Migration } from 'kysely';

/**
 * Kysely's runtime values the migrations use, bound before any of them runs (see `withKysely`): importing
 * `@verdant/core` does not load the query builder; opening a store does.
 */
let sql: typeof import('kysely').sql;
let SqliteAdapter: typeof import('kysely').SqliteAdapter;

/** Each migration loads kysely (once) before it runs, whoever runs it (`Store.open`, or a caller's own Migrator). */
function withKysely(set: Record<string, Migration>): Record<string, Migration> {
  const bind = async (): Promise<void> => {
    ({ sql, SqliteAdapter } = await import('./kysely.js'));
  };
  const wrapped: Record<string, Migration> = {};
  for (const [name, m] of Object.entries(set)) {
    const { down } = m;
    wrapped[name] = {
      up: async (db) => {
        await bind();
        await m.up(db);
      },
      ...(down ? { down: async (db: Kysely<any>) => { await bind(); await down(db); } } : {}),
    };
  }
  return wrapped;
}

/**
 * The one migration set for both drivers. Types are chosen to mean the same in SQLite and PostgreSQL:
 * `double precision` (REAL affinity in SQLite), `bigint`, `text`. Append new migrations; never edit old ones.
 */
export const migrations: Record<string, Migration> = withKysely({
  '0001_runs_samples_intensity': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('command', 'text', (c) => c.notNull())
        .addColumn('cwd', 'text', (c) => c.notNull())
        .addColumn('zone', 'text', (c) => c.notNull())
        .addColumn('intensity_source', 'text', (c) => c.notNull())
        .addColumn('pue', 'double precision', (c) => c.notNull())
        .addColumn('interval_s', 'double precision', (c) => c.notNull())
        .addColumn('started_at', 'double precision', (c) => c.notNull())
        .addColumn('ended_at', 'double precision')
        .addColumn('heartbeat_at', 'double precision', (c) => c.notNull())
        .addColumn('exit_code', 'integer')
        .addColumn('pid', 'integer')
        .addColumn('child_pid', 'integer')
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('energy_j', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('emissions_g', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('meta', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema.createIndex('runs_started_at').on('runs').column('started_at').execute();
      await db.schema
        .createTable('run_sensors')
        .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
        .addColumn('sensor_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('estimate', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('run_sensors_pk', ['run_id', 'sensor_id'])
        .execute();
      await db.schema
        .createTable('samples')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('sensor_id', 'text', (c) => c.notNull())
        .addColumn('t', 'double precision', (c) => c.notNull())
        .addColumn('dt', 'double precision', (c) => c.notNull())
        .addColumn('energy_j', 'double precision', (c) => c.notNull())
        .addColumn('power_w', 'double precision', (c) => c.notNull())
        .addColumn('intensity_g_per_kwh', 'double precision', (c) => c.notNull())
        .addColumn('emissions_g', 'double precision', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('samples_run_t').on('samples').columns(['run_id', 't']).execute();
      await db.schema
        .createTable('intensity_points')
        .addColumn('zone', 'text', (c) => c.notNull())
        .addColumn('t', 'double precision', (c) => c.notNull())
        .addColumn('resolution_s', 'double precision', (c) => c.notNull())
        .addColumn('g_per_kwh', 'double precision', (c) => c.notNull())
        .addColumn('signal', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('generated_at', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('fetched_at', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('intensity_points_pk', ['zone', 'signal', 'source', 't', 'generated_at'])
        .execute();
      await db.schema
        .createTable('kv')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'double precision', (c) => c.notNull())
        .execute();
      void sql;
    },
    async down(db: Kysely<any>) {
      for (const t of ['kv', 'intensity_points', 'samples', 'run_sensors', 'runs']) await db.schema.dropTable(t).execute();
    },
  },
  '0002_jobs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('executor', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('plan', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('planned_start', 'double precision', (c) => c.notNull())
        .addColumn('created_at', 'double precision', (c) => c.notNull())
        .addColumn('updated_at', 'double precision', (c) => c.notNull())
        .addColumn('started_at', 'double precision')
        .addColumn('ended_at', 'double precision')
        .addColumn('owner', 'text')
        .addColumn('lease_until', 'double precision')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('ran_s', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('resumed_at', 'double precision')
        .addColumn('pid', 'integer')
        .addColumn('host', 'text')
        .addColumn('run_id', 'text')
        .addColumn('external_id', 'text')
        .addColumn('exit_code', 'integer')
        .addColumn('request', 'text')
        .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema.createIndex('jobs_state_start').on('jobs').columns(['state', 'planned_start']).execute();
      await db.schema
        .createTable('job_events')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('t', 'double precision', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema.createIndex('job_events_job_t').on('job_events').columns(['job_id', 't']).execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['job_events', 'jobs']) await db.schema.dropTable(t).execute();
    },
  },
  '0003_samples_unique': {
    // One row per (run, sensor, interval end): a batch written again after an unanswered commit (the store went
    // away mid-write) inserts nothing twice (`ON CONFLICT DO NOTHING`). Duplicates an older version may have
    // written that way are removed first, keeping one row of each.
    async up(db: Kysely<any>) {
      if (db.getExecutor().adapter instanceof SqliteAdapter) {
        await sql`DELETE FROM samples WHERE rowid NOT IN (SELECT min(rowid) FROM samples GROUP BY run_id, sensor_id, t)`.execute(db);
      } else {
        await sql`DELETE FROM samples a USING samples b
                  WHERE a.run_id = b.run_id AND a.sensor_id = b.sensor_id AND a.t = b.t AND a.ctid > b.ctid`.execute(db);
      }
      await db.schema.createIndex('samples_run_sensor_t').unique().on('samples').columns(['run_id', 'sensor_id', 't']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('samples_run_sensor_t').execute();
    },
  },
  '0004_run_totals': {
    // Totals of ended runs by (name, zone, host), kept up to date in the transaction that ends a run, so
    // /metrics reads a small table instead of every run; and what each ended run has added to them, so a run
    // ended twice (reaped as interrupted, then finished by its tracker) adds only the difference. Indexes for
    // the live and recently ended runs /metrics lists. Runs that ended before this migration are counted here.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('run_totals')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('zone', 'text', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('energy_j', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('emissions_g', 'double precision', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('run_totals_pk', ['name', 'zone', 'host'])
        .execute();
      await db.schema
        .createTable('run_totals_counted')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('energy_j', 'double precision', (c) => c.notNull())
        .addColumn('emissions_g', 'double precision', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('runs_status').on('runs').column('status').execute();
      await db.schema.createIndex('runs_ended_at').on('runs').column('ended_at').execute();
      const ended = sql.raw(`('succeeded', 'failed', 'stopped', 'interrupted')`);
      await sql`INSERT INTO run_totals (name, zone, host, runs, energy_j, emissions_g)
                SELECT name, zone, host, count(*), sum(energy_j), sum(emissions_g) FROM runs
                WHERE status IN ${ended} GROUP BY name, zone, host`.execute(db);
      await sql`INSERT INTO run_totals_counted (run_id, energy_j, emissions_g)
                SELECT id, energy_j, emissions_g FROM runs WHERE status IN ${ended}`.execute(db);
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('runs_ended_at').execute();
      await db.schema.dropIndex('runs_status').execute();
      for (const t of ['run_totals_counted', 'run_totals']) await db.schema.dropTable(t).execute();
    },
  },
  '0005_run_groups': {
    // A job on several machines or tasks (a Slurm step, a torchrun job, a group given by name) is one run
    // group: each member run carries the group's id and its task (rank) within it, and a group's members are
    // read through an index. Runs recorded before this migration belong to no group. One column per statement
    // (SQLite).
    async up(db: Kysely<any>) {
      await db.schema.alterTable('runs').addColumn('group_id', 'text').execute();
      await db.schema.alterTable('runs').addColumn('task', 'text').execute();
      await db.schema.createIndex('runs_group_id').on('runs').column('group_id').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('runs_group_id').execute();
      await db.schema.alterTable('runs').dropColumn('task').execute();
      await db.schema.alterTable('runs').dropColumn('group_id').execute();
    },
  },
});
