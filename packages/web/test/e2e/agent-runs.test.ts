// The agent-run pages in headless Chromium against the real `verdant serve`: a run recorded by runAgent (its
// `record` option) into the sandbox's store shows in the list and as a Gantt chart per turn whose bars sit at the
// calls' real start and end times; a run still going shows live and updates when its calls finish.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Store } from '@verdant/core';
import { getAgentRun, runAgent, tool, type ModelAdapter, type ModelEvent } from '@verdant/agents';
import { PageWatch, axeViolations, chromiumAvailable, launchBrowser, newContext, openPage } from '../support/browser.mjs';
import { assertBuilt, sandbox, startServe, type Sandbox, type Served } from '../support/serve.mjs';

/** A model whose first turn calls `work` for each id, then answers. */
function scripted(ids: string[]): ModelAdapter {
  let turn = 0;
  return {
    vendor: 'scripted',
    modelId: 'm1',
    async *stream(): AsyncIterable<ModelEvent> {
      if (++turn === 1) {
        for (const [i, id] of ids.entries()) yield { type: 'tool-call-complete', index: i, id, name: 'work', args: { id }, rawArgs: '' };
        yield { type: 'finish', reason: 'tool-calls' };
      } else {
        yield { type: 'text-delta', text: 'done' };
        yield { type: 'finish', reason: 'stop' };
      }
    },
  };
}

describe.skipIf(!chromiumAvailable())('agent run pages in Chromium', () => {
  let box: Sandbox;
  let served: Served;
  let browser: Browser;
  let store: Store;

  beforeAll(async () => {
    assertBuilt();
    box = await sandbox();
    store = await Store.open({ url: box.databaseUrl });
    served = await startServe(box);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await store?.close();
    await box?.dispose();
  });

  async function fresh(): Promise<{ page: Page; watch: PageWatch; close: () => Promise<void> }> {
    const context = await newContext(browser, { timezoneId: 'UTC' });
    const page = await context.newPage();
    return { page, watch: new PageWatch(page, served.origin), close: () => context.close() };
  }

  it('draws each call of a turn at its real start and end, queue waits apart, and follows a live run', async () => {
    const release = new Map<string, () => void>();
    const work = tool({
      name: 'work',
      description: '',
      input: z.object({ id: z.string() }),
      limits: { concurrency: 1 },
      execute: ({ id }) => new Promise<string>((resolve) => release.set(id, () => resolve(id))),
    });
    const run = runAgent({ model: scripted(['a', 'b']), tools: [work], messages: [{ role: 'user', content: 'x' }], record: { store, name: 'gantt e2e' } });
    const { page, watch, close } = await fresh();
    try {
      // Live: call a runs, b waits for its slot.
      for (let i = 0; i < 400 && !release.has('a'); i++) await new Promise((r) => setTimeout(r, 25));
      await openPage(page, served.origin, `/agent-runs/${run.runId!}`, 'agent-run');
      await page.waitForSelector('main[data-live="true"] g[data-call="a"][data-status="running"]');
      expect(await page.locator('g[data-call="b"]').getAttribute('data-status')).toBe('queued');

      release.get('a')!();
      for (let i = 0; i < 400 && !release.has('b'); i++) await new Promise((r) => setTimeout(r, 25));
      release.get('b')!();
      await run.result;
      // The page follows: the run ends, both calls are ok, and the chart stops refreshing.
      await page.waitForSelector('main[data-page="agent-run"]:not([data-live]) g[data-call="b"][data-status="ok"]', { timeout: 30_000 });

      const recorded = await getAgentRun(store, run.runId!);
      const [a, b] = recorded.calls;
      // b started when a ended (one slot): its run bar starts right of a's, after a queue bar.
      const bars = async (id: string, kind: string) => page.locator(`g[data-call="${id}"] rect[data-kind="${kind}"]`).evaluateAll((els) => els.map((e) => ({ x: Number(e.getAttribute('x')), w: Number(e.getAttribute('width')) })));
      const [aRun] = await bars('a', 'gantt-run');
      const [bRun] = await bars('b', 'gantt-run');
      const [bQueue] = await bars('b', 'gantt-queue');
      expect(bRun!.x).toBeGreaterThanOrEqual(aRun!.x + aRun!.w - 1);
      expect(bQueue!.x + bQueue!.w).toBeCloseTo(bRun!.x, 0);
      // Positions are proportional to the recorded times: the ratio of the bars' starts matches the store's.
      const t0 = recorded.turns[0]!.startedAt;
      const t1 = Math.max(recorded.turns[0]!.endedAt!, ...recorded.calls.map((c) => c.endedAt!));
      const span = (await page.locator('svg[data-gantt="1"]').getAttribute('viewBox'))!.split(' ').map(Number)[2]! - 190 - 10;
      expect(bRun!.x).toBeCloseTo(190 + ((b!.startedAt! - t0) / (t1 - t0)) * span, 0);
      expect(aRun!.x).toBeCloseTo(190 + ((a!.startedAt! - t0) / (t1 - t0)) * span, 0);
      expect(await page.locator('g[data-critical="true"]').count()).toBe(1);
      expect(await axeViolations(page)).toEqual([]);

      await openPage(page, served.origin, '/agent-runs', 'agent-runs');
      expect(await page.locator('table[data-table="agent-runs"] tbody tr').first().textContent()).toContain('gantt e2e');
      expect(await axeViolations(page)).toEqual([]);
      expect(watch.take()).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);
});
