// With a token set on `verdant serve`, the jobs page asks for it once (a "Token" dialog), keeps it for the tab
// and sends it as a bearer header, never in a URL (the overview's event stream included); a queued job is then
// cancelled from the page, and the store says so. On SQLite and, when VERDANT_TEST_DATABASE_URL is set, on
// PostgreSQL (a database of its own).
import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@verdant/core';
import { serviceUrl } from '@verdant/core/testing';
import { JobQueue } from '@verdant/schedule';
import { PageWatch, appUrl, chromiumAvailable, launchBrowser, newContext, waitReady } from '../support/browser.mjs';
import { seedJobs } from '../support/seed.mjs';
import { assertBuilt, sandbox, startServe, type Sandbox, type Served } from '../support/serve.mjs';

const TOKEN = 'web-e2e-token-0123456789abcdef';

/** The bearer token a request carried, if any. */
const bearer = (r: Request): string | undefined => /^bearer (.+)$/i.exec(r.headers().authorization ?? '')?.[1];

const enabled = chromiumAvailable();
const backends: Array<[string, string | undefined]> = [['sqlite', undefined]];
const pg = enabled ? serviceUrl('postgres') : undefined;
if (pg) backends.push(['postgres', pg]);

for (const [backend, server] of backends) describe.skipIf(!enabled)(`jobs page with a token (${backend})`, () => {
  let box: Sandbox;
  let served: Served;
  let browser: Browser;
  let jobs: Awaited<ReturnType<typeof seedJobs>>;

  beforeAll(async () => {
    assertBuilt();
    box = await sandbox(server ? { postgres: server } : {});
    const store = await Store.open({ url: box.databaseUrl });
    try {
      jobs = await seedJobs(store, { waiting: ['nightly-finetune', 'weekly-eval'], finished: [{ name: 'etl-backfill', state: 'succeeded' }] });
    } finally {
      await store.close();
    }
    served = await startServe(box, { token: TOKEN });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await box?.dispose();
  });

  it('asks for the token, then cancels a queued job', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    // The first /api calls answer 401 until the token is given: expected, and nothing else may fail.
    const watch = new PageWatch(page, served.origin, { allowStatus: [401] });
    const requests: Request[] = [];
    page.on('request', (r) => requests.push(r));
    page.on('dialog', (d) => void d.accept()); // a confirm() before cancelling, if the page asks
    try {
      await page.goto(appUrl(served.origin, '/jobs'), { waitUntil: 'load' });
      const tokenBox = page.getByLabel('Token', { exact: true });
      await tokenBox.waitFor({ timeout: 60_000 });
      // A wrong token is refused and the dialog stays.
      const wrong = 'not-the-token-0123456789';
      await tokenBox.fill(wrong);
      const refused = page.waitForResponse((res) => bearer(res.request()) === wrong && res.status() === 401, { timeout: 30_000 });
      await page.getByRole('button', { name: 'Sign in' }).click();
      await refused;
      // The page handles the 401 after the response arrives: wait for it to settle with the dialog shown.
      await expect.poll(() => tokenBox.isVisible(), { timeout: 30_000 }).toBe(true);
      await tokenBox.fill(TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await waitReady(page, 'jobs');

      const rows = page.locator('table[data-table="jobs"] tr[data-job-id]');
      await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(jobs.length);
      const target = jobs.find((j) => j.name === 'weekly-eval')!;
      const other = jobs.find((j) => j.name === 'nightly-finetune')!;
      await page.getByRole('button', { name: `Cancel ${target.name}` }).click();
      // An in-page confirmation, if the page has one, is confirmed the same way.
      const confirm = page.getByRole('dialog').getByRole('button', { name: /^(Cancel job|Confirm|Yes)/ });
      if (await confirm.isVisible().catch(() => false)) await confirm.click();
      await expect
        .poll(() => page.locator(`tr[data-job-id="${target.id}"]`).getAttribute('data-state'), { timeout: 30_000 })
        .toBe('cancelled');

      const store = await Store.open({ url: box.databaseUrl });
      try {
        const queue = JobQueue.of(store);
        expect((await queue.get(target.id))?.state).toBe('cancelled');
        expect((await queue.get(other.id))?.state).toBe('scheduled');
      } finally {
        await store.close();
      }

      // The overview's live stream (Server-Sent Events) is authorised the same way, without asking again.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
      await waitReady(page, 'overview');
      await expect.poll(() => requests.filter((r) => new URL(r.url()).pathname === '/api/stream').map(bearer), { timeout: 30_000 }).toContain(TOKEN);
      expect(await tokenBox.isVisible()).toBe(false);

      // The token went as a header on /api calls, and never into a URL; it is kept for the tab only.
      const api = requests.filter((r) => new URL(r.url()).pathname.startsWith('/api/'));
      expect(api.some((r) => bearer(r) === TOKEN)).toBe(true);
      expect(requests.filter((r) => r.url().includes(TOKEN)).map((r) => r.url())).toEqual([]);
      expect(await page.evaluate(() => Object.keys(localStorage).length)).toBe(0);
      expect(await page.evaluate((t) => Object.values(sessionStorage).some((v) => v.includes(t)), TOKEN)).toBe(true);
      expect(watch.take()).toEqual([]);
      expect(watch.outside).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
