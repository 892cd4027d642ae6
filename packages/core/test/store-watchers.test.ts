// Live readers mark what they watch (Store.markWatched); a tracker's write reads the latest deadline back from
// its own UPDATE (AppendOptions.onWatched). Both dialects.
import { afterAll, describe, expect, it } from 'vitest';
import { Store, WATCH_ALL_RUNS, newId, type RunProgress } from '../src/index.js';
import { testRunRow, testStores, storeOpener } from '../src/testing.js';

for (const [name, url] of testStores('verdant-watch-')) {
  describe.skipIf(!url)(`run watchers on ${name}`, () => {
    const { open, closeAll } = storeOpener(url);
    afterAll(closeAll);

    const newRun = async (store: Store) => {
      const id = newId('r');
      await store.createRun({ group_id: null, task: null, ...testRunRow({ id, name: 'watched' }) }, []);
      return id;
    };
    /** One write of a tracker, returning the deadline it read back (undefined: the callback was not called). */
    const write = async (store: Store, id: string, energy = 1): Promise<number | undefined> => {
      let seen: number | undefined;
      const progress: RunProgress = { id, energy_j: energy, emissions_g: 0, heartbeat_at: Date.now() / 1000 };
      await store.appendSamples([], progress, { onWatched: (u) => (seen = u) });
      return seen;
    };

    it('a write reads back 0 when nobody watches, and the run row is still updated', async () => {
      const store = await open();
      const id = await newRun(store);
      expect(await write(store, id, 42)).toBe(0);
      expect((await store.getRun(id))!.energy_j).toBe(42);
    });

    it('a reader of one run is seen by that run only; a reader of every live run by all', async () => {
      const store = await open();
      const [a, b] = [await newRun(store), await newRun(store)];
      const now = 1_900_000_000;
      await store.markWatched(a, now + 10, { nowS: now });
      expect(await write(store, a)).toBe(now + 10);
      expect(await write(store, b)).toBe(0);
      await store.markWatched(WATCH_ALL_RUNS, now + 20, { nowS: now });
      expect(await write(store, a)).toBe(now + 20); // the later of its own and the overview's
      expect(await write(store, b)).toBe(now + 20);
    });

    it('a renewal never moves a deadline back, and expired marks of other scopes are pruned', async () => {
      const store = await open();
      const [a, b] = [await newRun(store), await newRun(store)];
      const now = 1_950_000_000;
      await store.markWatched(a, now + 30, { nowS: now });
      await store.markWatched(a, now + 5, { nowS: now });
      expect(await write(store, a)).toBe(now + 30);
      await store.markWatched(b, now + 100, { nowS: now + 60 }); // a's mark has expired by then
      const rows = await store.db.selectFrom('run_watchers').select(['scope', 'until']).where('scope', 'in', [a, b]).execute();
      expect(rows.map((r) => [r.scope, Number(r.until)])).toEqual([[b, now + 100]]);
    });

    it('a write without the callback reads nothing back (the plain UPDATE)', async () => {
      const store = await open();
      const id = await newRun(store);
      await store.markWatched(id, Date.now() / 1000 + 10);
      expect(await store.appendSamples([], { id, energy_j: 7, emissions_g: 0, heartbeat_at: Date.now() / 1000 })).toBe(0);
      expect((await store.getRun(id))!.energy_j).toBe(7);
    });
  });
}
