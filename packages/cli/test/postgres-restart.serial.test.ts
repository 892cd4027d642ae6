/**
 * PostgreSQL restarted under a running `verdant run` and under `verdant serve`'s scheduler. These tests stop
 * the shared test cluster for a few seconds, so they live in a `*.serial.test.ts` file: vitest runs such files
 * alone, after every other file (vitest.config.ts), and each test waits until PostgreSQL answers again.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Store, type SampleRow } from '@verdant/core';
import { serviceUrl } from '@verdant/core/testing';
import { JobQueue } from '@verdant/schedule';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, sandbox, startCli } from './helpers.js';

const pg = serviceUrl('postgres');
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The Debian cluster (version, name) serving the test database's port. */
function clusterOf(url: string): { version: string; name: string; host: string; port: string } {
  const u = new URL(url);
  const port = u.port || '5432';
  const host = u.hostname || '127.0.0.1';
  let listing: string;
  try {
    listing = execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8' });
  } catch (e) {
    throw new Error(`these tests restart PostgreSQL with pg_ctlcluster (a Debian cluster, as .ci/services.sh sets up): ${(e as Error).message}`);
  }
  const row = listing
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((cols) => cols[2] === port);
  if (!row) throw new Error(`no PostgreSQL cluster listens on port ${port} (pg_lsclusters)`);
  return { version: row[0]!, name: row[1]!, host, port };
}

const ready = async (c: { host: string; port: string }) =>
  run('pg_isready', ['-q', '-h', c.host, '-p', c.port]).then(
    () => true,
    () => false,
  );

/**
 * Stops the cluster for `downS` seconds and starts it again. The stop-sleep-start runs as its own detached
 * process, so PostgreSQL comes back even if this test process dies meanwhile. Resolves once it answers again,
 * with when it went down and came back (epoch seconds).
 */
async function restartPostgres(downS: number, whileDown?: () => void): Promise<{ downAt: number; upAt: number }> {
  const c = clusterOf(pg!);
  const script = 'pg_ctlcluster "$1" "$2" stop -m fast; sleep "$3"; pg_ctlcluster "$1" "$2" start';
  spawn('sh', ['-c', script, 'pg-restart', c.version, c.name, String(downS)], { detached: true, stdio: 'ignore' }).unref();
  await waitFor('PostgreSQL to stop', async () => !(await ready(c)), 30_000, 50);
  const downAt = Date.now() / 1000;
  whileDown?.();
  await waitFor('PostgreSQL to come back', () => ready(c), 120_000);
  return { downAt, upAt: Date.now() / 1000 };
}

/** Each sensor's samples tile its span once: every interval starts where the one before ended. */
function expectTiled(samples: SampleRow[]): void {
  const keys = new Set(samples.map((s) => `${s.sensor_id}@${s.t}`));
  expect(keys.size).toBe(samples.length); // none written twice
  for (const id of new Set(samples.map((s) => s.sensor_id))) {
    const mine = samples.filter((s) => s.sensor_id === id).sort((a, b) => a.t - b.t);
    for (let i = 1; i < mine.length; i++) expect(mine[i]!.t - mine[i]!.dt).toBeCloseTo(mine[i - 1]!.t, 6); // none lost
  }
}

describe.skipIf(!pg)('PostgreSQL restarted mid-run', () => {
  beforeAll(assertBuilt);
  afterAll(async () => {
    // Whatever happened, leave PostgreSQL answering for the tests that follow.
    if (pg) await waitFor('PostgreSQL to answer', () => ready(clusterOf(pg)), 120_000);
  });

  it('verdant run keeps measuring, holds its samples, and writes each once when the store is back', async () => {
    const { home, env } = sandbox([{ id: 'gpu:0', kind: 'gpu', powerW: 100 }]);
    const e = { ...env, VERDANT_DATABASE_URL: pg!, VERDANT_OFFLINE: '1' };
    const name = `pg-restart-${process.pid}-${Date.now()}`;
    // The command runs until the test lets it end, which it does while PostgreSQL is down: however often the
    // tracker writes, its writes during the outage (the last one at least) find the store gone.
    const go = join(home, 'go');
    const child = startCli(['run', '--json', '--name', name, '--interval', '200ms', '--region', 'FR', '--', 'sh', '-c', 'sleep 1; until [ -e "$1" ]; do sleep 0.1; done', 'cmd', go], e);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', r));

    const before = await Store.open({ url: pg! });
    let runId: string;
    try {
      runId = await waitFor('the run to write samples', async () => {
        const row = await before.db.selectFrom('runs').select('id').where('name', '=', name).executeTakeFirst();
        return row && (await before.samples(row.id)).length > 0 ? row.id : undefined;
      });
    } finally {
      await before.close();
    }
    const outage = await restartPostgres(3, () => writeFileSync(go, ''));

    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/cannot write to the store \(postgres:\/\/[^)]*\): .*holding \d+ samples/);
    expect(stderr).toMatch(/the store is back after \d+ s: wrote the \d+ held samples/);
    expect(stderr).not.toMatch(/password|\bat .*\.js:\d+/); // no secret, no stack trace
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ run_id: runId, status: 'succeeded', exit_code: 0 });

    const store = await Store.open({ url: pg! });
    try {
      const samples = await store.samples(runId);
      expectTiled(samples);
      // Measured through the outage: intervals ending while PostgreSQL was down are there.
      expect(samples.some((s) => s.t > outage.downAt && s.t < outage.upAt)).toBe(true);
      const energy = samples.reduce((a, s) => a + s.energy_j, 0);
      expect(energy).toBeCloseTo(summary.energy_j, 6); // PUE 1: the totals are the samples written
      expect(Math.abs(energy - 100 * summary.duration_s)).toBeLessThan(0.05 * 100 * summary.duration_s);
      expect((await store.getRun(runId))?.status).toBe('succeeded');
    } finally {
      await store.close();
    }
  }, 240_000);

  it('verdant serve neither loses nor repeats a job across the restart', async () => {
    const { home, env } = sandbox([{ id: 'gpu:0', kind: 'gpu', powerW: 10 }]);
    const e = { ...env, VERDANT_DATABASE_URL: pg!, VERDANT_OFFLINE: '1', VERDANT_REGION: 'FR' };
    const marker = join(home, 'marker');
    const go = join(home, 'go');
    const submit = async (name: string, script: string, startInS: number) => {
      const r = await runCli(
        ['submit', '--json', '--name', name, '--output', join(home, `${name}.out`), '--duration', '1m', '--earliest', String(Math.round(Date.now() / 1000 + startInS)), '--deadline', '2h', '--', 'sh', '-c', script],
        e,
      );
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).job_id as string;
    };
    // A runs until the test lets it end (during the outage); B falls due during the outage; C after it.
    const a = await submit(`A-${home.slice(-6)}`, `echo A >> ${marker}; while [ ! -e ${go} ]; do sleep 0.1; done; echo A-done >> ${marker}`, 0);
    const serve = startCli(['serve', '--port', '0'], e);
    let log = '';
    serve.stderr!.on('data', (d) => (log += d));
    const serveExited = new Promise((r) => serve.on('exit', r));
    try {
      await waitFor('A to start', async () => lines(marker).includes('A'));
      const b = await submit(`B-${home.slice(-6)}`, `echo B >> ${marker}`, 3);
      // Longer than serve's 5 s pass, so at least one pass meets the outage.
      const restarting = restartPostgres(7);
      await waitFor('PostgreSQL to stop', async () => !(await ready(clusterOf(pg!))), 30_000, 50);
      writeFileSync(go, ''); // A ends while the store is down
      await restarting;
      const c = await submit(`C-${home.slice(-6)}`, `echo C >> ${marker}`, 0);

      const store = await Store.open({ url: pg! });
      try {
        const queue = JobQueue.of(store);
        const jobs = await waitFor(
          'every job to end',
          async () => {
            const js = await Promise.all([a, b, c].map((id) => queue.get(id)));
            return js.every((j) => j && ['succeeded', 'failed', 'cancelled'].includes(j.state)) ? js : undefined;
          },
          120_000,
          500,
        );
        expect(log).toMatch(/pass failed/); // the scheduler did meet the outage
        expect(jobs.map((j) => j!.state), log).toEqual(['succeeded', 'succeeded', 'succeeded']);
        expect(jobs.map((j) => j!.attempts)).toEqual([1, 1, 1]);
        expect(lines(marker).sort()).toEqual(['A', 'A-done', 'B', 'C']);
        for (const j of jobs) {
          expect((await queue.events(j!.id)).filter((ev) => ev.state === 'running')).toHaveLength(1); // claimed once
          expect((await store.getRun(j!.runId!))?.status).toBe('succeeded'); // its measured run was written
          expectTiled(await store.samples(j!.runId!));
        }
      } finally {
        await store.close();
      }
    } catch (err) {
      throw new Error(`${(err as Error).message}\nserve's log:\n${log}`, { cause: err });
    } finally {
      writeFileSync(go, '');
      serve.kill('SIGTERM');
      const killer = setTimeout(() => serve.kill('SIGKILL'), 15_000);
      await serveExited;
      clearTimeout(killer);
    }
  }, 300_000);
});
