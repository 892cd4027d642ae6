// A 24-hour run sampled at 1 Hz by three sensors (86,400 × 3 samples) opens in headless Chromium and its charts
// render from server-downsampled series. How fast it opens is a benchmark's (packages/web/bench), not this test's.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@verdant/core';
import { PageWatch, chartPoints, chromiumAvailable, launchBrowser, newContext, openPage } from '../support/browser.mjs';
import { seedLongRun } from '../support/seed.mjs';
import { assertBuilt, sandbox, startServe, waitFor, type Sandbox, type Served } from '../support/serve.mjs';

describe.skipIf(!chromiumAvailable())('a 24-hour run at 1 Hz', () => {
  let box: Sandbox;
  let served: Served;
  let browser: Browser;
  let run: Awaited<ReturnType<typeof seedLongRun>>;

  beforeAll(async () => {
    assertBuilt();
    box = await sandbox();
    const store = await Store.open({ url: box.databaseUrl });
    try {
      run = await seedLongRun(store, { durationS: 86_400 });
    } finally {
      await store.close();
    }
    expect(run.samples).toBe(86_400 * 3);
    served = await startServe(box);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await box?.dispose();
  });

  it('opens, and its power, cumulative and intensity charts render downsampled series', async () => {
    const context = await newContext(browser, { timezoneId: 'UTC' });
    const page = await context.newPage();
    const watch = new PageWatch(page, served.origin);
    const sampleRequests: string[] = [];
    const runRequests: string[] = [];
    page.on('request', (r) => {
      if (/\/api\/runs\/[^/]+\/samples/.test(r.url())) sampleRequests.push(r.url());
      if (/\/api\/runs\/[^/?]+(\?|$)/.test(r.url())) runRequests.push(r.url());
    });
    try {
      await openPage(page, served.origin, `/runs/${run.id}`, 'run');
      for (const chart of ['power', 'cumulative', 'intensity']) {
        const points = await waitFor(`points on the ${chart} chart`, async () => {
          const n = await chartPoints(page, `[data-chart="${chart}"]`);
          return n !== undefined && n > 0 ? n : undefined;
        }, 60_000);
        // A real curve over the day, not every one of the 86,400 seconds.
        expect(points, chart).toBeGreaterThanOrEqual(100);
        expect(points, chart).toBeLessThan(86_400);
        const drawn = await page.locator(`[data-chart="${chart}"] canvas, [data-chart="${chart}"] svg`).count();
        expect(drawn, `${chart} draws on a canvas or an svg`).toBeGreaterThan(0);
      }
      // An ended run has no prediction: the cumulative chart's legend names only what it draws.
      const legend = await page.locator('[data-chart="cumulative"] .u-legend').innerText();
      expect(legend).toContain('Energy (facility)');
      expect(legend).not.toContain('Predicted');
      // The what-if comes after the charts (the run object is first asked for without it), and then shows.
      await waitFor('the what-if', async () => ((await page.locator('main').innerText()).includes('Working out the what-if') ? undefined : true), 60_000);
      expect(new URL(runRequests[0]!).searchParams.get('what_if')).toBe('false');
      expect(runRequests.some((u) => !new URL(u).searchParams.has('what_if'))).toBe(true);
      // The page asked the server for downsampled samples (points=N), never for all of them.
      expect(sampleRequests.length).toBeGreaterThan(0);
      for (const url of sampleRequests) {
        const q = new URL(url).searchParams;
        if (q.get('format') === 'csv') continue;
        expect(Number(q.get('points')), url).toBeGreaterThan(0);
      }
      expect(watch.take()).toEqual([]);
      expect(watch.outside).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
