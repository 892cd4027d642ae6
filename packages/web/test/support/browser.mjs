/**
 * Headless Chromium for the dashboard's browser tests, benchmarks and screenshots: Debian's `chromium`
 * driven by playwright-core (no browser download). Each launch gets a fresh, temporary profile
 * (user-data dir) that Playwright creates and removes, so no state leaks between suites.
 * Plain JavaScript (with JSDoc types) so `node` runs it in the benchmarks and the screenshot script too.
 */
// Functions passed to page.evaluate run in the page:
/* global document, window, getComputedStyle, HTMLInputElement, CSS */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** @typedef {import('playwright-core').Browser} Browser */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */
/** @typedef {import('playwright-core').BrowserContextOptions} BrowserContextOptions */
/** @typedef {import('playwright-core').Page} Page */
/** @typedef {'overview' | 'runs' | 'run' | 'grid' | 'jobs' | 'simulate' | 'accel' | 'moe' | 'moe-training' | 'moe-play' | 'agent-runs' | 'agent-run'} PageName */

/** Where Debian's `chromium` package installs the browser (CI installs it with apt-get). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Whether CI=... means "this is CI" (as the test helpers of @verdant/core read it). */
export function inCi() {
  const ci = process.env.CI;
  return Boolean(ci && ci !== 'false' && ci !== '0');
}

/**
 * Whether the browser tests can run. Without Chromium they are skipped on a developer's machine (with a
 * message saying how to install it); under CI a missing browser is a failure, never a skip.
 * @returns {boolean}
 */
export function chromiumAvailable() {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (inCi()) throw new Error(`${CHROMIUM_PATH} is missing but CI=${process.env.CI}: .ci/run must install Debian's chromium package`);
  console.warn(`[skip] browser tests: ${CHROMIUM_PATH} is missing (apt-get install chromium)`);
  return false;
}

/** @returns {Promise<Browser>} */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 120_000 });
}

/**
 * A browser context at 1280 × 800 unless told otherwise; `colorScheme` is the "system" setting it emulates.
 * @param {Browser} browser
 * @param {BrowserContextOptions} [options]
 * @returns {Promise<BrowserContext>}
 */
export async function newContext(browser, options = {}) {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light', reducedMotion: 'reduce', ...options });
}

/**
 * The URL of a page of the app (hash routes: "/" the overview, "/runs", "/runs/<id>", "/grid", "/jobs", "/simulate").
 * @param {string} origin
 * @param {string} route
 */
export function appUrl(origin, route) {
  return `${origin}/#${route.startsWith('/') ? route : `/${route}`}`;
}

/** Every page of the app: its route (a run's page needs a run id) and its data-page name. */
export const PAGES = /** @type {const} */ ([
  { name: 'overview', route: '/' },
  { name: 'runs', route: '/runs' },
  { name: 'run', route: '/runs/:id' },
  { name: 'grid', route: '/grid' },
  { name: 'jobs', route: '/jobs' },
  { name: 'simulate', route: '/simulate' },
  { name: 'accel', route: '/accel' },
  { name: 'moe', route: '/moe' },
  { name: 'moe-training', route: '/moe/trainings/:moe' },
  { name: 'moe-play', route: '/moe-play' },
  { name: 'agent-runs', route: '/agent-runs' },
  { name: 'agent-run', route: '/agent-runs/:agent' },
]);

/**
 * Waits until the page's <main data-page=name> says its first data has rendered (data-ready="true").
 * @param {Page} page
 * @param {PageName} name
 */
export async function waitReady(page, name, timeoutMs = 60_000) {
  await page.waitForSelector(`main[data-page="${name}"][data-ready="true"]`, { timeout: timeoutMs });
}

/**
 * Opens a route and waits for its page to be ready.
 * @param {Page} page
 * @param {string} origin
 * @param {string} route
 * @param {PageName} name
 */
export async function openPage(page, origin, route, name, timeoutMs = 60_000) {
  await page.goto(appUrl(origin, route), { waitUntil: 'load', timeout: timeoutMs });
  await waitReady(page, name, timeoutMs);
}

/**
 * The number of x points a chart plots now (its wrapper's data-points), or undefined when it is not there.
 * @param {Page} page
 * @param {string} selector  e.g. '[data-chart="power"]'
 * @returns {Promise<number | undefined>}
 */
export async function chartPoints(page, selector) {
  const v = await page.locator(selector).first().getAttribute('data-points', { timeout: 1000 }).catch(() => null);
  return v === null ? undefined : Number(v);
}

/**
 * Everything that went wrong on a page: console errors, uncaught page errors, failed requests, HTTP answers
 * of 400 and above, and any request that left the app's origin. Requests the app cancels itself (an /api
 * GET it aborts when the page changes or a newer query supersedes it: net::ERR_ABORTED) are not failures.
 */
export class PageWatch {
  /**
   * @param {Page} page
   * @param {string} origin
   * @param {{ allowStatus?: readonly number[] }} [options]  HTTP statuses (>= 400) the test expects, e.g. 401 while signing in
   */
  constructor(page, origin, options = {}) {
    /** @type {string[]} */
    this.problems = [];
    /** @type {string[]} */
    this.outside = [];
    /** Requests under way, but for event streams (they stay open). */
    this.inflight = new Set();
    this.lastChange = Date.now();
    const allow = new Set(options.allowStatus ?? []);
    const done = (r) => {
      if (this.inflight.delete(r)) this.lastChange = Date.now();
    };
    page.on('request', (r) => {
      if (!/\/stream(\?|$)/.test(r.url())) {
        this.inflight.add(r);
        this.lastChange = Date.now();
      }
    });
    page.on('requestfinished', done);
    page.on('requestfailed', done);
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const text = m.text();
      // Chromium logs every HTTP error answer as a console error; an expected status is not a problem.
      const status = /status of (\d{3})/.exec(text)?.[1];
      if (status && allow.has(Number(status))) return;
      this.problems.push(`console error: ${text} (${m.location().url}:${m.location().lineNumber})`);
    });
    page.on('pageerror', (e) => this.problems.push(`page error: ${e.stack ?? e.message}`));
    page.on('request', (r) => {
      const url = r.url();
      if (/^(data|blob|about):/.test(url)) return;
      if (url !== origin && !url.startsWith(`${origin}/`)) {
        this.outside.push(url);
        this.problems.push(`request left the origin: ${r.method()} ${url}`);
      }
    });
    page.on('requestfailed', (r) => {
      const error = r.failure()?.errorText ?? 'failed';
      const path = r.url().slice(origin.length);
      if (error === 'net::ERR_ABORTED' && r.method() === 'GET' && path.startsWith('/api/')) return;
      this.problems.push(`request failed: ${r.method()} ${r.url()} ${error}`);
    });
    page.on('response', (res) => {
      if (res.status() >= 400 && !allow.has(res.status())) this.problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
    });
  }

  /**
   * Waits until no request (but event streams) has been under way for `quietMs`, or `timeoutMs` passed: the
   * page's follow-up requests have had their answers, so a problem with them is seen.
   */
  async settled(quietMs = 500, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (this.inflight.size > 0 || Date.now() - this.lastChange < quietMs)) await new Promise((r) => setTimeout(r, 50));
  }

  /** The problems seen so far, and forgets them. */
  take() {
    return this.problems.splice(0);
  }
}

/** @type {string | undefined} */
let axeSource;

/**
 * @typedef {{ id: string, impact: string | null, help: string, nodes: string[] }} AxeViolation
 */

/**
 * Runs axe-core on the page as it is now and returns its violations of the given impacts (default serious
 * and critical; all of axe's WCAG 2.x A/AA rules and best practices). The script is evaluated over the
 * DevTools protocol, so the app's Content-Security-Policy needs no exception for it.
 * @param {Page} page
 * @param {readonly string[]} [impacts]
 * @returns {Promise<AxeViolation[]>}
 */
export async function axeViolations(page, impacts = ['serious', 'critical']) {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await page.evaluate('typeof window.axe !== "undefined"');
  if (!loaded) await page.evaluate(axeSource);
  const violations = /** @type {AxeViolation[]} */ (
    await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': ' + n.failureSummary),
    })))`)
  );
  return violations.filter((v) => v.impact !== null && impacts.includes(v.impact));
}

/** @typedef {{ key: number, description: string }} Control */

/**
 * The page's visible, enabled controls (links, buttons, inputs, selects, text areas, summaries, anything with
 * a tabindex or a pointer cursor), each marked with data-kbd-key so the Tab walk can recognise it. An element
 * with a pointer cursor that is not a control, nor inside one or a label, is listed too: something clickable
 * that the keyboard cannot reach fails the walk.
 * @param {Page} page
 * @returns {Promise<Control[]>}
 */
export async function markControls(page) {
  return page.evaluate(() => {
    const sel = 'a[href], button, input, select, textarea, summary, [tabindex], [contenteditable="true"]';
    const found = new Set(document.querySelectorAll(sel));
    // cursor is inherited: only the outermost element of a clickable area counts
    const pointer = (/** @type {Element | null} */ e) => e !== null && getComputedStyle(e).cursor === 'pointer';
    for (const el of document.querySelectorAll('body *')) {
      if (pointer(el) && !pointer(el.parentElement) && !el.closest(sel) && !el.closest('label')) found.add(el);
    }
    /** @type {Array<{ key: number, description: string }>} */
    const out = [];
    let key = 0;
    for (const el of found) {
      const h = /** @type {HTMLElement} */ (el);
      const native = h.matches('a[href], button, input, select, textarea, summary');
      if (h.getAttribute('tabindex') === '-1' && !native) continue;
      if (/** @type {HTMLButtonElement} */ (h).disabled || h.closest('[inert]') || h.closest('[aria-hidden="true"]')) continue;
      if (h instanceof HTMLInputElement && h.type === 'hidden') continue;
      const r = h.getBoundingClientRect();
      const style = getComputedStyle(h);
      if ((r.width === 0 && r.height === 0) || style.visibility === 'hidden' || style.display === 'none') continue;
      // A radio group is one tab stop: only its checked (or first) member has to be reached.
      if (h instanceof HTMLInputElement && h.type === 'radio' && h.name) {
        const group = [...document.querySelectorAll(`input[type=radio][name="${CSS.escape(h.name)}"]`)];
        const stop = group.find((g) => /** @type {HTMLInputElement} */ (g).checked) ?? group[0];
        if (stop !== h) continue;
      }
      h.dataset.kbdKey = String(key);
      const label = h.getAttribute('aria-label') ?? h.textContent?.trim().slice(0, 40) ?? '';
      const what = label || h.getAttribute('name') || h.getAttribute('title') || '';
      out.push({ key, description: `<${h.tagName.toLowerCase()}${h.id ? `#${h.id}` : ''}${h.className && typeof h.className === 'string' ? `.${h.className.split(' ')[0]}` : ''}> ${what}`.trim() });
      key++;
    }
    return out;
  });
}

/**
 * Presses Tab from the top of the document until focus comes back round (or `max` presses) and returns the
 * controls of `markControls` it never reached.
 * @param {Page} page
 * @param {readonly Control[]} controls
 * @returns {Promise<Control[]>}
 */
export async function unreachableByTab(page, controls, max = controls.length * 2 + 20) {
  /** @type {Set<number>} */
  const reached = new Set();
  await page.evaluate(() => {
    /** @type {HTMLElement | null} */ (document.activeElement)?.blur();
    window.scrollTo(0, 0);
  });
  /** @type {string | undefined} */
  let first;
  for (let i = 0; i < max && reached.size < controls.length; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => {
      // Focus inside a control (a composite widget) counts for the nearest marked ancestor.
      let el = document.activeElement;
      while (el && !(/** @type {HTMLElement} */ (el).dataset?.kbdKey)) el = el.parentElement;
      return el ? /** @type {string} */ (/** @type {HTMLElement} */ (el).dataset.kbdKey) : `none:${document.activeElement?.tagName ?? ''}`;
    });
    if (!at.startsWith('none:')) {
      if (at === first) break; // wrapped round
      first ??= at;
      reached.add(Number(at));
    }
  }
  return controls.filter((c) => !reached.has(c.key));
}
