import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Store } from '@verdant/core';
import { TraceProvider, loadTrace, shippedTracePath, type IntensityProvider } from '@verdant/grid';
import { JobQueue } from '@verdant/schedule';
import { buildServer } from '../src/index.js';
import { bearerCredentials } from '../src/auth.js';
import { listen, send } from './http-helpers.js';

const TOKEN = 'a-token-of-32-characters-0123456';

let store: Store;
let dir: string;
let intensity: IntensityProvider;
const open: FastifyInstance[] = [];

beforeAll(async () => {
  intensity = new TraceProvider([await loadTrace(shippedTracePath('ES', 2023))]);
});
// Each test has its own store, so "no job exists" means this test's requests created none.
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verdant-sec-'));
  store = await Store.open({ url: `sqlite:${join(dir, 'v.db')}` });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  await store.close();
});

async function serve(opts: { host?: string; token?: string } = {}): Promise<number> {
  const app = await buildServer({ store, intensity, ...opts });
  open.push(app);
  return listen(app);
}

const jobCount = async (): Promise<number> => (await JobQueue.of(store).list({ limit: 1000 })).length;

/** The job of the issue: it would create a file if it ever ran. */
const job = (marker: string) => ({ argv: ['touch', marker], cwd: dir, zone: 'DE', durationS: 60 });

describe('DNS rebinding and cross-site requests without a token', () => {
  it('refuses a non-loopback Host with 403 and creates no job (the rebinding request of the issue)', async () => {
    const port = await serve();
    const marker = join(dir, 'rebound');
    const r = await send(port, {
      method: 'POST',
      path: '/api/jobs',
      headers: { host: `evil.example:${port}`, origin: `http://evil.example:${port}` },
      body: job(marker),
    });
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ field: 'Host', exit_code: 2 });
    expect(typeof r.json().fix).toBe('string');
    expect(await jobCount()).toBe(0);
    expect(existsSync(marker)).toBe(false);

    // The same body from a loopback name is accepted: the 403 above is the guard, not the body.
    const ok = await send(port, { method: 'POST', path: '/api/jobs', headers: { host: `127.0.0.1:${port}` }, body: job(marker) });
    expect(ok.status, ok.text).toBe(201);
    expect(await jobCount()).toBe(1);
  });

  it('refuses a cross-site Origin on a loopback Host (Origin only) and creates no job', async () => {
    const port = await serve();
    const r = await send(port, { method: 'POST', path: '/api/jobs', headers: { host: `127.0.0.1:${port}`, origin: `http://evil.example:${port}` }, body: job(join(dir, 'x')) });
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ field: 'Origin', exit_code: 2 });
    expect(await jobCount()).toBe(0);
    // `Origin: null` (a sandboxed frame, a file:// page) is no better.
    expect((await send(port, { method: 'POST', path: '/api/jobs', headers: { origin: 'null' }, body: job(join(dir, 'x')) })).status).toBe(403);
    expect(await jobCount()).toBe(0);
  });

  it('applies the Host and Origin checks on every route, reads included', async () => {
    const port = await serve();
    for (const path of ['/api/runs', '/api/jobs', '/healthz', '/metrics', '/locations']) {
      expect((await send(port, { path, headers: { host: `evil.example:${port}` } })).status, path).toBe(403);
      expect((await send(port, { path, headers: { origin: 'https://evil.example' } })).status, path).toBe(403);
    }
    // No Host at all: node itself answers HTTP/1.1 without one with 400; either way nothing is served.
    expect([400, 403]).toContain((await send(port, { path: '/api/runs', noHost: true })).status);
    expect((await send(port, { path: '/api/runs', headers: { host: `127.0.0.1.evil.example:${port}` } })).status).toBe(403);
    expect((await send(port, { path: '/api/runs', headers: { host: 'localhost.evil.example' } })).status).toBe(403);
  });

  it('serves loopback names with any port, and same-machine origins', async () => {
    const port = await serve();
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`, `LOCALHOST:${port}`, '127.0.0.2:9999']) {
      expect((await send(port, { path: '/api/runs', headers: { host } })).status, host).toBe(200);
    }
    expect((await send(port, { path: '/api/runs', headers: { origin: `http://127.0.0.1:${port}` } })).status).toBe(200);
    expect((await send(port, { path: '/api/runs', headers: { host: `localhost:${port}`, origin: 'http://localhost:3000' } })).status).toBe(200);
    const post = await send(port, { method: 'POST', path: '/api/jobs', headers: { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' }, body: job(join(dir, 'y')) });
    expect(post.status, post.text).toBe(201);
  });

  it('refuses Sec-Fetch-Site: cross-site on state-changing routes only', async () => {
    const port = await serve();
    const created = await send(port, { method: 'POST', path: '/api/jobs', body: job(join(dir, 'z')) });
    expect(created.status, created.text).toBe(201);
    const id = created.json().job_id as string;
    const cross = { 'sec-fetch-site': 'cross-site' };
    const post = await send(port, { method: 'POST', path: '/api/jobs', headers: cross, body: job(join(dir, 'z')) });
    expect(post.status).toBe(403);
    expect(post.json()).toMatchObject({ field: 'Sec-Fetch-Site', exit_code: 2 });
    expect(await jobCount()).toBe(1);
    const cancel = await send(port, { method: 'POST', path: `/api/jobs/${id}/cancel`, headers: cross });
    expect(cancel.status).toBe(403);
    expect((await JobQueue.of(store).get(id))!.state).toBe('scheduled');
    expect((await send(port, { method: 'DELETE', path: `/api/jobs/${id}`, headers: cross })).status).toBe(403);
    // A cross-site read gets nothing a browser may show (no CORS headers) and changes nothing: allowed.
    expect((await send(port, { path: '/api/jobs', headers: cross })).status).toBe(200);
  });
});

describe('with a bearer token', () => {
  it('on a public bind, a request without the token gets 401; the scheme is case-insensitive', async () => {
    const port = await serve({ host: '0.0.0.0', token: TOKEN });
    const none = await send(port, { path: '/api/runs' });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json()).toMatchObject({ field: 'Authorization', exit_code: 2 });
    expect((await send(port, { path: '/api/runs', headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` } })).status).toBe(401);
    expect((await send(port, { path: '/api/runs', headers: { authorization: `Bearer ${TOKEN}extra` } })).status).toBe(401);
    expect((await send(port, { path: '/api/runs', headers: { authorization: TOKEN } })).status).toBe(401);
    expect((await send(port, { path: '/api/runs', headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect((await send(port, { path: '/api/runs', headers: { authorization: `${scheme} ${TOKEN}` } })).status, scheme).toBe(200);
    }
    expect((await send(port, { path: '/healthz' })).status).toBe(200);
    expect((await send(port, { method: 'HEAD', path: '/healthz' })).status).toBe(200);
    // An unknown route is a 401 too: no probing for routes without the token.
    expect((await send(port, { path: '/api/nothing' })).status).toBe(401);
    // A POST without the token creates nothing.
    expect((await send(port, { method: 'POST', path: '/api/jobs', body: job(join(dir, 'p')) })).status).toBe(401);
    expect(await jobCount()).toBe(0);
  });

  it('serves any Host (the token protects), but still refuses cross-site writes', async () => {
    const port = await serve({ host: '0.0.0.0', token: TOKEN });
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await send(port, { path: '/api/runs', headers: { ...auth, host: `verdant.example.org:${port}` } })).status).toBe(200);
    expect((await send(port, { path: '/api/runs', headers: { ...auth, origin: 'https://dashboard.example' } })).status).toBe(200);
    const crossOrigin = await send(port, { method: 'POST', path: '/api/jobs', headers: { ...auth, origin: 'https://evil.example' }, body: job(join(dir, 'q')) });
    expect(crossOrigin.status).toBe(403);
    const crossSite = await send(port, { method: 'POST', path: '/api/jobs', headers: { ...auth, 'sec-fetch-site': 'cross-site' }, body: job(join(dir, 'q')) });
    expect(crossSite.status).toBe(403);
    expect(await jobCount()).toBe(0);
    const sameOrigin = await send(port, { method: 'POST', path: '/api/jobs', headers: { ...auth, host: `verdant.example.org:${port}`, origin: `https://verdant.example.org:${port}` }, body: job(join(dir, 'q')) });
    expect(sameOrigin.status, sameOrigin.text).toBe(201);
  });

  it('refuses a missing, blank or short token for a public bind, and a blank one anywhere', async () => {
    await expect(buildServer({ store, host: '0.0.0.0' })).rejects.toMatchObject({ field: 'token', exitCode: 2 });
    await expect(buildServer({ store, host: '0.0.0.0', token: ' ' })).rejects.toMatchObject({ field: 'token', message: expect.stringMatching(/blank/) });
    await expect(buildServer({ store, host: '0.0.0.0', token: '' })).rejects.toMatchObject({ field: 'token' });
    await expect(buildServer({ store, host: '::', token: 'fifteen-chars!!' })).rejects.toMatchObject({ field: 'token', message: expect.stringMatching(/too short/) });
    await expect(buildServer({ store, host: '10.0.0.1', token: 'sixteen chars ok' })).rejects.toMatchObject({ field: 'token', message: expect.stringMatching(/whitespace/) });
    await expect(buildServer({ store, host: '127.0.0.1', token: '   ' })).rejects.toMatchObject({ field: 'token' });
    const sixteen = await buildServer({ store, host: '0.0.0.0', token: 'sixteen-chars-ok' });
    await sixteen.close();
    // On loopback a token is optional, and a short one is the user's choice.
    const short = await buildServer({ store, host: '::1', token: 'dev' });
    await short.close();
  });

  it('parses the Authorization header as RFC 7235 says', () => {
    expect(bearerCredentials('Bearer abc')).toBe('abc');
    expect(bearerCredentials('bearer   abc')).toBe('abc');
    expect(bearerCredentials('Bearerabc')).toBeUndefined();
    expect(bearerCredentials('Bearer a b')).toBeUndefined();
    expect(bearerCredentials(undefined)).toBeUndefined();
  });
});
