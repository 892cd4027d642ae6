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
  '0006_run_paging': {
    // Keyset paging of runs (Store.pageRuns): one index per sort key, the id breaking ties, written exactly as
    // the page's ORDER BY writes them (store/run-page.ts, sortSql): text byte-wise in PostgreSQL (COLLATE "C"),
    // the length of a run as an expression. The plain started_at index of 0001 stays for the other queries.
    async up(db: Kysely<any>) {
      const c = db.getExecutor().adapter instanceof SqliteAdapter ? '' : ' COLLATE "C"';
      const keys: Record<string, string> = {
        runs_page_started_at: 'started_at',
        runs_page_energy_j: 'energy_j',
        runs_page_emissions_g: 'emissions_g',
        runs_page_duration_s: '(COALESCE(ended_at, heartbeat_at) - started_at)',
        runs_page_name: `name${c}`,
      };
      for (const [name, key] of Object.entries(keys)) await sql.raw(`CREATE INDEX ${name} ON runs (${key}, id${c})`).execute(db);
    },
    async down(db: Kysely<any>) {
      for (const name of ['runs_page_name', 'runs_page_duration_s', 'runs_page_emissions_g', 'runs_page_energy_j', 'runs_page_started_at']) await db.schema.dropIndex(name).execute();
    },
  },
  '0007_moe_lab': {
    // The MoE lab's trainings (@verdant/moe owns these tables and their queries, lab/store.ts): a training, the
    // Verdant runs that measured it (one per attempt: a checkpointed training resumes as a new run), its steps, and
    // the router metrics of each MoE layer at each step. Lists of numbers (loads, biases) are JSON text.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('moe_trainings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('steps_done', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('total_steps', 'integer')
        .addColumn('tokens', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('train_s', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('final_loss', 'double precision')
        .addColumn('eval_loss', 'double precision')
        .addColumn('created_at', 'double precision', (c) => c.notNull())
        .addColumn('updated_at', 'double precision', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('moe_training_runs')
        .addColumn('training_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('from_step', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('moe_training_runs_pk', ['training_id', 'run_id'])
        .execute();
      await db.schema.createIndex('moe_training_runs_run').on('moe_training_runs').column('run_id').execute();
      await db.schema
        .createTable('moe_steps')
        .addColumn('training_id', 'text', (c) => c.notNull())
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('t', 'double precision', (c) => c.notNull())
        .addColumn('train_s', 'double precision', (c) => c.notNull())
        .addColumn('tokens', 'double precision', (c) => c.notNull())
        .addColumn('loss', 'double precision')
        .addColumn('ce', 'double precision')
        .addColumn('lr', 'double precision')
        .addColumn('eval_loss', 'double precision')
        .addPrimaryKeyConstraint('moe_steps_pk', ['training_id', 'step'])
        .execute();
      await db.schema
        .createTable('moe_layer_steps')
        .addColumn('training_id', 'text', (c) => c.notNull())
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('layer', 'integer', (c) => c.notNull())
        .addColumn('load_before', 'text', (c) => c.notNull())
        .addColumn('load_after', 'text', (c) => c.notNull())
        .addColumn('share', 'text', (c) => c.notNull())
        .addColumn('cv', 'double precision', (c) => c.notNull())
        .addColumn('max_vio', 'double precision', (c) => c.notNull())
        .addColumn('global_max_vio', 'double precision')
        .addColumn('token_entropy', 'double precision', (c) => c.notNull())
        .addColumn('marginal_entropy', 'double precision', (c) => c.notNull())
        .addColumn('dropped_fraction', 'double precision', (c) => c.notNull())
        .addColumn('unrouted_fraction', 'double precision', (c) => c.notNull())
        .addColumn('aux_loss', 'double precision')
        .addColumn('z_loss', 'double precision')
        .addColumn('seq_aux_loss', 'double precision')
        .addColumn('bias', 'text')
        .addColumn('experts_per_token', 'double precision')
        .addColumn('dead', 'text', (c) => c.notNull())
        .addColumn('near_dead', 'text', (c) => c.notNull())
        .addColumn('top1_change', 'double precision')
        .addPrimaryKeyConstraint('moe_layer_steps_pk', ['training_id', 'step', 'layer'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('moe_training_runs_run').execute();
      for (const t of ['moe_layer_steps', 'moe_steps', 'moe_training_runs', 'moe_trainings']) await db.schema.dropTable(t).execute();
    },
  },
  '0008_accel': {
    // Hardware planning (@verdant/accel): price catalogs as imported (one row per import, with what was
    // skipped and why), the offers of each provider's latest import, and measured or published device
    // profiles (a measured one wins over a published one, a published one over the datasheet).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('accel_imports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'double precision', (c) => c.notNull())
        .addColumn('retrieved_at', 'double precision', (c) => c.notNull())
        .addColumn('rows_read', 'integer', (c) => c.notNull())
        .addColumn('offers', 'integer', (c) => c.notNull())
        .addColumn('errors', 'integer', (c) => c.notNull())
        .addColumn('skipped', 'integer', (c) => c.notNull())
        .addColumn('issues', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .createTable('accel_offers')
        .addColumn('import_id', 'text', (c) => c.notNull().references('accel_imports.id').onDelete('cascade'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('instance_type', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('availability_zone', 'text')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('device_count', 'double precision', (c) => c.notNull())
        .addColumn('vcpus', 'double precision')
        .addColumn('memory_bytes', 'double precision')
        .addColumn('on_demand_usd_per_h', 'double precision')
        .addColumn('spot_usd_per_h', 'double precision')
        .addColumn('grid_zone', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('retrieved_at', 'double precision', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('accel_offers_provider').on('accel_offers').column('provider').execute();
      await db.schema
        .createTable('accel_profiles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('precision', 'text', (c) => c.notNull())
        .addColumn('provenance', 'text', (c) => c.notNull())
        .addColumn('achieved_flops', 'double precision', (c) => c.notNull())
        .addColumn('power_w', 'double precision')
        .addColumn('scaling_efficiency', 'double precision')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('host', 'text')
        .addColumn('recorded_at', 'double precision', (c) => c.notNull())
        .addColumn('meta', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema.createIndex('accel_profiles_device').on('accel_profiles').columns(['device_id', 'precision']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('accel_profiles_device').execute();
      await db.schema.dropIndex('accel_offers_provider').execute();
      for (const t of ['accel_profiles', 'accel_offers', 'accel_imports']) await db.schema.dropTable(t).execute();
    },
  },
  '0009_agent_runs': {
    // Recorded agent runs (@verdant/agents, `record` option of runAgent): the run, each model turn, each tool
    // call with its real times (epoch seconds) and waits; arguments and results only when asked (redacted).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('agent_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('finish_reason', 'text')
        .addColumn('started_at', 'double precision', (c) => c.notNull())
        .addColumn('ended_at', 'double precision')
        .addColumn('steps', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('cost_usd', 'double precision')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('agent_runs_started_at').on('agent_runs').column('started_at').execute();
      await db.schema
        .createTable('agent_turns')
        .addColumn('run_id', 'text', (c) => c.notNull().references('agent_runs.id').onDelete('cascade'))
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'double precision', (c) => c.notNull())
        .addColumn('first_token_at', 'double precision')
        .addColumn('ended_at', 'double precision')
        .addColumn('finish_reason', 'text')
        .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .addPrimaryKeyConstraint('agent_turns_pk', ['run_id', 'step'])
        .execute();
      await db.schema
        .createTable('agent_calls')
        .addColumn('run_id', 'text', (c) => c.notNull().references('agent_runs.id').onDelete('cascade'))
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('call_id', 'text', (c) => c.notNull())
        .addColumn('tool', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('dispatched_at', 'double precision', (c) => c.notNull())
        .addColumn('started_at', 'double precision')
        .addColumn('ended_at', 'double precision')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rate_wait_s', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .addColumn('args', 'text')
        .addColumn('output', 'text')
        .addPrimaryKeyConstraint('agent_calls_pk', ['run_id', 'seq'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('agent_runs_started_at').execute();
      for (const t of ['agent_calls', 'agent_turns', 'agent_runs']) await db.schema.dropTable(t).execute();
    },
  },
  '0010_live_runs': {
    // Who is watching live runs, and until when (epoch seconds): a reader that streams runs (`verdant serve`'s
    // overview, '*', or one run's page, its id) renews its row every few seconds; a tracker reads the latest
    // deadline back from the UPDATE it writes anyway, and writes every second only while someone watches.
    // And each sensor's totals, summed from its samples once when the run ends (NULL before, and for runs that
    // ended before this migration): an ended run's page need not sum every sample again.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('run_watchers')
        .addColumn('scope', 'text', (c) => c.primaryKey())
        .addColumn('until', 'double precision', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('run_sensors').addColumn('energy_j', 'double precision').execute();
      await db.schema.alterTable('run_sensors').addColumn('emissions_g', 'double precision').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('run_sensors').dropColumn('emissions_g').execute();
      await db.schema.alterTable('run_sensors').dropColumn('energy_j').execute();
      await db.schema.dropTable('run_watchers').execute();
    },
  },
});
