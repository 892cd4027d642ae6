// The MoE pages in headless Chromium against the real `verdant serve`: real lab trainings (tiny synthetic config)
// stored in the sandbox's store, each measured by a run with samples, show in the list; a training's page draws the
// expert-load heat map with one canvas per MoE layer and a row per expert, and the per-layer charts; Expert Choice
// carries its caveat; two selected trainings compare; a training still going gains steps on its open page.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, newId } from '@verdant/core';
import { testRunRow } from '@verdant/core/testing';
import { MoeStore, initEngine, parseTrainConfig, trainLab, type Engine, type TrainConfigInput } from '@verdant/moe';
import { PageWatch, axeViolations, chromiumAvailable, launchBrowser, markControls, newContext, openPage, unreachableByTab } from '../support/browser.mjs';
import { assertBuilt, sandbox, startServe, type Sandbox, type Served } from '../support/serve.mjs';

const LAYERS = 2;
const EXPERTS = 4;
const STEPS = 6;
const TINY: TrainConfigInput = {
  corpus: 'synthetic', tokenizer: 'char', size: 'tiny',
  model: { layers: LAYERS, dModel: 16, heads: 2, seqLen: 16, experts: EXPERTS, dHidden: 16 },
  batch: 2, steps: STEPS, evalInterval: 3, evalBatches: 1, deadWindow: 3, seed: 5,
};

/** Samples of 10 W every 0.25 s from the run's start to a second after the training's last step. */
async function addSamples(store: Store, runId: string): Promise<void> {
  const run = (await store.getRun(runId))!;
  const steps = await MoeStore.of(store).steps(runId);
  const end = steps[steps.length - 1]!.t + 1;
  const rows = [];
  for (let t = run.started_at + 0.25; t <= end; t += 0.25) rows.push({ run_id: runId, sensor_id: 'cpu', t, dt: 0.25, energy_j: 2.5, power_w: 10, intensity_g_per_kwh: 300, emissions_g: (2.5 * 300) / 3.6e6 });
  await store.appendSamples(rows, { id: runId, energy_j: rows.length * 2.5, emissions_g: (rows.length * 2.5 * 300) / 3.6e6, heartbeat_at: end });
  await store.updateRun(runId, { status: 'succeeded', ended_at: end, exit_code: 0 });
}

/** Trains `over` in this process inside a new run of the store (its id is the training's). */
async function train(store: Store, engine: Engine, over: TrainConfigInput, onStep?: (step: number) => Promise<void>): Promise<string> {
  const runId = newId('r');
  await store.createRun(testRunRow({ id: runId, name: String(over.name ?? 'moe'), started_at: Date.now() / 1000 - 0.5 }), [
    { run_id: runId, sensor_id: 'cpu', kind: 'cpu', method: 'fixture', description: 'test', estimate: 0 },
  ]);
  await trainLab(parseTrainConfig({ ...TINY, ...over }, '/'), { runId, engine, store: MoeStore.of(store), ...(onStep ? { onStep: (s) => onStep(s.step) } : {}) });
  await addSamples(store, runId);
  return runId;
}

describe.skipIf(!chromiumAvailable())('MoE pages in Chromium', () => {
  let box: Sandbox;
  let served: Served;
  let browser: Browser;
  let store: Store;
  let engine: Engine;
  let auxFree: string;
  let expertChoice: string;

  beforeAll(async () => {
    assertBuilt();
    box = await sandbox();
    store = await Store.open({ url: box.databaseUrl });
    engine = await initEngine();
    auxFree = await train(store, engine, { name: 'aux-free e2e', router: { kind: 'aux-free' } });
    expertChoice = await train(store, engine, { name: 'expert-choice e2e', router: { kind: 'expert-choice', capacityFactor: 2 } });
    served = await startServe(box);
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await store?.close();
    await box?.dispose();
  });

  async function fresh(options: Parameters<typeof newContext>[1] = {}): Promise<{ page: Page; watch: PageWatch; close: () => Promise<void> }> {
    const context = await newContext(browser, { timezoneId: 'UTC', ...options });
    const page = await context.newPage();
    return { page, watch: new PageWatch(page, served.origin), close: () => context.close() };
  }

  const points = (page: Page, name: string) => page.locator(`[data-chart="${name}"]`).getAttribute('data-points').then(Number);

  it('lists the trainings and draws a training: heat map per layer and expert, per-layer charts, losses', async () => {
    const { page, watch, close } = await fresh();
    try {
      await openPage(page, served.origin, '/moe', 'moe');
      const rows = page.locator('table[data-table="moe-trainings"] tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).getAttribute('data-training-id')).toBe(expertChoice);
      expect(await rows.nth(0).textContent()).toContain('(sees the future)');
      expect(await page.locator('.moe-caveat-note').textContent()).toMatch(/future/);

      await page.locator(`tr[data-training-id="${auxFree}"] a`).click();
      await page.waitForSelector('main[data-page="moe-training"][data-ready="true"]');
      const heat = page.locator('[data-heatmap="expert-load"]');
      expect(await heat.getAttribute('data-layers')).toBe(String(LAYERS));
      expect(await heat.getAttribute('data-experts')).toBe(String(EXPERTS));
      expect(await heat.getAttribute('data-steps')).toBe(String(STEPS));
      const canvases = page.locator('[data-heatmap-layer] canvas');
      expect(await canvases.count()).toBe(LAYERS);
      for (let i = 0; i < LAYERS; i++) {
        expect(await canvases.nth(i).getAttribute('data-experts')).toBe(String(EXPERTS));
        // Painted: the canvas has opaque pixels in its plot area.
        const painted = await canvases.nth(i).evaluate((c: HTMLCanvasElement) => {
          const d = c.getContext('2d')!.getImageData(Math.floor(c.width * 0.5), 1, 1, 1).data;
          return d[3];
        });
        expect(painted).toBe(255);
      }
      // The numbers behind the colours: a column per expert, two rows per layer.
      expect(await page.locator('table[data-table="expert-load"] thead th').count()).toBe(2 + EXPERTS);
      expect(await page.locator('table[data-table="expert-load"] tbody tr').count()).toBe(2 * LAYERS);
      for (const chart of ['maxvio', 'cv', 'entropy', 'marginal-entropy', 'dropped', 'global-maxvio', 'loss-tokens', 'loss-energy']) expect(await points(page, chart), chart).toBeGreaterThan(0);
      expect(await points(page, 'maxvio')).toBe(STEPS);
      // One bias chart per layer, one series per expert (uPlot's legend: the x series and E experts).
      for (let l = 0; l < LAYERS; l++) expect(await page.locator(`[data-chart="bias-${l}"] .u-legend .u-series`).count()).toBe(1 + EXPERTS);
      expect(await page.locator('[data-chart="maxvio"] .u-legend .u-series').count()).toBe(1 + LAYERS);
      expect(await page.locator('table[data-table="moe-last-layers"] tbody tr').count()).toBe(LAYERS);
      expect(await page.locator('[data-caveat]').count()).toBe(0);
      // After capacity: the same map, drawn again.
      await page.getByLabel('after capacity (drops removed)').check();
      expect(await heat.getAttribute('data-layers')).toBe(String(LAYERS));
      expect(await axeViolations(page)).toEqual([]);

      await openPage(page, served.origin, `/moe/trainings/${expertChoice}`, 'moe-training');
      expect(await page.locator('[data-caveat="expert-choice"]').textContent()).toMatch(/sees the future/i);
      expect(await points(page, 'experts-per-token')).toBe(STEPS);
      await watch.settled(500);
      expect(watch.take()).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  it('compares selected trainings: loss against tokens, wall time and joules, and a final table', async () => {
    const { page, watch, close } = await fresh();
    try {
      await openPage(page, served.origin, '/moe', 'moe');
      await page.getByLabel('Select aux-free e2e').check();
      await page.getByLabel('Select expert-choice e2e').check();
      await page.getByRole('button', { name: 'Compare' }).click();
      await page.waitForSelector('main[data-page="moe-compare"][data-ready="true"]');
      expect(await page.locator('main').getAttribute('data-trainings')).toBe('2');
      expect(await page.locator('table[data-table="moe-compare"] tbody tr').count()).toBe(2);
      for (const chart of ['compare-tokens', 'compare-wall', 'compare-energy']) {
        expect(await points(page, chart), chart).toBeGreaterThan(0);
        expect(await page.locator(`[data-chart="${chart}"] .u-legend .u-series`).count()).toBe(3);
      }
      // Both trainings saw the same tokens at each step: one shared x per step.
      expect(await points(page, 'compare-tokens')).toBe(STEPS);
      expect(await page.locator('[data-caveat="expert-choice"]').count()).toBe(1);
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        expect(await axeViolations(page), colorScheme).toEqual([]);
      }
      await watch.settled(500);
      expect(watch.take()).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  it('a training page is keyboard-reachable, fits 390 px and passes axe in dark', async () => {
    const narrow = await fresh({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, colorScheme: 'dark' });
    try {
      for (const route of [`/moe/trainings/${auxFree}`, '/moe', `/moe/compare?ids=${auxFree},${expertChoice}`]) {
        const name = route.startsWith('/moe/trainings') ? 'moe-training' : route.startsWith('/moe/compare') ? 'moe-compare' : 'moe';
        await openPage(narrow.page, served.origin, route, name);
        const width = await narrow.page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, route).toBeLessThanOrEqual(390);
        expect(await axeViolations(narrow.page), route).toEqual([]);
      }
      expect(narrow.watch.take()).toEqual([]);
    } finally {
      await narrow.close();
    }
    const { page, close } = await fresh();
    try {
      await openPage(page, served.origin, `/moe/trainings/${auxFree}`, 'moe-training');
      const controls = await markControls(page);
      expect(controls.length).toBeGreaterThan(0);
      expect((await unreachableByTab(page, controls)).map((c) => c.description)).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  it('follows a training while it trains: the open page gains steps', async () => {
    const gates = new Map<number, { reached: () => void; atStep: Promise<void>; release: () => void; released: Promise<void> }>();
    for (const s of [2, 3]) {
      let reached!: () => void;
      let release!: () => void;
      const atStep = new Promise<void>((r) => (reached = r));
      const released = new Promise<void>((r) => (release = r));
      gates.set(s, { reached, atStep, release, released });
    }
    const done = train(store, engine, { name: 'live e2e', steps: 5, evalInterval: 2 }, async (step) => {
      const g = gates.get(step);
      if (g) {
        g.reached();
        await g.released;
      }
    });
    const { page, watch, close } = await fresh();
    try {
      await gates.get(2)!.atStep;
      await openPage(page, served.origin, '/moe', 'moe');
      await page.locator('table[data-table="moe-trainings"] a', { hasText: 'live e2e' }).click();
      await page.waitForSelector('main[data-page="moe-training"][data-live="true"][data-steps="2"]');
      expect(await page.locator('[data-heatmap="expert-load"]').getAttribute('data-steps')).toBe('2');
      gates.get(2)!.release();
      await gates.get(3)!.atStep;
      // The page polls: step 3 arrives while the training still runs.
      await page.waitForSelector('main[data-page="moe-training"][data-live="true"][data-steps="3"]', { timeout: 30_000 });
      expect(await page.locator('[data-heatmap="expert-load"]').getAttribute('data-steps')).toBe('3');
      expect(await points(page, 'maxvio')).toBe(3);
      gates.get(3)!.release();
      await done;
      // It ends: every step, no longer live.
      await page.waitForSelector('main[data-page="moe-training"]:not([data-live])[data-steps="5"]', { timeout: 30_000 });
      expect(await page.locator('[data-heatmap="expert-load"]').getAttribute('data-steps')).toBe('5');
      await watch.settled(500);
      expect(watch.take()).toEqual([]);
    } finally {
      for (const g of gates.values()) g.release();
      await done.catch(() => undefined);
      await close();
    }
  }, 180_000);
});
