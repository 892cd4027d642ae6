// The browser MoE lab in headless Chromium against the real `verdant serve`: a tiny training runs in the page's Web
// Worker (TensorFlow.js on WebAssembly, its binaries served by the app itself under the app's Content-Security-Policy),
// the loss chart, the heat maps and the metric table follow it step by step, and its losses are those the same session
// gives under Node here (same engine, same seed). Stop ends a training. No console error, no failed request, nothing
// fetched from another origin.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingSession, initEngine, parseTrainConfig, syntheticText } from '@verdant/moe/browser';
import { PageWatch, axeViolations, chromiumAvailable, launchBrowser, newContext, openPage } from '../support/browser.mjs';
import { waitFor, assertBuilt, sandbox, startServe, type Sandbox, type Served } from '../support/serve.mjs';

const STEPS = 6;

describe.skipIf(!chromiumAvailable())('browser MoE lab in Chromium', () => {
  let box: Sandbox;
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    assertBuilt();
    box = await sandbox();
    served = await startServe(box);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await box?.dispose();
  });

  async function fresh(): Promise<{ page: Page; watch: PageWatch; close: () => Promise<void> }> {
    const context = await newContext(browser, { timezoneId: 'UTC' });
    const page = await context.newPage();
    return { page, watch: new PageWatch(page, served.origin), close: () => context.close() };
  }

  const attr = async (page: Page, selector: string, name: string): Promise<string | null> => page.locator(selector).first().getAttribute(name);
  const stepOf = async (page: Page): Promise<number> => Number(await attr(page, 'main[data-page="moe-play"]', 'data-step'));

  async function fill(page: Page, values: { router: string; experts: number; steps: number; batch: number; seed: number }): Promise<void> {
    await page.selectOption('#mp-router', values.router);
    await page.fill('#mp-experts', String(values.experts));
    await page.fill('#mp-steps', String(values.steps));
    await page.fill('#mp-batch', String(values.batch));
    await page.fill('#mp-seed', String(values.seed));
  }

  it('trains a tiny MoE in a Web Worker and draws its loss and router live, to the losses Node gives', async () => {
    const { page, watch, close } = await fresh();
    try {
      await openPage(page, served.origin, '/moe-play', 'moe-play');
      const form = { router: 'aux-free', experts: 4, steps: STEPS, batch: 4, seed: 3 };
      await fill(page, form);
      await page.click('button[data-action="start"]');

      // Poll the step counter: it advances through the steps, then the page says the training is done.
      const seen = new Set<number>();
      await waitFor('the training to finish', async () => {
        seen.add(await stepOf(page));
        const phase = await attr(page, 'main[data-page="moe-play"]', 'data-phase');
        if (phase === 'failed') throw new Error(`the training failed: ${await page.locator('[role="alert"]').textContent()}`);
        return phase === 'done' ? true : undefined;
      }, 180_000, 50);
      expect(await stepOf(page)).toBe(STEPS);
      seen.add(STEPS);
      expect([...seen].filter((s) => s > 0).length).toBeGreaterThan(1); // seen at least two step counts: live

      const losses = JSON.parse((await attr(page, '[data-losses]', 'data-losses')) ?? '[]') as number[];
      expect(losses).toHaveLength(STEPS);
      for (const l of losses) expect(Number.isFinite(l)).toBe(true);
      expect(Number(await attr(page, '[data-chart="moe-play-loss"]', 'data-points'))).toBe(STEPS);
      // One heat map per MoE block (2 blocks), each with a column per step; a metrics row per block.
      const heats = page.locator('[data-router-view="moe-play"] [data-heatmap]');
      expect(await heats.count()).toBe(2);
      for (const h of await heats.all()) expect(await h.getAttribute('data-steps')).toBe(String(STEPS));
      expect(await page.locator('table[data-table="moe-play-layers"] tbody tr').count()).toBe(2);
      for (const name of ['moe-play-maxvio', 'moe-play-cv', 'moe-play-entropy']) {
        expect(Number(await attr(page, `[data-chart="${name}"]`, 'data-points'))).toBe(STEPS);
      }
      expect(await page.locator('[data-stats="moe-play"]').textContent()).toMatch(/tokens\/s/);
      // The trained page (charts, heat maps, table) passes axe as the idle one does (pages.test.ts).
      const violations = await axeViolations(page);
      expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);

      // The same session under Node: the same losses (same engine, same seed).
      const engine = await initEngine();
      const config = parseTrainConfig({ corpus: 'synthetic', tokenizer: 'char', size: 'tiny', model: { experts: form.experts }, router: { kind: form.router }, batch: form.batch, steps: form.steps, seed: form.seed }, '/');
      const session = new TrainingSession(engine, config, syntheticText());
      const node: number[] = [];
      try {
        while (!session.done) node.push(session.next().loss);
      } finally {
        session.dispose();
      }
      expect(losses).toEqual(node);

      await watch.settled(500);
      expect(watch.take(), `server log:\n${served.log()}`).toEqual([]);
      expect(watch.outside).toEqual([]);
    } finally {
      await close();
    }
  }, 300_000);

  it('fits a 390-px-wide screen while it trains (no sideways scrolling of the page)', async () => {
    const context = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const watch = new PageWatch(page, served.origin);
    try {
      await openPage(page, served.origin, '/moe-play', 'moe-play');
      await fill(page, { router: 'gshard', experts: 16, steps: 3, batch: 2, seed: 2 });
      await page.click('button[data-action="start"]');
      await page.waitForSelector('main[data-page="moe-play"][data-phase="done"]', { timeout: 180_000 });
      expect(await page.locator('[data-heatmap]').count()).toBe(2);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(watch.take()).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);

  it('Stop ends a training and Start begins a new one', async () => {
    const { page, watch, close } = await fresh();
    try {
      await openPage(page, served.origin, '/moe-play', 'moe-play');
      await fill(page, { router: 'expert-choice', experts: 4, steps: 5000, batch: 2, seed: 1 });
      await page.click('button[data-action="start"]');
      await waitFor('two steps', async () => ((await stepOf(page)) >= 2 ? true : undefined), 180_000, 50);
      expect(await page.locator('main[data-page="moe-play"]').textContent()).toMatch(/sees the future/);
      await page.click('button[data-action="stop"]');
      await page.waitForSelector('main[data-page="moe-play"][data-phase="stopped"] button[data-action="start"]:not([disabled])');
      const stoppedAt = await stepOf(page);
      expect(stoppedAt).toBeGreaterThanOrEqual(2);
      expect(stoppedAt).toBeLessThan(5000);

      // A bad field is refused in the page, naming it, before anything runs.
      await page.fill('#mp-experts', '1');
      await page.click('button[data-action="start"]');
      expect(await page.locator('main[data-page="moe-play"] [role="alert"]').textContent()).toMatch(/Experts: give a whole number from 2/);
      expect(await attr(page, 'main[data-page="moe-play"]', 'data-phase')).toBe('stopped');

      await fill(page, { router: 'switch', experts: 4, steps: 2, batch: 2, seed: 1 });
      await page.click('button[data-action="start"]');
      await page.waitForSelector('main[data-page="moe-play"][data-phase="done"]', { timeout: 180_000 });
      expect(await stepOf(page)).toBe(2);
      await watch.settled(500);
      expect(watch.take(), `server log:\n${served.log()}`).toEqual([]);
      expect(watch.outside).toEqual([]);
    } finally {
      await close();
    }
  }, 300_000);
});
