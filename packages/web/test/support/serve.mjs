/**
 * The real `verdant serve` (the built CLI, packages/cli/bin/verdant.js) on a free loopback port over a
 * temporary store: SQLite in a fresh VERDANT_HOME, or a database of its own on a PostgreSQL server (the shared
 * test database is never filled with seeded runs). Offline: no live intensity provider is asked.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const VERDANT_BIN = join(ROOT, 'packages', 'cli', 'bin', 'verdant.js');

/** The CLI runs its dist/, and `verdant serve` serves the app's build: both must exist. */
export function assertBuilt() {
  if (!existsSync(join(ROOT, 'packages', 'cli', 'dist', 'main.js'))) throw new Error('packages/cli/dist is missing: run `npm run build` first (npm test does)');
  if (!existsSync(join(ROOT, 'packages', 'web', 'dist', 'index.html'))) throw new Error('packages/web/dist is missing: run `npm run build` first (npm test does)');
}

/**
 * @typedef {object} Sandbox
 * @property {string} home  VERDANT_HOME of the sandbox
 * @property {string} databaseUrl  the store (`sqlite:<home>/verdant.db` or a fresh PostgreSQL database)
 * @property {NodeJS.ProcessEnv} env  environment for CLI processes over this store (serve, run, submit)
 * @property {() => Promise<void>} dispose  drops the PostgreSQL database, if one was made
 */

/**
 * A fresh store and VERDANT_HOME.
 * @param {{ postgres?: string, sensors?: Array<{ id: string, kind: string, powerW: number, reading?: 'energy' | 'power' }>, zone?: string }} [options]
 *   postgres: a PostgreSQL server URL (e.g. VERDANT_TEST_DATABASE_URL) to make a database on;
 *   sensors: fixture sensors of known power for `verdant run` (VERDANT_FAKE_SENSORS); zone: the default zone (VERDANT_REGION, default DE)
 * @returns {Promise<Sandbox>}
 */
export async function sandbox(options = {}) {
  const home = mkdtempSync(join(tmpdir(), 'verdant-web-'));
  let databaseUrl = `sqlite:${join(home, 'verdant.db')}`;
  let dispose = async () => undefined;
  if (options.postgres) {
    const { scratchPostgres } = await import('@verdant/core/testing');
    const db = await scratchPostgres(options.postgres);
    databaseUrl = db.url;
    dispose = db.drop;
  }
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...process.env,
    VERDANT_HOME: home,
    VERDANT_DATABASE_URL: databaseUrl,
    VERDANT_OFFLINE: '1',
    VERDANT_NVML: '0',
    VERDANT_REGION: options.zone ?? 'DE',
    VERDANT_API_TOKEN: '',
  };
  if (options.sensors) {
    const file = join(home, 'sensors.json');
    writeFileSync(file, JSON.stringify({ sensors: options.sensors }));
    env.VERDANT_FAKE_SENSORS = file;
  }
  return { home, databaseUrl, env, dispose };
}

/**
 * @typedef {object} Served
 * @property {string} origin  http://127.0.0.1:<port>
 * @property {number} port
 * @property {string | undefined} token
 * @property {() => string} log  what the server wrote to stderr so far
 * @property {() => Promise<void>} stop
 */

/**
 * Starts `verdant serve --port 0` over the sandbox's store and waits until /healthz answers.
 * @param {Sandbox} box
 * @param {{ token?: string, scheduler?: boolean }} [options]  scheduler: run the job scheduler (default off: queued jobs stay queued)
 * @returns {Promise<Served>}
 */
export async function startServe(box, options = {}) {
  const args = [VERDANT_BIN, 'serve', '--host', '127.0.0.1', '--port', '0'];
  if (!options.scheduler) args.push('--no-scheduler');
  if (options.token) args.push('--token', options.token);
  const child = spawn(process.execPath, args, { env: box.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  /** @type {number | null | undefined} */
  let exitCode;
  const exited = new Promise((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const deadline = Date.now() + 120_000;
  /** @type {number | undefined} */
  let port;
  for (;;) {
    port = Number(/on http:\/\/127\.0\.0\.1:(\d+)/.exec(err)?.[1]) || undefined;
    if (port !== undefined) break;
    if (exitCode !== undefined) throw new Error(`verdant serve exited (${exitCode}) before listening:\n${err}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`verdant serve did not start within 120 s:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const origin = `http://127.0.0.1:${port}`;
  /** @type {Served} */
  const served = {
    origin,
    port,
    token: options.token,
    log: () => err,
    stop: async () => {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const res = await fetch(`${origin}/healthz`);
  if (!res.ok) {
    await served.stop();
    throw new Error(`verdant serve: /healthz answered ${res.status}`);
  }
  return served;
}

/**
 * GET an /api path of the server as JSON (with its token, if any).
 * @param {Served} served
 * @param {string} path
 */
export async function apiGet(served, path) {
  const res = await fetch(`${served.origin}${path}`, { headers: served.token ? { authorization: `Bearer ${served.token}` } : {} });
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${body}`);
  return JSON.parse(body);
}

/**
 * Polls `probe` until it returns something other than undefined (every `intervalMs`), or fails after `timeoutMs`
 * with `what` and the last value seen.
 * @template T
 * @param {string} what
 * @param {() => Promise<T | undefined> | T | undefined} probe
 * @returns {Promise<T>}
 */
export async function waitFor(what, probe, timeoutMs = 60_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
