import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, decodeCursor, type RunPageQuery, type RunRow, type RunSort, type RunStatus } from '../src/index.js';
import { rejection, scratchStores, testRunRow } from '../src/testing.js';

const N = 10_000;
const T0 = 1_700_000_000;
const STATUSES: RunStatus[] = ['succeeded', 'failed', 'stopped', 'interrupted'];

/** 10,000 ended runs with many ties on every sort key (names, energies, starts and lengths repeat). */
function seedRows(): RunRow[] {
  const rows: RunRow[] = [];
  for (let i = 0; i < N; i++) {
    const started = T0 + Math.floor(i / 3) * 60; // three runs start at each time
    const length = (i * 37) % 500;
    rows.push({
      group_id: i % 11 === 0 ? `g${i % 3}` : null,
      task: null,
      ...testRunRow({
        id: `r_${((i * 7919) % N).toString(36).padStart(4, '0')}_${i}`,
        name: `train_${i % 41}${i % 7 === 0 ? '%' : ''}`,
        status: STATUSES[i % 4]!,
        zone: ['DE', 'FR', 'ES'][i % 3]!,
        started_at: started,
        ended_at: started + length,
        heartbeat_at: started + length,
        exit_code: 0,
        pid: null,
        host: `node-${i % 5}`,
        energy_j: (i * 131) % 997,
        emissions_g: ((i * 17) % 89) / 8,
      }),
    });
  }
  return rows;
}

const key = (r: RunRow, sort: RunSort): number | string => (sort === 'duration_s' ? (r.ended_at ?? r.heartbeat_at) - r.started_at : r[sort]);

/** The expected order, computed here: the key, then the id, both in the order asked (byte-wise for text). */
function expected(rows: RunRow[], q: RunPageQuery): string[] {
  const sort = q.sort ?? 'started_at';
  const sign = (q.order ?? 'desc') === 'desc' ? -1 : 1;
  const cmp = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
  return rows
    .filter(
      (r) =>
        (!q.status || q.status.includes(r.status)) &&
        (q.name === undefined || r.name === q.name) &&
        (q.zone === undefined || r.zone === q.zone) &&
        (q.host === undefined || r.host === q.host) &&
        (q.groupId === undefined || r.group_id === q.groupId) &&
        (q.since === undefined || r.started_at >= q.since) &&
        (q.until === undefined || r.started_at < q.until) &&
        (q.q === undefined || r.name.toLowerCase().includes(q.q.toLowerCase()) || r.id.toLowerCase().includes(q.q.toLowerCase())),
    )
    .sort((a, b) => sign * (cmp(key(a, sort), key(b, sort)) || cmp(a.id, b.id)))
    .map((r) => r.id);
}

const QUERIES: RunPageQuery[] = [
  {},
  { sort: 'started_at', order: 'asc' },
  { sort: 'energy_j' },
  { sort: 'emissions_g', order: 'asc' },
  { sort: 'duration_s' },
  { sort: 'name', order: 'asc' },
  { status: ['failed', 'stopped'], sort: 'energy_j', order: 'asc' },
  { zone: 'FR', host: 'node-2', sort: 'name' },
  { groupId: 'g1', sort: 'duration_s', order: 'asc' },
  { since: T0 + 3600, until: T0 + 7 * 3600, sort: 'emissions_g' },
  { q: 'N_1%', sort: 'started_at' },
  { name: 'train_3', zone: 'ES' },
];

for (const { name, open } of scratchStores('verdant-paging-')) {
  describe.skipIf(!open)(`paging runs on ${name}`, () => {
    let store: Store;
    let drop: (() => Promise<void>) | undefined;
    const rows = seedRows();
    beforeAll(async () => {
      const where = await open!();
      drop = where.drop;
      store = await Store.open({ url: where.url });
      for (let i = 0; i < rows.length; i += 500) await store.db.insertInto('runs').values(rows.slice(i, i + 500)).execute();
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it('visits every matching run exactly once, in order, forwards and back, for each sort and filter', async () => {
      for (const q of QUERIES) {
        const want = expected(rows, q);
        const seen: string[] = [];
        let page = await store.pageRuns({ ...q, limit: 337 });
        expect(page.prevCursor, JSON.stringify(q)).toBeNull();
        expect(page.total, JSON.stringify(q)).toBe(want.length);
        const pages = [page];
        for (;;) {
          seen.push(...page.rows.map((r) => r.id));
          if (!page.nextCursor) break;
          page = await store.pageRuns({ ...q, limit: 337, cursor: page.nextCursor });
          pages.push(page);
        }
        expect(seen, JSON.stringify(q)).toEqual(want);
        expect(pages.length, JSON.stringify(q)).toBe(Math.max(1, Math.ceil(want.length / 337)));
        // Back from the last page by prev cursors: the same pages, in reverse.
        const back: string[][] = [];
        let at = pages.at(-1)!;
        while (at.prevCursor) {
          at = await store.pageRuns({ ...q, limit: 337, cursor: at.prevCursor });
          back.push(at.rows.map((r) => r.id));
        }
        expect(back.reverse(), JSON.stringify(q)).toEqual(pages.slice(0, -1).map((p) => p.rows.map((r) => r.id)));
      }
    });

    it('keeps the old listing: newest first, limited', async () => {
      const page = await store.pageRuns({ limit: 5 });
      expect(page.rows.map((r) => r.id)).toEqual(expected(rows, {}).slice(0, 5));
      expect(page.total).toBe(N);
    });

    it('refuses a cursor made for another sort, a foreign cursor and bad limits, naming the field', async () => {
      const first = await store.pageRuns({ sort: 'energy_j', limit: 10 });
      expect(decodeCursor(first.nextCursor!, 'energy_j', 'desc').d).toBe('n');
      const other = await rejection(store.pageRuns({ sort: 'name', cursor: first.nextCursor! }));
      expect(other.field).toBe('cursor');
      expect(other.message).toMatch(/sort=energy_j/);
      expect((await rejection(store.pageRuns({ cursor: 'not-a-cursor' }))).field).toBe('cursor');
      expect((await rejection(store.pageRuns({ limit: 0 }))).field).toBe('limit');
      expect((await rejection(store.pageRuns({ sort: 'pid' as RunSort }))).field).toBe('sort');
      expect((await rejection(store.pageRuns({ since: T0 + 10, until: T0 }))).field).toBe('until');
    });

    it('totals the runs started in a window by zone and host', async () => {
      const since = T0 + 3600;
      const until = T0 + 2 * 3600;
      const got = await store.runTotalsStartedBetween(since, until);
      const inWindow = rows.filter((r) => r.started_at >= since && r.started_at < until);
      expect(got.reduce((s, r) => s + r.runs, 0)).toBe(inWindow.length);
      const de0 = inWindow.filter((r) => r.zone === 'DE' && r.host === 'node-0');
      const row = got.find((r) => r.zone === 'DE' && r.host === 'node-0')!;
      expect(row.runs).toBe(de0.length);
      expect(row.energy_j).toBeCloseTo(de0.reduce((s, r) => s + r.energy_j, 0), 6);
      expect(row.emissions_g).toBeCloseTo(de0.reduce((s, r) => s + r.emissions_g, 0), 6);
    });
  });
}
