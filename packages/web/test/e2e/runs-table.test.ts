// The runs table over 10,000 seeded runs, in headless Chromium against the real `verdant serve`, on SQLite and
// (when VERDANT_TEST_DATABASE_URL is set, in a database of its own) PostgreSQL: its first page, paging forwards
// and back, each filter and the search, checked row by row against the runs written to the store. How fast the
// first page shows is a benchmark's (packages/web/bench), not this test's.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, type RunRow } from '@verdant/core';
import { serviceUrl } from '@verdant/core/testing';
import { PageWatch, chromiumAvailable, launchBrowser, newContext, openPage } from '../support/browser.mjs';
import { seedRuns } from '../support/seed.mjs';
import { assertBuilt, sandbox, startServe, waitFor, type Sandbox, type Served } from '../support/serve.mjs';

const RUNS = 10_000;
const enabled = chromiumAvailable();
const backends: Array<[string, string | undefined]> = [['sqlite', undefined]];
const pg = enabled ? serviceUrl('postgres') : undefined;
if (pg) backends.push(['postgres', pg]);

/** Newest first, ties by id (the table's default order, and the API's). */
const byStartDesc = (a: RunRow, b: RunRow): number => b.started_at - a.started_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

async function rowIds(page: Page): Promise<string[]> {
  return page.$$eval('table[data-table="runs"] tr[data-run-id]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.runId!));
}

/** Waits until the table shows exactly `expected` (ids in order); fails with what it shows otherwise. */
async function expectRows(page: Page, expected: readonly string[], what: string): Promise<void> {
  let seen: string[] = [];
  try {
    await waitFor(what, async () => {
      seen = await rowIds(page);
      return seen.length === expected.length && seen.every((id, i) => id === expected[i]) ? true : undefined;
    }, 30_000);
  } catch {
    expect(seen, what).toEqual(expected);
  }
}

/** Sets a filter control by its label: a select picks the option, a text box is filled and submitted. */
async function setFilter(page: Page, label: string, value: string): Promise<void> {
  const control = page.getByLabel(label, { exact: true });
  const kind = await control.evaluate((el) => `${el.tagName.toLowerCase()}:${(el as HTMLInputElement).type ?? ''}`);
  if (kind.startsWith('select')) await control.selectOption(value);
  else {
    await control.fill(value);
    if (!/date|time/.test(kind)) await control.press('Enter');
  }
}

/** The text a date or datetime-local input wants for epoch seconds `t` (UTC, the context's time zone). */
async function dateValue(page: Page, label: string, t: number): Promise<{ value: string; kind: string }> {
  const kind = await page.getByLabel(label, { exact: true }).evaluate((el) => (el as HTMLInputElement).type);
  const iso = new Date(t * 1000).toISOString();
  return { kind, value: kind === 'date' ? iso.slice(0, 10) : kind === 'datetime-local' ? iso.slice(0, 16) : iso };
}

for (const [backend, server] of backends) {
  describe.skipIf(!enabled)(`the runs table with ${RUNS} runs (${backend})`, () => {
    let box: Sandbox;
    let served: Served;
    let browser: Browser;
    let rows: RunRow[];
    let page: Page;
    let watch: PageWatch;
    let pageSize = 0;

    beforeAll(async () => {
      assertBuilt();
      box = await sandbox(server ? { postgres: server } : {});
      const store = await Store.open({ url: box.databaseUrl });
      try {
        rows = (await seedRuns(store, { count: RUNS })).sort(byStartDesc);
      } finally {
        await store.close();
      }
      served = await startServe(box);
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await served?.stop();
      await box?.dispose();
    });

    /** A fresh tab on the runs page, filters cleared. */
    async function openRuns(): Promise<void> {
      await page?.context().close();
      const context = await newContext(browser, { timezoneId: 'UTC' });
      page = await context.newPage();
      watch = new PageWatch(page, served.origin);
      await openPage(page, served.origin, '/runs', 'runs');
      // The page size is the app's: as many rows as its first page shows (each test can run alone).
      if (!pageSize) {
        pageSize = (
          await waitFor('the first page of runs', async () => {
            const r = await rowIds(page);
            return r.length ? r : undefined;
          })
        ).length;
      }
    }

    it('shows its first page: the newest runs, newest first', async () => {
      await openRuns();
      expect(pageSize).toBeGreaterThanOrEqual(10);
      expect(await rowIds(page)).toEqual(rows.slice(0, pageSize).map((r) => r.id));
      expect(watch.take()).toEqual([]);
    }, 120_000);

    it('pages forwards and back', async () => {
      await openRuns();
      const next = page.getByRole('button', { name: 'Next page' });
      const prev = page.getByRole('button', { name: 'Previous page' });
      for (let n = 1; n <= 3; n++) {
        await next.click();
        await expectRows(page, rows.slice(n * pageSize, (n + 1) * pageSize).map((r) => r.id), `page ${n + 1}`);
      }
      await prev.click();
      await expectRows(page, rows.slice(2 * pageSize, 3 * pageSize).map((r) => r.id), 'back to page 3');
      await prev.click();
      await expectRows(page, rows.slice(pageSize, 2 * pageSize).map((r) => r.id), 'back to page 2');
      await prev.click();
      await expectRows(page, rows.slice(0, pageSize).map((r) => r.id), 'back to page 1');
      expect(watch.take()).toEqual([]);
    }, 120_000);

    it('filters by status, name, zone, host and group, and pages through a filter', async () => {
      const cases: Array<[string, string, (r: RunRow) => boolean]> = [
        ['Status', 'failed', (r) => r.status === 'failed'],
        ['Name', 'eval-bert', (r) => r.name === 'eval-bert'],
        ['Zone', 'FR', (r) => r.zone === 'FR'],
        ['Host', 'gpu-node-2', (r) => r.host === 'gpu-node-2'],
        ['Group', 'g_sweep3', (r) => r.group_id === 'g_sweep3'],
      ];
      for (const [label, value, keep] of cases) {
        await openRuns();
        await setFilter(page, label, value);
        const matching = rows.filter(keep);
        expect(matching.length).toBeGreaterThan(pageSize); // the seed gives every filter more than a page
        await expectRows(page, matching.slice(0, pageSize).map((r) => r.id), `${label} = ${value}`);
        await page.getByRole('button', { name: 'Next page' }).click();
        await expectRows(page, matching.slice(pageSize, 2 * pageSize).map((r) => r.id), `${label} = ${value}, page 2`);
      }
      // Two filters at once.
      await openRuns();
      await setFilter(page, 'Status', 'succeeded');
      await setFilter(page, 'Zone', 'SE');
      const both = rows.filter((r) => r.status === 'succeeded' && r.zone === 'SE');
      await expectRows(page, both.slice(0, pageSize).map((r) => r.id), 'status succeeded and zone SE');
      expect(watch.take()).toEqual([]);
    }, 300_000);

    it('filters by start time (From, To)', async () => {
      await openRuns();
      const now = Date.now() / 1000;
      const from = await dateValue(page, 'From', now - 20 * 86400);
      const to = await dateValue(page, 'To', now - 10 * 86400);
      await setFilter(page, 'From', from.value);
      await setFilter(page, 'To', to.value);
      const since = Date.parse(`${from.value}${from.kind === 'date' ? 'T00:00:00Z' : from.kind === 'datetime-local' ? ':00Z' : ''}`) / 1000;
      const until = Date.parse(`${to.value}${to.kind === 'date' ? 'T00:00:00Z' : to.kind === 'datetime-local' ? ':00Z' : ''}`) / 1000;
      // A date's "To" may mean up to its start or through its end: either reading is accepted, no other.
      const window = (end: number) => rows.filter((r) => r.started_at >= since && r.started_at < end).slice(0, pageSize).map((r) => r.id);
      const readings = [window(until), window(until + (to.kind === 'date' ? 86400 : 60))];
      let seen: string[] = [];
      await waitFor('the From/To window', async () => {
        seen = await rowIds(page);
        return readings.some((ids) => ids.length === seen.length && ids.every((id, i) => id === seen[i])) ? true : undefined;
      }, 30_000).catch(() => expect(seen).toEqual(readings[0]));
      expect(watch.take()).toEqual([]);
    }, 120_000);

    it('sorts by energy, both ways, and pages through the sort', async () => {
      await openRuns();
      const byEnergy = [...rows].sort((a, b) => b.energy_j - a.energy_j || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const sortBy = page.getByRole('button', { name: 'Sort by Energy' });
      await sortBy.click();
      await expectRows(page, byEnergy.slice(0, pageSize).map((r) => r.id), 'sorted by energy, largest first');
      await page.getByRole('button', { name: 'Next page' }).click();
      await expectRows(page, byEnergy.slice(pageSize, 2 * pageSize).map((r) => r.id), 'sorted by energy, page 2');
      await sortBy.click();
      const ascending = [...byEnergy].reverse();
      await expectRows(page, ascending.slice(0, pageSize).map((r) => r.id), 'sorted by energy, smallest first');
      expect(watch.take()).toEqual([]);
    }, 120_000);

    it('finds one run by a search on its id, and by part of a name', async () => {
      await openRuns();
      const target = rows[7777]!;
      await setFilter(page, 'Search', target.id);
      await expectRows(page, [target.id], `search ${target.id}`);
      await openRuns();
      await setFilter(page, 'Search', 'LLAMA');
      await expectRows(page, rows.filter((r) => r.name.includes('llama')).slice(0, pageSize).map((r) => r.id), 'search "LLAMA" (case-insensitive)');
      expect(watch.take()).toEqual([]);
    }, 120_000);

    it('selects two runs and compares them', async () => {
      await openRuns();
      const [a, b] = rows;
      for (const r of [a!, b!]) await page.locator(`tr[data-run-id="${r.id}"] input[type="checkbox"]`).check();
      await page.getByRole('button', { name: 'Compare' }).click();
      // The comparison names or links both runs (in its route, its text or its links).
      await waitFor('a comparison of the two runs', async () => {
        const text = await page.evaluate(() => {
          const compare = document.querySelector('[data-section="compare"]') ?? document.querySelector('main')!;
          const links = [...compare.querySelectorAll('a[href]')].map((l) => decodeURIComponent(l.getAttribute('href')!));
          return [decodeURIComponent(location.hash), (compare as HTMLElement).innerText, ...links].join(' ');
        });
        return text.includes(a!.id) && text.includes(b!.id) ? true : undefined;
      }, 30_000);
      expect(watch.take()).toEqual([]);
    }, 120_000);
  });
}
