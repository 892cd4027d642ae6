// Every page of the dashboard in headless Chromium against the real `verdant serve` over a seeded SQLite
// store: it loads with no console error, no failed request and nothing fetched from outside the origin; axe
// finds no serious or critical violation (light and dark); the keyboard alone reaches every control; it fits a
// 390-px-wide screen; the first page's JavaScript stays within its budget.
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@verdant/core';
import { MoeStore, parseTrainConfig, trainLab } from '@verdant/moe';
import {
  PAGES,
  PageWatch,
  appUrl,
  axeViolations,
  chromiumAvailable,
  launchBrowser,
  markControls,
  newContext,
  openPage,
  unreachableByTab,
  waitReady,
} from '../support/browser.mjs';
import { seedAgentRun, seedIntensity, seedJobs, seedLongRun, seedRuns } from '../support/seed.mjs';
import { assertBuilt, sandbox, startServe, type Sandbox, type Served } from '../support/serve.mjs';

type PageName = (typeof PAGES)[number]['name'];

describe.skipIf(!chromiumAvailable())('dashboard pages in Chromium', () => {
  let box: Sandbox;
  let served: Served;
  let browser: Browser;
  let runId: string;
  let moeId: string;

  let agentRunId: string;
  const route = (r: string): string => r.replace(':id', runId).replace(':moe', moeId).replace(':agent', agentRunId);

  beforeAll(async () => {
    assertBuilt();
    box = await sandbox();
    const store = await Store.open({ url: box.databaseUrl });
    try {
      await seedRuns(store, { count: 40 });
      runId = (await seedLongRun(store, { durationS: 3600, name: 'finetune-1h' })).id;
      await seedJobs(store);
      await seedIntensity(store);
      agentRunId = await seedAgentRun(store);
      // A real MoE lab training (tiny synthetic config: a few seconds) for the MoE pages.
      moeId = 'r_moe_pages';
      const tiny = { corpus: 'synthetic', tokenizer: 'char', model: { layers: 2, dModel: 16, heads: 2, seqLen: 16, experts: 4, dHidden: 16 }, batch: 2, steps: 6, evalInterval: 3, evalBatches: 1 };
      await trainLab(parseTrainConfig({ ...tiny, name: 'moe pages', router: { kind: 'aux-free' } }, '/'), { runId: moeId, store: MoeStore.of(store) });
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

  /** A fresh page of a fresh context, watched for problems. */
  async function fresh(options: Parameters<typeof newContext>[1] = {}): Promise<{ page: Page; watch: PageWatch; close: () => Promise<void> }> {
    const context = await newContext(browser, { timezoneId: 'UTC', ...options });
    const page = await context.newPage();
    return { page, watch: new PageWatch(page, served.origin), close: () => context.close() };
  }

  for (const p of PAGES) {
    it(`${p.name} (${p.route}) loads with no console error, no failed request, nothing from outside the origin`, async () => {
      const { page, watch, close } = await fresh();
      try {
        await openPage(page, served.origin, route(p.route), p.name);
        // Let the page's follow-up requests (and the first live update) be answered too.
        await watch.settled(1500);
        expect(watch.take(), `server log:\n${served.log()}`).toEqual([]);
        expect(watch.outside).toEqual([]);
      } finally {
        await close();
      }
    }, 120_000);
  }

  for (const p of PAGES) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`${p.name}: axe finds no serious or critical violation (${colorScheme})`, async () => {
        const { page, close } = await fresh({ colorScheme });
        try {
          await openPage(page, served.origin, route(p.route), p.name);
          const violations = await axeViolations(page);
          expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
        } finally {
          await close();
        }
      }, 120_000);
    }
  }

  for (const p of PAGES) {
    it(`${p.name}: Tab alone reaches every control`, async () => {
      const { page, close } = await fresh();
      try {
        await openPage(page, served.origin, route(p.route), p.name);
        const controls = await markControls(page);
        expect(controls.length).toBeGreaterThan(0);
        const missed = await unreachableByTab(page, controls);
        expect(missed.map((c) => c.description)).toEqual([]);
      } finally {
        await close();
      }
    }, 180_000);
  }

  it('Tab and Enter alone move between all pages through the main navigation', async () => {
    const { page, watch, close } = await fresh();
    try {
      await openPage(page, served.origin, '/', 'overview');
      const targets: Array<[string, PageName]> = [
        ['Runs', 'runs'],
        ['Grid', 'grid'],
        ['Jobs', 'jobs'],
        ['Simulate', 'simulate'],
        ['Hardware', 'accel'],
        ['Agent runs', 'agent-runs'],
        ['MoE', 'moe'],
        ['MoE lab (browser)', 'moe-play'],
        ['Overview', 'overview'],
      ];
      for (const [label, name] of targets) {
        await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
        let focused = '';
        for (let i = 0; i < 60 && focused !== label; i++) {
          await page.keyboard.press('Tab');
          focused = await page.evaluate(() => {
            const el = document.activeElement;
            return el?.closest('nav[aria-label="Main"]') ? (el.textContent ?? '').trim() : '';
          });
        }
        expect(focused, `Tab never reached the "${label}" link of the main navigation`).toBe(label);
        await page.keyboard.press('Enter');
        await waitReady(page, name);
      }
      expect(watch.take()).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  for (const p of PAGES) {
    it(`${p.name}: fits a 390-px-wide screen (no sideways scrolling of the page)`, async () => {
      const { page, close } = await fresh({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
      try {
        await openPage(page, served.origin, route(p.route), p.name);
        const { width, wide } = await page.evaluate(() => {
          // The outermost elements that reach past the right edge: what to fix.
          // (an element inside a scrolling or clipping box, such as a wide table in its own scroller, is fine)
          const clipped = (el: Element) => {
            for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true;
            return false;
          };
          const over = [...document.querySelectorAll<HTMLElement>('body *')].filter((el) => el.getBoundingClientRect().right > 391 && !clipped(el));
          const outer = over.filter((el) => !over.includes(el.parentElement!));
          const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${[...el.classList].map((c) => `.${c}`).join('')}${[...el.attributes].filter((a) => a.name.startsWith('data-')).map((a) => `[${a.name}="${a.value}"]`).join('')}`;
          return { width: document.documentElement.scrollWidth, wide: outer.slice(0, 5).map((el) => `${name(el)} (${Math.round(el.getBoundingClientRect().right)} px)`) };
        });
        expect(width, `reaching past 390 px: ${wide.join(', ')}`).toBeLessThanOrEqual(390);
      } finally {
        await close();
      }
    }, 120_000);
  }

  it("the overview's JavaScript is at most 150 KB gzipped, all from the origin", async () => {
    const { page, watch, close } = await fresh();
    const scripts = new Map<string, Promise<Buffer>>();
    page.on('response', (res) => {
      if (res.request().resourceType() === 'script') scripts.set(res.url(), res.body());
    });
    try {
      await page.goto(appUrl(served.origin, '/'), { waitUntil: 'load' });
      await waitReady(page, 'overview');
      let gz = 0;
      for (const [url, body] of scripts) {
        expect(url.startsWith(`${served.origin}/`)).toBe(true);
        gz += gzipSync(await body, { level: 9 }).length;
      }
      expect(scripts.size).toBeGreaterThan(0);
      expect(gz).toBeLessThanOrEqual(150 * 1024);
      expect(watch.outside).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);
});
