import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ExitCode, Store, VerdantError } from '@verdant/core';
import { TraceProvider, loadTrace, shippedTracePath, type IntensityProvider } from '@verdant/grid';
import { JobQueue } from '@verdant/schedule';
import { buildServer } from '../src/index.js';
import { listen, send, type RawResponse } from './http-helpers.js';

let dir: string;
let store: Store;
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verdant-errors-'));
  store = await Store.open({ url: `sqlite:${join(dir, 'v.db')}` });
  app = await buildServer({ store, intensity: new TraceProvider([await loadTrace(shippedTracePath('ES', 2023))]) });
  port = await listen(app);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

/** Every Verdant error body has exactly these four keys (docs/api.md). */
function expectErrorBody(r: RawResponse, status: number, field: string | null, exitCode = 2): Record<string, unknown> {
  expect(r.status, r.text).toBe(status);
  const body = r.json();
  expect(Object.keys(body).sort()).toEqual(['error', 'exit_code', 'field', 'fix']);
  expect(body).toMatchObject({ field, exit_code: exitCode });
  expect(typeof body.error).toBe('string');
  expect(body.error).not.toMatch(/\n\s+at /); // never a stack trace
  return body;
}

const post = (path: string, body: string | object, headers: Record<string, string> = {}) => send(port, { method: 'POST', path, body, headers });
const jobCount = async (): Promise<number> => (await JobQueue.of(store).list({ limit: 1000 })).length;

describe('one error body everywhere', () => {
  it('bad JSON, an empty object where one is needed and a __proto__ key are 400s naming the body', async () => {
    expect(expectErrorBody(await post('/api/jobs', '{"argv": ['), 400, 'body').error).toMatch(/not valid JSON/);
    expect(expectErrorBody(await post('/api/plan', '{bad'), 400, 'body').error).toMatch(/not valid JSON/);
    const proto = expectErrorBody(await post('/api/jobs', '{"argv":["true"],"__proto__":{"polluted":1}}'), 400, 'body');
    expect(proto.error).toMatch(/__proto__/);
    expect(expectErrorBody(await post('/api/plan', '{"regions":["ES"],"\\u005f_proto__":{"x":1}}'), 400, 'body').error).toMatch(/__proto__/);
    expect(expectErrorBody(await post('/api/jobs', '{"constructor":{"prototype":{"x":1}}}'), 400, 'body').error).toMatch(/constructor\.prototype/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expectErrorBody(await post('/api/jobs', '[1, 2]'), 400, 'body');
    expectErrorBody(await post('/api/jobs', 'null'), 400, 'body');
    expectErrorBody(await post('/api/jobs', 'argv=true', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'content-type');
    expect(await jobCount()).toBe(0);
  });

  it('query-string schema errors name the parameter', async () => {
    expect(expectErrorBody(await send(port, { path: '/api/runs?limit=0' }), 400, 'limit').fix).toMatch(/docs\/api\.md/);
    expectErrorBody(await send(port, { path: '/api/runs?limit=many' }), 400, 'limit');
    expectErrorBody(await send(port, { path: '/api/runs?status=done' }), 400, 'status');
    expectErrorBody(await send(port, { path: '/api/jobs?state=done' }), 400, 'state');
    expect(expectErrorBody(await send(port, { path: '/api/runs?lmit=5' }), 400, 'lmit').error).toMatch(/unknown query parameter/);
  });

  it('zod errors of /api/plan carry the exit code too', async () => {
    expectErrorBody(await post('/api/plan', { regions: ['ES'], duration_s: -1 }), 400, 'duration_s');
    expectErrorBody(await post('/api/plan', { regions: ['ES'], duration_s: 60, colour: 'green' }), 400, 'colour');
  });

  it('not found is 404 with the same body', async () => {
    expectErrorBody(await send(port, { path: '/api/runs/r_missing' }), 404, 'id');
    expectErrorBody(await send(port, { path: '/api/runs/r_missing/samples' }), 404, 'id');
    expectErrorBody(await send(port, { path: '/api/jobs/j_missing' }), 404, 'id');
    expectErrorBody(await send(port, { method: 'POST', path: '/api/jobs/j_missing/cancel' }), 404, 'id');
    expectErrorBody(await send(port, { path: '/api/nothing-here' }), 404, 'url');
  });
});

describe('HTTP status follows the kind of error, never 400 for a server fault', () => {
  const failing = (err: () => Error): IntensityProvider => ({
    name: 'down',
    zones: async () => [],
    current: async () => Promise.reject(err()),
    history: async () => Promise.reject(err()),
    forecast: async () => Promise.reject(err()),
  });

  it('every intensity source down: 503 with exit code 6', async () => {
    const down = await buildServer({ store, intensity: failing(() => new VerdantError('every provider failed', { exitCode: ExitCode.provider, fix: 'retry later' })) });
    const r = await down.inject({ method: 'POST', url: '/api/plan', payload: { regions: ['ES'], duration_s: 3600, earliest: '2023-03-01T00:00:00Z', deadline: '2023-03-01T12:00:00Z' } });
    await down.close();
    expect(r.statusCode, r.body).toBe(503);
    expect(r.json()).toMatchObject({ error: 'every provider failed', exit_code: ExitCode.provider });
  });

  it('a store that fails under a request: 500, not 400, in the same body', async () => {
    const broken = await Store.open({ url: `sqlite:${join(dir, 'broken.db')}` });
    const server = await buildServer({ store: broken, intensity: failing(() => new Error('unused')) });
    await broken.close();
    const r = await server.inject('/api/runs');
    await server.close();
    expect(r.statusCode, r.body).toBe(500);
    expect(Object.keys(r.json()).sort()).toEqual(['error', 'exit_code', 'field', 'fix']);
    expect(r.json()).toMatchObject({ field: null, exit_code: 1 });
    expect(r.body).not.toMatch(/\n\s+at /);
  });
});

describe('POST /api/jobs refuses specs that could only fail later', () => {
  const ok = () => ({ argv: ['true'], cwd: dir, zone: 'DE', durationS: 60 });

  it('names zone, cwd and argv, coerces nothing, and writes nothing', async () => {
    const cases: Array<[object, string, number?]> = [
      [{ ...ok(), zone: 'NOPE' }, 'body.zone'],
      [{ ...ok(), cwd: '/nonexistent' }, 'body.cwd'],
      [{ ...ok(), cwd: join(dir, 'v.db') }, 'body.cwd'],
      [{ ...ok(), cwd: 'relative/dir' }, 'body.cwd'],
      [{ ...ok(), argv: 'python train.py' }, 'body.argv'],
      [{ ...ok(), argv: [] }, 'body.argv'],
      [{ ...ok(), argv: [''] }, 'body.argv.0'],
      [{ ...ok(), argv: ['true', 5] }, 'body.argv.1'],
      [{ ...ok(), argv: ['/nonexistent/cmd'] }, 'body.argv', ExitCode.notFound],
      [{ ...ok(), argv: ['verdant-no-such-command'] }, 'body.argv', ExitCode.notFound],
      [{ ...ok(), argv: [dir] }, 'body.argv', ExitCode.notExecutable],
      [{ ...ok(), durationS: '60' }, 'body.durationS'],
      [{ ...ok(), interruptible: 'yes' }, 'body.interruptible'],
      [{ ...ok(), env: { PATH: 7 } }, 'body.env.PATH'],
      [{ ...ok(), colour: 'green' }, 'body.colour'],
      [{ ...ok(), outputPath: join(dir, 'no-such-dir', 'out.log') }, 'body.outputPath'],
      [{ argv: ['true'], cwd: dir, durationS: 60 }, 'body.zone'],
    ];
    for (const [body, field, exitCode] of cases) {
      const r = await post('/api/jobs', body);
      expectErrorBody(r, 400, field, exitCode ?? 2);
    }
    expect(await jobCount()).toBe(0);
  });

  it('reports a command that is present but not executable as 126', async () => {
    const script = join(dir, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\n');
    chmodSync(script, 0o644);
    expectErrorBody(await post('/api/jobs', { ...ok(), argv: [script] }), 400, 'body.argv', ExitCode.notExecutable);
    // Relative commands resolve against the job's cwd, and the job's own PATH is honoured.
    mkdirSync(join(dir, 'bin'), { recursive: true });
    const tool = join(dir, 'bin', 'my-tool');
    writeFileSync(tool, '#!/bin/sh\n');
    chmodSync(tool, 0o755);
    expect((await post('/api/jobs', { ...ok(), argv: ['./bin/my-tool'] })).status).toBe(201);
    expect((await post('/api/jobs', { ...ok(), argv: ['my-tool'], env: { PATH: join(dir, 'bin') } })).status).toBe(201);
    expect(await jobCount()).toBe(2);
  });

  it('accepts a good spec, resolving a cloud region to its zone', async () => {
    const r = await post('/api/jobs', { ...ok(), argv: ['/bin/true', '--flag'], zone: 'aws:eu-west-1' });
    expect(r.status, r.text).toBe(201);
    expect(r.json()).toMatchObject({ name: 'true', state: 'scheduled' });
    expect((r.json().spec as { zone: string }).zone).toBe('IE');
  });
});
