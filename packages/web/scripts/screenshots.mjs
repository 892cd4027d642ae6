#!/usr/bin/env node
// Screenshots of every page of the dashboard, light and dark, at 1280 px (and the overview at 390 px), into
// docs/screenshots/ (or the folder given as the first argument). Runs the real `verdant serve` over a seeded
// store in a temporary VERDANT_HOME: 2,000 ended runs, a 24-hour run at 1 Hz, a run going on now (this script
// writes its samples every second, as a tracker would), queued and finished jobs, and the grid's intensity.
// Usage: npm run build && npm run screenshots   (needs Debian's chromium at /usr/bin/chromium)
/* global document */ // (in functions run by page.evaluate)
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '@verdant/core';
import { CHROMIUM_PATH, chromiumAvailable, launchBrowser, newContext, openPage } from '../test/support/browser.mjs';
import { appendSecond, seedAgentRun, seedIntensity, seedJobs, seedLongRun, seedRuns } from '../test/support/seed.mjs';
import { assertBuilt, sandbox, startServe, waitFor } from '../test/support/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = resolve(process.argv[2] ?? join(root, 'docs', 'screenshots'));

if (!chromiumAvailable()) {
  console.error(`screenshots: ${CHROMIUM_PATH} is missing (apt-get install chromium)`);
  process.exit(2);
}
assertBuilt();
mkdirSync(out, { recursive: true });

const box = await sandbox();
const store = await Store.open({ url: box.databaseUrl });
const now = Math.floor(Date.now() / 1000);
await seedRuns(store, { count: 2000, days: 10 });
const long = await seedLongRun(store, { durationS: 86_400, name: 'pretrain-24h', end: now - 1800 });
const live = await seedLongRun(store, { durationS: 1200, name: 'finetune-llama-live', end: now, running: true });
await seedJobs(store, {
  waiting: ['nightly-finetune', 'weekly-eval', 'embeddings-refresh'],
  finished: [
    { name: 'etl-backfill', state: 'succeeded' },
    { name: 'sweep-lr-7', state: 'failed' },
    { name: 'render-frames', state: 'cancelled' },
  ],
});
await seedIntensity(store, { pastH: 7 * 24 });
const agentRunId = await seedAgentRun(store);
// Two short MoE lab trainings (synthetic task, 60 steps each: about a minute) for the MoE pages.
const { MoeStore, parseTrainConfig, trainLab } = await import('@verdant/moe');
const moeIds = ['r_moe_switch', 'r_moe_auxfree'];
for (const [i, kind] of ['switch', 'aux-free'].entries()) {
  const config = { corpus: 'synthetic', tokenizer: 'char', model: { layers: 2, dModel: 32, heads: 2, seqLen: 32, experts: 8, dHidden: 32 }, batch: 4, steps: 60, evalInterval: 10, evalBatches: 1 };
  await trainLab(parseTrainConfig({ ...config, name: `moe ${kind}`, router: { kind } }, root), { runId: moeIds[i], store: MoeStore.of(store) });
}
// The live run goes on: one second of samples every second while the screenshots are taken.
const totals = { energyJ: live.energyJ, emissionsG: live.emissionsG };
let t = live.endedAt;
let writing = Promise.resolve();
const ticker = setInterval(() => {
  writing = writing.then(() => appendSecond(store, live, ++t, totals)).catch((e) => console.error(`screenshots: live run: ${e.message}`));
}, 1000);

const served = await startServe(box);
const browser = await launchBrowser();
const shots = [
  { file: 'overview', route: '/', name: 'overview' },
  { file: 'runs', route: '/runs', name: 'runs' },
  { file: 'run', route: `/runs/${long.id}`, name: 'run' },
  { file: 'run-live', route: `/runs/${live.id}`, name: 'run' },
  // The grid with its best window found, the simulation with its result: the pages as a user leaves them.
  { file: 'grid', route: '/grid', name: 'grid', click: 'Find best window' },
  { file: 'jobs', route: '/jobs', name: 'jobs' },
  { file: 'simulate', route: '/simulate', name: 'simulate', click: 'Run simulation' },
  { file: 'hardware', route: '/accel', name: 'accel' },
  { file: 'moe', route: '/moe', name: 'moe' },
  { file: 'moe-training', route: `/moe/trainings/${moeIds[1]}`, name: 'moe-training' },
  { file: 'moe-compare', route: `/moe/compare?ids=${moeIds.join(',')}`, name: 'moe-compare' },
  // The browser lab once its training has run (or after a minute of it).
  { file: 'moe-browser', route: '/moe-play', name: 'moe-play', click: 'Start training' },
  { file: 'agent-runs', route: '/agent-runs', name: 'agent-runs' },
  { file: 'agent-run', route: `/agent-runs/${agentRunId}`, name: 'agent-run' },
];

/** Opens a page and waits for its charts to have points (at most 15 s), so the picture shows them drawn. */
async function shoot(context, shot, file, fullPage = false) {
  const page = await context.newPage();
  await openPage(page, served.origin, shot.route, shot.name);
  if (shot.click) {
    const button = page.getByRole('button', { name: shot.click });
    if (await button.count()) {
      await button.first().click();
      await page.waitForSelector(`main[data-page="${shot.name}"][data-ready="true"]`, { timeout: 60_000 });
      // The action is done when no button is disabled any more (a busy form disables its submit button).
      await waitFor('the action to finish', () => page.evaluate(() => ([...document.querySelectorAll('button')].some((b) => b.disabled) ? undefined : true)), 60_000).catch(() =>
        console.warn(`screenshots: ${shot.file}: "${shot.click}" did not finish`),
      );
    } else console.warn(`screenshots: ${shot.file}: no "${shot.click}" button`);
  }
  await waitFor(
    'charts with points',
    () => page.evaluate(() => ([...document.querySelectorAll('[data-chart]')].every((c) => Number(c.getAttribute('data-points')) > 0) ? true : undefined)),
    shot.click ? 60_000 : 15_000,
  ).catch(() => console.warn(`screenshots: ${shot.file}: a chart has no points`));
  await page.screenshot({ path: join(out, file), animations: 'disabled', fullPage });
  await page.close();
  console.log(`screenshots: ${file}`);
}

try {
  for (const colorScheme of ['light', 'dark']) {
    const wide = await newContext(browser, { colorScheme, timezoneId: 'UTC', viewport: { width: 1280, height: 800 } });
    // The overview whole (live runs, totals, the grid now and next); the other pages as the first screen shows them.
    for (const shot of shots) await shoot(wide, shot, `${shot.file}-${colorScheme}.png`, shot.name === 'overview');
    await wide.close();
    const narrow = await newContext(browser, { colorScheme, timezoneId: 'UTC', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await shoot(narrow, shots[0], `overview-390-${colorScheme}.png`, true);
    await narrow.close();
  }
} finally {
  clearInterval(ticker);
  await writing;
  await browser.close();
  await served.stop();
  await store.updateRun(live.id, { status: 'succeeded', exit_code: 0, ended_at: t, heartbeat_at: t });
  await store.close();
  await box.dispose();
}
console.log(`screenshots: written to ${out}`);
