import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Store, checkGroupId, checkHostName, localHostName, migrations, newId, type NewRunRow } from '../src/index.js';
import { testRunRow, testStores } from '../src/testing.js';

const run = (id: string, overrides: Partial<NewRunRow> = {}): NewRunRow => testRunRow({ id, name: 'member', ...overrides });

/** A token that keeps this file's groups apart from every other test's in a shared PostgreSQL. */
const token = () => randomBytes(4).toString('hex');

for (const [name, url] of testStores('verdant-groups-')) {
  describe.skipIf(!url)(`run groups in the store on ${name}`, () => {
    let store: Store;
    const savedHost = process.env.VERDANT_HOSTNAME;
    afterEach(() => {
      if (savedHost === undefined) delete process.env.VERDANT_HOSTNAME;
      else process.env.VERDANT_HOSTNAME = savedHost;
    });
    afterAll(async () => {
      await store?.close();
    });

    it('records each member with its group, task and host, and reads a group back by host and task', async () => {
      store = await Store.open({ url: url! });
      const group = `train-${token()}`;
      const other = `eval-${token()}`;
      const ids = [newId('r'), newId('r'), newId('r'), newId('r'), newId('r')];
      await store.createRun(run(ids[0]!, { group_id: group, task: '10', host: 'node-b', energy_j: 5 }), []);
      await store.createRun(run(ids[1]!, { group_id: group, task: '2', host: 'node-b', energy_j: 7 }), []);
      await store.createRun(run(ids[2]!, { group_id: group, task: '0', host: 'node-a', energy_j: 11 }), []);
      await store.createRun(run(ids[3]!, { group_id: other, task: '0', host: 'node-a' }), []);
      await store.createRun(run(ids[4]!), []); // a run on its own

      const members = await store.groupRuns(group);
      expect(members.map((r) => [r.host, r.task, r.energy_j])).toEqual([
        ['node-a', '0', 11],
        ['node-b', '10', 5], // the store orders tasks as text; summaries order them as numbers
        ['node-b', '2', 7],
      ]);
      expect((await store.runsOfGroups([group, other])).map((r) => r.id).sort()).toEqual(ids.slice(0, 4).sort());
      expect(await store.runsOfGroups([])).toEqual([]);
      expect(await store.getRun(ids[4]!)).toMatchObject({ group_id: null, task: null });
      expect(await store.groupRuns(`none-${token()}`)).toEqual([]);
    });

    it('resolves a run id or a group id, full or a unique prefix; a full id wins; a shared prefix is ambiguous', async () => {
      const t = token();
      const alpha = `job-${t}-alpha`;
      const beta = `job-${t}-beta`;
      const runId = newId('r');
      const shadow = `${runId}-grp`; // a group whose id starts with a run's id
      await store.createRun(run(newId('r'), { group_id: alpha }), []);
      await store.createRun(run(newId('r'), { group_id: alpha }), []);
      await store.createRun(run(newId('r'), { group_id: beta }), []);
      await store.createRun(run(runId), []);
      await store.createRun(run(newId('r'), { group_id: shadow }), []);

      expect(await store.resolveRunOrGroup(alpha)).toEqual({ kind: 'group', id: alpha });
      expect(await store.resolveRunOrGroup(`job-${t}-b`)).toEqual({ kind: 'group', id: beta });
      expect(await store.resolveRunOrGroup(runId)).toEqual({ kind: 'run', id: runId });
      expect(await store.resolveRunOrGroup(shadow)).toEqual({ kind: 'group', id: shadow });
      await expect(store.resolveRunOrGroup(runId.slice(0, -1))).rejects.toMatchObject({ field: 'run', exitCode: 2, message: expect.stringMatching(/is ambiguous/) });
      await expect(store.resolveRunOrGroup(`job-${t}-`)).rejects.toMatchObject({ field: 'run', message: expect.stringMatching(/is ambiguous/) });
      await expect(store.resolveRunOrGroup(`nothing-${t}`)).rejects.toMatchObject({ field: 'run', exitCode: 2, message: `no run or run group with id nothing-${t}` });

      expect(await store.resolveGroupId(`job-${t}-al`)).toBe(alpha);
      await expect(store.resolveGroupId(`job-${t}-`)).rejects.toMatchObject({ field: 'group', message: expect.stringMatching(/is ambiguous/) });
      await expect(store.resolveGroupId(`nothing-${t}`)).rejects.toMatchObject({ field: 'group', exitCode: 2, message: `no run group with id nothing-${t}` });
    });

    it("the reaper knows this machine by VERDANT_HOSTNAME: a dead tracker recorded under that name is marked interrupted", async () => {
      const host = `verdant-test-${token()}`;
      const dead = spawnSync(process.execPath, ['-e', '0']).pid;
      const id = newId('r');
      await store.createRun(run(id, { host, pid: dead, group_id: `g-${token()}` }), []);
      delete process.env.VERDANT_HOSTNAME;
      await store.reapStaleRuns();
      // Another host's pid means nothing here, and its heartbeat is fresh: still running.
      expect((await store.getRun(id))?.status).toBe('running');
      process.env.VERDANT_HOSTNAME = host;
      await store.reapStaleRuns();
      expect((await store.getRun(id))?.status).toBe('interrupted');
    });
  });
}

describe('migration 0005: run groups', () => {
  it('adds the group and task to a store that has runs, leaving those runs in no group', async () => {
    const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-mig5-')), 'v.db')}`;
    const BetterSqlite3 = (await import('better-sqlite3')).default;
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(url.slice('sqlite:'.length)) }) });
    const upTo4 = Object.fromEntries(Object.entries(migrations).filter(([n]) => n <= '0004_run_totals'));
    expect(Object.keys(upTo4)).toHaveLength(4);
    expect((await new Migrator({ db, provider: { getMigrations: async () => upTo4 } }).migrateToLatest()).error).toBeUndefined();
    const old = run(newId('r'), { status: 'succeeded', ended_at: Date.now() / 1000, energy_j: 3 });
    await db.insertInto('runs').values(old).execute();
    await db.destroy();

    const store = await Store.open({ url });
    try {
      expect(await store.getRun(old.id)).toMatchObject({ id: old.id, energy_j: 3, group_id: null, task: null });
      await store.createRun(run(newId('r'), { group_id: 'after-upgrade', task: '1' }), []);
      expect((await store.groupRuns('after-upgrade')).map((r) => r.task)).toEqual(['1']);
      // Reversible: down removes the columns and the index.
      await migrations['0005_run_groups']!.down!(store.db);
      expect(await store.db.selectFrom('runs').selectAll().where('id', '=', old.id).executeTakeFirst()).not.toHaveProperty('group_id');
    } finally {
      await store.close();
    }
  });
});

describe('host names and group ids', () => {
  it('VERDANT_HOSTNAME names this machine; blank or malformed, the system host name stands', () => {
    expect(localHostName({ VERDANT_HOSTNAME: ' node-7 ' })).toBe('node-7');
    expect(localHostName({})).toBe(hostname());
    expect(localHostName({ VERDANT_HOSTNAME: '  ' })).toBe(hostname());
    expect(localHostName({ VERDANT_HOSTNAME: 'two words' })).toBe(hostname());
  });

  it('refuses a host name or group id that cannot stand in a URL path or a label, naming the field', () => {
    expect(checkHostName(' gpu-node-01.cluster ', 'host')).toBe('gpu-node-01.cluster');
    expect(() => checkHostName('two words', 'host')).toThrow(expect.objectContaining({ field: 'host', exitCode: 2 }));
    expect(() => checkHostName('$(reboot)', 'VERDANT_HOSTNAME')).toThrow(expect.objectContaining({ field: 'VERDANT_HOSTNAME', exitCode: 3 }));
    expect(checkGroupId('slurm-42.0', 'group')).toBe('slurm-42.0');
    expect(checkGroupId('torchelastic-3f2a:x@y+1', 'group')).toBe('torchelastic-3f2a:x@y+1');
    for (const bad of ['', ' ', 'a/b', '-lead', 'x'.repeat(129), 'é']) {
      expect(() => checkGroupId(bad, 'group')).toThrow(expect.objectContaining({ field: 'group', exitCode: 2 }));
    }
  });
});
