import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The one migration set for both drivers. Types are chosen to mean the same in SQLite and PostgreSQL:
 * `double precision` (REAL affinity in SQLite), `bigint`, `text`. Append new migrations; never edit old ones.
 */
export const migrations: Record<string, Migration> = {
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
};
