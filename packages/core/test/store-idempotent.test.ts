import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { Store, migrations, newId, type RunRow, type SampleRow } from '../src/index.js';
import { serviceUrl, testRunRow, testStores, storeOpener } from '../src/testing.js';

const run = (id: string, overrides: Partial<RunRow> = {}): RunRow => ({ group_id: null, task: null, ...testRunRow({ id, name: 'idempotent', ...overrides }) });

const sample = (runId: string, sensor: string, t: number, energy = 10): SampleRow => ({
  run_id: runId,
  sensor_id: sensor,
  t,
  dt: 1,
  energy_j: energy,
  power_w: energy,
  intensity_g_per_kwh: 300,
  emissions_g: (energy * 300) / 3.6e6,
});

const pgUrl = serviceUrl('postgres');
for (const [name, url] of testStores('verdant-idem-')) {
  describe.skipIf(!url)(`idempotent writes on ${name}`, () => {
    const { open, closeAll } = storeOpener(url);
    afterAll(closeAll);

    it('a batch written again stores nothing twice and reports what was new', async () => {
      const store = await open();
      const id = newId('r');
      const sensors = [{ run_id: id, sensor_id: 'gpu:0', kind: 'gpu', method: 'm', description: '', estimate: 0 }];
      await store.createRun(run(id), sensors);
      await store.createRun(run(id, { name: 'retried' }), sensors); // a retried create changes nothing
      const batch = [sample(id, 'gpu:0', 1), sample(id, 'gpu:0', 2), sample(id, 'gpu:0', 3)];
      const progress = { id, energy_j: 30, emissions_g: 0.0025, heartbeat_at: Date.now() / 1000 };
      expect(await store.appendSamples(batch, progress)).toBe(3);
      expect(await store.appendSamples([...batch, sample(id, 'gpu:0', 4)], { ...progress, energy_j: 40 })).toBe(1);
      const stored = await store.samples(id);
      expect(stored.map((s) => s.t)).toEqual([1, 2, 3, 4]);
      expect((await store.sensorTotals(id))[0]?.energy_j).toBe(40);
      const row = await store.getRun(id);
      expect(row).toMatchObject({ name: 'idempotent', energy_j: 40 });
    });

    it('a live heartbeat revives a run marked interrupted, but never reopens a finished one', async () => {
      const store = await open();
      const [a, b, c] = [newId('r'), newId('r'), newId('r')];
      const now = Date.now() / 1000;
      await store.createRun(run(a, { status: 'interrupted', ended_at: now - 30 }), []);
      await store.createRun(run(b, { status: 'succeeded', ended_at: now - 30 }), []);
      await store.createRun(run(c, { status: 'running' }), []);
      for (const id of [a, b]) await store.appendSamples([], { id, energy_j: 5, emissions_g: 0, heartbeat_at: now, status: 'paused', reviveOnly: true });
      await store.appendSamples([], { id: c, energy_j: 5, emissions_g: 0, heartbeat_at: now, status: 'paused', reviveOnly: true });
      expect(await store.getRun(a)).toMatchObject({ status: 'paused', ended_at: null });
      expect(await store.getRun(b)).toMatchObject({ status: 'succeeded', ended_at: now - 30 });
      expect((await store.getRun(c))?.status).toBe('running'); // reviveOnly leaves a live status alone
      await store.appendSamples([], { id: c, energy_j: 5, emissions_g: 0, heartbeat_at: now, status: 'paused', child_pid: 4242 });
      expect(await store.getRun(c)).toMatchObject({ status: 'paused', child_pid: 4242 });
    });
  });
}

describe('migration 0003: one sample per run, sensor and time', () => {
  const upTo2 = { getMigrations: async () => ({ '0001_runs_samples_intensity': migrations['0001_runs_samples_intensity']!, '0002_jobs': migrations['0002_jobs']! }) };

  async function seedDuplicates(db: Kysely<any>): Promise<void> {
    const r = await new Migrator({ db, provider: upTo2 }).migrateToLatest();
    expect(r.error).toBeUndefined();
    const rows = [sample('r1', 'gpu:0', 1), sample('r1', 'gpu:0', 1), sample('r1', 'gpu:0', 1), sample('r1', 'gpu:1', 1), sample('r1', 'gpu:0', 2), sample('r2', 'gpu:0', 1)];
    await db.insertInto('samples').values(rows).execute();
  }

  async function expectDeduplicated(store: Store): Promise<void> {
    const r1 = await store.samples('r1');
    expect(r1.map((s) => `${s.sensor_id}@${s.t}`)).toEqual(['gpu:0@1', 'gpu:1@1', 'gpu:0@2']);
    expect(await store.samples('r2')).toHaveLength(1);
    // The unique key now holds: a plain duplicate insert is refused.
    await expect(store.db.insertInto('samples').values(sample('r1', 'gpu:0', 1)).execute()).rejects.toThrow(/unique|duplicate/i);
  }

  it('removes duplicates an older version wrote (SQLite)', async () => {
    const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-mig-')), 'v.db')}`;
    const BetterSqlite3 = (await import('better-sqlite3')).default;
    const raw = new BetterSqlite3(url.slice('sqlite:'.length));
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
    await seedDuplicates(db);
    await db.destroy();
    const store = await Store.open({ url });
    try {
      await expectDeduplicated(store);
    } finally {
      await store.close();
    }
  });

  it.skipIf(!pgUrl)('removes duplicates an older version wrote (PostgreSQL, in a scratch database)', async () => {
    const name = `verdant_mig_${newId('d').replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
    const { default: pg } = await import('pg');
    const admin = new pg.Pool({ connectionString: pgUrl!, max: 1 });
    await admin.query(`CREATE DATABASE ${name}`);
    const scratch = new URL(pgUrl!);
    scratch.pathname = `/${name}`;
    try {
      const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: scratch.toString(), max: 1 }) }) });
      await seedDuplicates(db);
      expect((await sql<{ n: string }>`SELECT count(*) AS n FROM samples`.execute(db)).rows[0]?.n).toBe('6');
      await db.destroy();
      const store = await Store.open({ url: scratch.toString() });
      try {
        await expectDeduplicated(store);
      } finally {
        await store.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    }
  });
});
