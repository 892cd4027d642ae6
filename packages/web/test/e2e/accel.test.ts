// The Hardware page in headless Chromium against the real `verdant serve` over a fresh store (no imported
// prices: the shipped illustrative sample catalog; intensity offline from the static yearly figures): the job
// form for a 7B model on 2T tokens with a 14-day deadline asks POST /api/accel/recommend, and the page draws
// every plan of the answer's Pareto front (cost against carbon, area by hours), tables the chosen plan and its
// alternatives with each figure's provenance, lists the excluded devices with their reasons, the stored
// profiles and the device catalog.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@verdant/core';
import { saveProfile } from '@verdant/accel';
import { PageWatch, axeViolations, chromiumAvailable, launchBrowser, newContext, openPage } from '../support/browser.mjs';
import { apiGet, assertBuilt, sandbox, startServe, type Sandbox, type Served } from '../support/serve.mjs';

interface Plan {
  device_id: string;
  device_name: string;
  count: number;
  provider: string;
  instance_type: string;
  region: string;
  pricing: string;
  start: string;
  duration_s: number;
  cost_usd: number;
  emissions_g: number;
  on_front: boolean;
  figures: Record<string, { value: number; provenance: string; source: string }>;
}
interface Recommendation {
  chosen: Plan;
  alternatives: Plan[];
  front: Plan[];
  excluded: Array<{ what: string; device_id: string; reason: string }>;
  candidates: number;
  warnings: string[];
}

const key = (p: Plan): string => [p.device_id, p.count, p.provider, p.instance_type, p.region, p.pricing, p.start].join('|');
const PROVENANCES = ['measured', 'published', 'spec', 'default', 'input'];

describe.skipIf(!chromiumAvailable())('hardware page in Chromium', () => {
  let box: Sandbox;
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    assertBuilt();
    box = await sandbox();
    const store = await Store.open({ url: box.databaseUrl });
    try {
      await saveProfile(store, { deviceId: 'cpu', precision: 'fp32', provenance: 'measured', achievedFlops: 2.5e10, powerW: 35, scalingEfficiency: null, source: 'verdant accel bench: GEMM 384×384', host: 'e2e-host', recordedAt: Date.now() / 1000 - 60, meta: { kind: 'gemm' } });
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

  async function fresh(options: Parameters<typeof newContext>[1] = {}, allowStatus: number[] = []): Promise<{ page: Page; watch: PageWatch; close: () => Promise<void> }> {
    const context = await newContext(browser, { timezoneId: 'UTC', ...options });
    const page = await context.newPage();
    return { page, watch: new PageWatch(page, served.origin, { allowStatus }), close: () => context.close() };
  }

  /** Fills the job form, submits it, and returns the body the page sent and the API's answer, once it is shown. */
  async function recommend(page: Page, fields: Record<string, string>): Promise<{ sent: Record<string, unknown>; status: number; body: unknown }> {
    await page.waitForSelector('button[type="submit"]:not([disabled])');
    for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, value);
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/accel/recommend') && r.request().method() === 'POST', { timeout: 60_000 });
    await page.click('button[type="submit"]');
    const res = await answered;
    const body: unknown = await res.json();
    // The page shows the answer in the same render that enables the button again.
    await page.waitForSelector('button[type="submit"]:not([disabled])', { timeout: 60_000 });
    return { sent: JSON.parse(res.request().postData() ?? '{}') as Record<string, unknown>, status: res.status(), body };
  }

  it('plans a 7B model on 2T tokens within 14 days: the whole front drawn, the chosen plan and alternatives with provenance, exclusions with reasons', async () => {
    const { page, watch, close } = await fresh();
    try {
      await openPage(page, served.origin, '/accel', 'accel');
      const { sent, status, body } = await recommend(page, { 'a-params': '7B', 'a-tokens': '2T', 'a-deadline': '14d', 'a-active': '', 'a-allow': '' });
      expect(status).toBe(200);
      expect(sent).toMatchObject({ paramsTotal: '7B', tokens: '2T', deadline: '14d', objective: 'carbon' });
      const r = body as Recommendation;
      expect(r.front.length).toBeGreaterThan(0);

      // The chart: one circle per plan of the front, the chosen plan ringed, off-front alternatives faded.
      const chart = page.locator('[data-chart="accel-pareto"]');
      expect(Number(await chart.getAttribute('data-points'))).toBe(r.front.length);
      expect(await chart.locator('circle[data-front="true"]').count()).toBe(r.front.length);
      const frontKeys = new Set(r.front.map(key));
      expect(await chart.locator('circle[data-front="false"]').count()).toBe(r.alternatives.filter((p) => !frontKeys.has(key(p))).length);
      expect(await chart.locator('circle[data-chosen="true"]').getAttribute('data-key')).toBe(key(r.chosen));
      // x grows with cost, y (SVG, downwards) falls with carbon, the area grows with the hours.
      const circles = await chart.locator('circle[data-front="true"]').evaluateAll((els) =>
        els.map((e) => ({ key: e.getAttribute('data-key')!, cx: Number(e.getAttribute('cx')), cy: Number(e.getAttribute('cy')), r: Number(e.getAttribute('r')) })),
      );
      const byKey = new Map(circles.map((c) => [c.key, c]));
      expect([...byKey.keys()].sort()).toEqual([...frontKeys].sort());
      const plans = r.front.map((p) => ({ p, c: byKey.get(key(p))! }));
      for (const a of plans) {
        for (const b of plans) {
          if (a.p.cost_usd < b.p.cost_usd) expect(a.c.cx).toBeLessThanOrEqual(b.c.cx);
          if (a.p.emissions_g < b.p.emissions_g) expect(a.c.cy).toBeGreaterThanOrEqual(b.c.cy);
          if (a.p.duration_s < b.p.duration_s) expect(a.c.r).toBeLessThanOrEqual(b.c.r);
        }
      }
      expect(await page.locator('svg[role="img"] desc').textContent()).toContain(`${r.front.length} plan`);

      // The table: the chosen plan and its alternatives, every figure tagged with its provenance.
      const table = page.locator('table[data-table="accel-plans"]');
      expect(await table.locator('tr[data-plan="chosen"]').count()).toBe(1);
      expect(await table.locator('tr[data-plan="alternative"]').count()).toBe(r.alternatives.length);
      expect(r.alternatives.length).toBe(5);
      const chosenRow = table.locator('tr[data-plan="chosen"]');
      expect(await chosenRow.textContent()).toContain(`${r.chosen.count} × ${r.chosen.device_name}`);
      expect(await chosenRow.textContent()).toContain(`${r.chosen.provider} ${r.chosen.instance_type} ${r.chosen.region}`);
      expect(await chosenRow.textContent()).toContain(`$${Math.round(r.chosen.cost_usd).toLocaleString('en-US')}`);
      for (const row of await table.locator('tbody tr').all()) {
        const tags = await row.locator('[data-prov]').evaluateAll((els) => els.map((e) => e.getAttribute('data-prov')!));
        expect(tags).toHaveLength(7);
        for (const t of tags) expect(PROVENANCES).toContain(t);
      }
      // On the sample's prices and the model's default utilization, the hours and the USD rest on defaults.
      expect(r.chosen.figures.utilization!.provenance).toBe('default');
      const chosenTags = await chosenRow.locator('[data-prov]').evaluateAll((els) => els.map((e) => e.getAttribute('data-prov')));
      expect(chosenTags[0]).toBe('spec'); // device memory: the datasheet
      expect(chosenTags[4]).toBe('default'); // hours
      // The chosen plan's sources, one row per figure of the API's answer.
      expect(await page.locator('table[data-table="accel-sources"] tbody tr').count()).toBe(Object.keys(r.chosen.figures).length);
      expect(await page.locator('table[data-table="accel-sources"] tr[data-figure="peak_flops"]').textContent()).toContain(r.chosen.figures.peak_flops!.source);

      // Exclusions with their reasons: a device that cannot hold a 7B model (134 GB with Adam).
      const memory = r.excluded.find((e) => /cannot hold it/.test(e.reason));
      expect(memory).toBeDefined();
      const excluded = page.locator('table[data-table="accel-excluded"]');
      expect(await excluded.locator('tbody tr').count()).toBe(r.excluded.length);
      const memRow = excluded.locator('tbody tr', { hasText: memory!.what }).filter({ hasText: 'cannot hold it' }).first();
      expect(await memRow.textContent()).toContain(memory!.reason);

      // The stored profile and the catalog.
      const profile = page.locator('table[data-table="accel-profiles"] tbody tr');
      expect(await profile.count()).toBe(1);
      expect(await profile.textContent()).toContain('measured');
      expect(await profile.textContent()).toContain('e2e-host');
      // A GEMM profile is shown as an achievable peak, not as a utilization figure.
      expect(await profile.locator('td[data-kind]').getAttribute('data-kind')).toBe('gemm');
      expect(await profile.textContent()).toContain('GEMM: achievable peak');
      const devices = (await apiGet(served, '/api/accel/devices')) as { devices: Array<{ id: string }> };
      expect(await page.locator('table[data-table="accel-devices"] tbody tr').count()).toBe(devices.devices.length);

      for (const warning of r.warnings) expect(await page.locator('[data-warning]').allTextContents()).toContain(warning);
      expect(await axeViolations(page)).toEqual([]);
      expect(watch.take()).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  it('names the field of a bad input and marks it, with no plan shown', async () => {
    const { page, watch, close } = await fresh({}, [400]);
    try {
      await openPage(page, served.origin, '/accel', 'accel');
      const { status } = await recommend(page, { 'a-params': 'lots' });
      expect(status).toBe(400);
      const alert = page.locator('#a-error[role="alert"]');
      expect(await alert.getAttribute('data-field')).toBe('paramsTotal');
      expect(await alert.textContent()).toMatch(/lots/);
      expect(await page.locator('#a-params').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('[data-result="recommend"]').count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      expect(watch.take()).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);
});
