// Sample-to-screen latency of the live stream: one second of samples of a running run is appended to the store
// (another process than `verdant serve`, as a tracker would), and the time until the page's chart shows it is
// taken between the commit (epoch ms, this process) and the DOM change (a MutationObserver in the page records
// performance.timeOrigin + now() when the chart's data-points changes). BENCH_SAMPLES (default 20) appends,
// BENCH_GAP_MS (default 700, drawn from half to one and a half of it) between one shown and the next; on the run's page (power chart) and on the overview
// (the live card's sparkline). Build first (`npm run build`); needs Debian's chromium at /usr/bin/chromium.
/* global document, window, MutationObserver */ // (in functions run by page.evaluate)
import { Store } from '@verdant/core';
import { chromiumAvailable, launchBrowser, newContext, openPage } from '../test/support/browser.mjs';
import { appendSecond, seedLongRun } from '../test/support/seed.mjs';
import { assertBuilt, sandbox, startServe } from '../test/support/serve.mjs';
import { summary } from './stats.mjs';

const N = Number(process.env.BENCH_SAMPLES ?? 20);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 700);
const TIMEOUT_MS = 10_000;

if (!chromiumAvailable()) {
  console.log(JSON.stringify({ skipped: 'no chromium' }));
  process.exit(0);
}
assertBuilt();
const box = await sandbox();
const store = await Store.open({ url: box.databaseUrl });
// A run going on for 10 minutes so far; this process is its "tracker" (its pid, a fresh heartbeat each write).
const now = Math.floor(Date.now() / 1000);
const run = await seedLongRun(store, { durationS: 600, end: now, running: true, name: 'live-bench' });
const totals = { energyJ: run.energyJ, emissionsG: run.emissionsG };
let t = run.endedAt;
const serve = await startServe(box);
const browser = await launchBrowser();

/** Installs the observer of `selector`'s data-points in the page. */
async function observe(page, selector) {
  await page.evaluate((sel) => {
    const log = [];
    window.__points = log;
    let last;
    const scan = () => {
      const el = document.querySelector(sel);
      const p = el ? Number(el.getAttribute('data-points')) : NaN;
      if (Number.isFinite(p) && p !== last) {
        last = p;
        log.push({ t: performance.timeOrigin + performance.now(), points: p });
      }
    };
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-points'] });
    scan();
  }, selector);
}

async function measure(label, route, name, selector) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await openPage(page, serve.origin, route, name);
  await page.waitForSelector(selector, { timeout: 60_000 });
  await observe(page, selector);
  const latencies = [];
  let missed = 0;
  for (let i = 0; i < N + 2; i++) {
    const before = await page.evaluate(() => window.__points.length);
    t += 1;
    const committed = await appendSecond(store, run, t, totals);
    let shown;
    const deadline = Date.now() + TIMEOUT_MS;
    while (shown === undefined && Date.now() < deadline) {
      shown = await page.evaluate(([b, c]) => window.__points.slice(b).find((e) => e.t >= c)?.t, [before, committed]);
      if (shown === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    if (i >= 2) {
      // the first two: the stream's first poll after the page opened
      if (shown === undefined) missed++;
      else latencies.push(shown - committed);
    }
    // A gap drawn from [GAP/2, 3·GAP/2), so the appends do not fall into step with the stream's polling.
    await new Promise((r) => setTimeout(r, GAP_MS * (0.5 + Math.random())));
  }
  await context.close();
  const s = summary(latencies);
  console.log(`${label}: sample-to-screen median ${s.median.toFixed(0)} ms, p95 ${s.p95.toFixed(0)} ms, max ${s.max.toFixed(0)} ms (${s.n} samples, ${missed} not shown within ${TIMEOUT_MS / 1000} s)`);
  return { page: label, latency_ms: s, missed };
}

const results = [
  await measure("run page, power chart", `/runs/${run.id}`, 'run', '[data-chart="power"]'),
  await measure('overview, live sparkline', '/', 'overview', `[data-section="live"] [data-run-id="${run.id}"] [data-chart="sparkline"]`),
];
await browser.close();
await serve.stop();
await store.updateRun(run.id, { status: 'succeeded', exit_code: 0, ended_at: t, heartbeat_at: t });
await store.close();
await box.dispose();
const target = results.every((r) => r.latency_ms.p95 <= 2000 && r.missed === 0);
console.log(`target (p95 <= 2 s, none missed): ${target ? 'met' : 'NOT met'}`);
console.log(JSON.stringify({ samples: N, gap_ms: GAP_MS, results, target_met: target }));
