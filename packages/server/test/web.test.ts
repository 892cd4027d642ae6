import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Store } from '@verdant/core';
import { renderRunReport, summarizeRun } from '@verdant/energy';
import { buildServer } from '../src/index.js';
import { isDataPath, webAppRoot } from '../src/routes/web.js';
import { listen, send } from './http-helpers.js';
import { trackedRun } from './tracked-run.js';

// The dashboard's static files (@verdant/web's dist) at /: a stand-in dist here, so the test does not depend on
// `npm run build` having run; the real one is the default root (checked below).
const TOKEN = 'a-token-of-32-characters-0123456';
const INDEX = '<!doctype html><html><head><title>Verdant</title><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="app"></div></body></html>';
const SCRIPT = 'console.log("verdant");';

let store: Store;
let dir: string;
let root: string;
const open: FastifyInstance[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verdant-web-'));
  root = join(dir, 'dist');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), INDEX);
  writeFileSync(join(root, 'assets', 'index-abc123.js'), SCRIPT);
  writeFileSync(join(root, 'assets', 'engine-abc123.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(dir, 'secret.txt'), 'outside the root');
  store = await Store.open({ url: `sqlite:${join(dir, 'v.db')}` });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  await store.close();
});

async function serve(opts: { host?: string; token?: string; webRoot?: string } = {}): Promise<number> {
  const app = await buildServer({ store, webRoot: root, ...opts });
  open.push(app);
  return listen(app);
}

describe('the web dashboard at /', () => {
  it('serves the page (no-cache, same-origin only) and the hashed assets (cached for a year)', async () => {
    const port = await serve();
    expect((await send(port, { path: '/healthz' })).json()).toMatchObject({ status: 'ok', auth: 'none' });
    const page = await send(port, { path: '/' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toBe(INDEX);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/connect-src 'self'/);

    const js = await send(port, { path: '/assets/index-abc123.js' });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.text).toBe(SCRIPT);
    expect(js.headers['cache-control']).toMatch(/max-age=31536000/);
    expect(js.headers['cache-control']).toMatch(/immutable/);
    // The assets carry the page's policy (a Web Worker runs under its script's own: same origin only) and, for the
    // browser MoE lab's worker alone, WebAssembly compilation; the page itself may compile none; JavaScript eval never.
    const scriptSrc = (h: unknown) => /script-src ([^;]*)/.exec(String(h))?.[1]?.split(' ');
    expect(scriptSrc(page.headers['content-security-policy'])).toEqual(["'self'"]);
    expect(scriptSrc(js.headers['content-security-policy'])).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(String(js.headers['content-security-policy']).replace(" 'wasm-unsafe-eval'", '')).toBe(page.headers['content-security-policy']);
    const wasm = await send(port, { path: '/assets/engine-abc123.wasm' });
    expect(wasm.status).toBe(200);
    expect(wasm.headers['content-type']).toBe('application/wasm');
  });

  it('answers app paths with the page, but unknown API paths and missing assets with the JSON 404', async () => {
    const port = await serve();
    const deep = await send(port, { path: '/runs/abc' });
    expect(deep.status).toBe(200);
    expect(deep.text).toBe(INDEX);
    for (const path of ['/api/unknown', '/api', '/metrics/x', '/emissions/nothing', '/assets/missing.js']) {
      const r = await send(port, { path });
      expect(r.status, path).toBe(404);
      expect(r.headers['content-type'], path).toMatch(/application\/json/);
      expect(r.json(), path).toMatchObject({ field: 'url' });
    }
    // Nothing outside the root, however the path is spelled.
    for (const path of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/..%2fsecret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt']) {
      const r = await send(port, { path });
      expect(r.text, path).not.toContain('outside the root');
    }
    // The API is unchanged.
    expect((await send(port, { path: '/api/runs' })).status).toBe(200);
  });

  it('still refuses a non-loopback Host and a cross-site Origin without a token', async () => {
    const port = await serve();
    for (const path of ['/', '/assets/index-abc123.js', '/runs/abc']) {
      const r = await send(port, { path, headers: { host: `evil.example:${port}` } });
      expect(r.status, path).toBe(403);
      expect(r.json()).toMatchObject({ field: 'Host' });
      expect(r.text).not.toContain('<html');
      expect((await send(port, { path, headers: { origin: 'https://evil.example' } })).status, path).toBe(403);
    }
  });

  it('with a token: the page and assets need none (they carry no data), every data path does', async () => {
    const port = await serve({ host: '0.0.0.0', token: TOKEN });
    // /healthz (open) tells the page a token is wanted, so it asks before its first API call.
    expect((await send(port, { path: '/healthz' })).json()).toMatchObject({ status: 'ok', auth: 'bearer' });
    expect((await send(port, { path: '/' })).status).toBe(200);
    expect((await send(port, { path: '/assets/index-abc123.js' })).status).toBe(200);
    expect((await send(port, { path: '/runs/abc' })).status).toBe(200);
    for (const path of ['/api/runs', '/api/unknown', '/api', '/metrics', '/locations', '/emissions/bylocation?location=DE', '/api/runs/x/report.html']) {
      expect((await send(port, { path })).status, path).toBe(401);
    }
    expect((await send(port, { path: '/api/runs', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('says how to build the dashboard when it is not built', async () => {
    const port = await serve({ webRoot: join(dir, 'nowhere') });
    const r = await send(port, { path: '/' });
    expect(r.status).toBe(503);
    expect(r.json()).toMatchObject({ error: expect.stringMatching(/not built/), fix: expect.stringMatching(/npm run build/) });
    expect((await send(port, { path: '/api/runs' })).status).toBe(200);
  });

  it('finds @verdant/web by default, and tells data paths apart', () => {
    expect(webAppRoot()).toMatch(/web[\\/]dist$/);
    for (const p of ['/api', '/api/runs', '/api?x=1', '/metrics', '/locations', '/emissions/forecasts/current']) expect(isDataPath(p), p).toBe(true);
    for (const p of ['/', '/runs', '/assets/x.js', '/apix', '/metricsx', '/healthz']) expect(isDataPath(p), p).toBe(false);
  });
});

describe('GET /api/runs/:id/report.html', () => {
  it('is the run report of `verdant report --html`, by id or prefix; a JSON 404 for an unknown run', async () => {
    const runId = await trackedRun(store, 3);
    const port = await serve();
    const r = await send(port, { path: `/api/runs/${runId.slice(0, 10)}/report.html` });
    expect(r.status, r.text).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.text).toBe(await renderRunReport((await summarizeRun(store, runId))!, await store.samples(runId)));
    const missing = await send(port, { path: '/api/runs/nope/report.html' });
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ field: 'id' });
  });
});
