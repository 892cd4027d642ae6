// Time to first paint, first contentful paint and first data (the page's data-ready) of the dashboard in headless
// Chromium against the real `verdant serve`: the overview over a store of 10,000 runs, the runs table's first
// page, and the page of a 24-hour run sampled at 1 Hz by three sensors (259,200 samples). Each page is opened
// BENCH_REPEAT times (default 9), each time in a fresh browser context (empty HTTP cache), after one warm-up.
// Build first (`npm run build`); needs Debian's chromium at /usr/bin/chromium.
/* global document, window, MutationObserver */ // (in functions run by page.evaluate)
import { Store } from '@verdant/core';
import { chromiumAvailable, launchBrowser, newContext, appUrl } from '../test/support/browser.mjs';
import { seedIntensity, seedJobs, seedLongRun, seedRuns } from '../test/support/seed.mjs';
import { assertBuilt, sandbox, startServe } from '../test/support/serve.mjs';
import { summary } from './stats.mjs';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 9);
const TARGET_MS = 1000;

if (!chromiumAvailable()) {
  console.log(JSON.stringify({ skipped: 'no chromium' }));
  process.exit(0);
}
assertBuilt();
const box = await sandbox();
const store = await Store.open({ url: box.databaseUrl });
await seedRuns(store, { count: 10_000 });
const long = await seedLongRun(store, { durationS: 86_400 });
await seedJobs(store);
await seedIntensity(store);
await store.close();
const served = await startServe(box);
const browser = await launchBrowser();

/** One cold open of a route: paint entries and the time its <main data-ready> appeared, ms since navigation start. */
async function open(route, name) {
  const context = await newContext(browser);
  const page = await context.newPage();
  // Records when the page says its first data has rendered, from the page's own clock.
  await page.addInitScript((n) => {
    const check = () => {
      if (document.querySelector(`main[data-page="${n}"][data-ready="true"]`)) {
        window.__readyAt ??= performance.now();
        return true;
      }
      return false;
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-ready', 'data-page'] });
  }, name);
  await page.goto(appUrl(served.origin, route), { waitUntil: 'load' });
  await page.waitForSelector(`main[data-page="${name}"][data-ready="true"]`, { timeout: 60_000 });
  const m = await page.evaluate(() => {
    const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
    // The page's API calls that ended before its data showed: which one it waited for longest.
    const api = performance
      .getEntriesByType('resource')
      .filter((e) => new URL(e.name).pathname.startsWith('/api/') && e.responseEnd <= (window.__readyAt ?? Infinity))
      .map((e) => ({ path: new URL(e.name).pathname.replace(/\/r_[0-9a-z]+/, '/:id') + new URL(e.name).search.replace(/[?&](from|to)=[^&]*/g, ''), ms: e.responseEnd - e.startTime }));
    return { fp: paint['first-paint'], fcp: paint['first-contentful-paint'], ready: window.__readyAt, api };
  });
  // The run page asks for its what-if after its data has shown: let it finish, so that its work on the server
  // does not run into the next open (each open is measured alone, as a user opening one page would see it).
  await page.waitForFunction(() => !document.body.textContent?.includes('Working out the what-if'), undefined, { timeout: 60_000 }).catch(() => undefined);
  await context.close();
  return m;
}

const pages = [
  { label: 'overview (10,000 runs in the store)', route: '/', name: 'overview' },
  { label: 'runs table, first page (10,000 runs)', route: '/runs', name: 'runs' },
  { label: '24-hour run at 1 Hz × 3 sensors', route: `/runs/${long.id}`, name: 'run' },
];
const results = [];
for (const p of pages) {
  await open(p.route, p.name); // warm-up: the server's first query of its kind, the browser's first launch of a page
  const runs = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await open(p.route, p.name));
  const r = {
    page: p.label,
    first_paint_ms: summary(runs.map((x) => x.fp)),
    first_contentful_paint_ms: summary(runs.map((x) => x.fcp)),
    data_ready_ms: summary(runs.map((x) => x.ready)),
    // Per API call of the page (median over the opens): where the wait for data goes.
    api_ms: Object.fromEntries(
      [...new Set(runs.flatMap((x) => x.api.map((a) => a.path)))].map((path) => [path, summary(runs.map((x) => x.api.find((a) => a.path === path)?.ms)).median]),
    ),
  };
  r.target_met = r.data_ready_ms.median <= TARGET_MS;
  results.push(r);
  console.log(
    `${p.label}: first paint ${r.first_paint_ms.median.toFixed(0)} ms, first contentful paint ${r.first_contentful_paint_ms.median.toFixed(0)} ms, ` +
      `data shown ${r.data_ready_ms.median.toFixed(0)} ms (p95 ${r.data_ready_ms.p95.toFixed(0)}; median of ${REPEAT}; target < ${TARGET_MS} ms: ${r.target_met ? 'met' : 'NOT met'})`,
  );
  console.log(`  API calls before the data showed (median ms): ${Object.entries(r.api_ms).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
}
await browser.close();
await served.stop();
await box.dispose();
console.log(JSON.stringify({ repeat: REPEAT, results }));
