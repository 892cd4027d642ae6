import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Installs the CLI the way a user outside the repository would: from the tarballs of `npm pack --workspaces`
// into an empty global prefix (no workspace links), then runs it. It needs the npm registry (or npm's cache)
// for the third-party dependencies and compiles better-sqlite3 where no prebuilt binary is to be had, so it
// runs in CI (CI=true) and where VERDANT_TEST_PACKED=1 asks for it.
const enabled = process.env.CI === 'true' || process.env.VERDANT_TEST_PACKED === '1';
const root = fileURLToPath(new URL('../../..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function tarList(file: string): string[] {
  return execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).trim().split('\n');
}

describe.skipIf(!enabled)('the packed packages, installed outside the workspace', () => {
  it('carry only built files, types, README and licence, and give a working verdant', async () => {
    const work = mkdtempSync(join(tmpdir(), 'verdant-packed-'));
    const tgz = join(work, 'tgz');
    const prefix = join(work, 'prefix');
    mkdirSync(tgz);
    mkdirSync(prefix);
    execFileSync('npm', ['pack', '--workspaces', '--pack-destination', tgz], { cwd: root, stdio: 'ignore' });
    const tarballs = readdirSync(tgz).filter((f) => f.endsWith('.tgz'));
    expect(tarballs.sort()).toEqual(
      ['accel', 'agents', 'cli', 'core', 'energy', 'grid', 'moe', 'schedule', 'server', 'web'].map((p) => `verdant-${p}-0.1.0.tgz`),
    );
    for (const t of tarballs) {
      const files = tarList(join(tgz, t));
      expect(files, t).toContain('package/package.json');
      expect(files, t).toContain('package/README.md');
      expect(files, t).toContain('package/LICENSE');
      expect(files.some((f) => f.startsWith('package/dist/') && f.endsWith('.js')), t).toBe(true);
      // @verdant/web is the dashboard's built static files (a page, hashed scripts and styles), no library.
      const web = t === 'verdant-web-0.1.0.tgz';
      if (web) expect(files, t).toContain('package/dist/index.html');
      else expect(files.some((f) => f.endsWith('.d.ts')), t).toBe(true);
      const stray = files.filter(
        (f) =>
          !/^package\/(package\.json|README\.md|LICENSE)$/.test(f) &&
          !/^package\/dist\/.+\.(js|d\.ts)$/.test(f) &&
          !(web && /^package\/dist\/(index\.html|assets\/[\w.-]+\.(js|css|wasm))$/.test(f)) &&
          !/^package\/bin\/verdant\.js$/.test(f) &&
          !/^package\/data\/grid\//.test(f) &&
          !(t === 'verdant-accel-0.1.0.tgz' && /^package\/(data\/[\w.-]+\.csv|python\/verdant_accel_bench\.py)$/.test(f)),
      );
      expect(stray, t).toEqual([]);
    }
    expect(tarList(join(tgz, 'verdant-grid-0.1.0.tgz'))).toContain('package/data/grid/electricitymaps/ATTRIBUTION.md');
    // The PyTorch benchmark `verdant accel bench --device …` runs travels with @verdant/accel.
    expect(tarList(join(tgz, 'verdant-accel-0.1.0.tgz'))).toContain('package/python/verdant_accel_bench.py');

    execFileSync('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', ...tarballs.map((t) => join(tgz, t))], {
      cwd: work,
      stdio: 'ignore',
      env: { ...process.env, npm_config_workspaces: 'false' },
    });
    const verdant = join(prefix, 'bin', 'verdant');
    const home = join(work, 'home');
    const env = { ...process.env, VERDANT_HOME: home, VERDANT_DATABASE_URL: '', VERDANT_NVML: '0', VERDANT_OFFLINE: '1' };
    // Run from outside the repository so nothing resolves through the workspace.
    const run = JSON.parse(execFileSync(verdant, ['run', '--json', '--region', 'DE', '--', 'true'], { cwd: work, env, encoding: 'utf8' }));
    expect(run).toMatchObject({ status: 'succeeded', exit_code: 0, zone: 'DE' });
    const listed = JSON.parse(execFileSync(verdant, ['runs', 'list', '--json'], { cwd: work, env, encoding: 'utf8' }));
    expect(listed.runs[0].run_id).toBe(run.run_id);
    // A shipped trace resolves from the grid package's own copy of data/grid.
    const trace = execFileSync(verdant, ['forecast', 'ES', '--trace', 'ES:2023', '--at', '2023-06-01T00:00Z', '--json'], { cwd: work, env, encoding: 'utf8' });
    expect(JSON.parse(trace)).toBeTruthy();
    // The MoE lab: the wasm engine and the bundled corpus resolve from the installed packages.
    const moe = JSON.parse(execFileSync(verdant, ['moe', 'train', '--corpus', 'moby-dick', '--steps', '2', '--batch', '2', '--region', 'DE', '--json'], { cwd: work, env, encoding: 'utf8' }));
    expect(moe).toMatchObject({ status: 'succeeded', steps: 2 });

    const port = await freePort();
    const serve = spawn(verdant, ['serve', '--port', String(port), '--no-scheduler'], { cwd: work, env, stdio: 'ignore' });
    try {
      let health: { status?: string } | undefined;
      for (let i = 0; i < 300 && !health; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          if (res.ok) health = (await res.json()) as { status?: string };
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      expect(health).toBeTruthy();
      const runs = (await (await fetch(`http://127.0.0.1:${port}/api/runs`)).json()) as { runs: Array<{ run_id: string }> };
      expect(runs.runs.map((r) => r.run_id)).toContain(run.run_id);
      // The dashboard, from @verdant/web's own dist: the page and the script it names.
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<div id="app">');
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeTruthy();
      expect((await fetch(`http://127.0.0.1:${port}${script}`)).status).toBe(200);
    } finally {
      serve.kill('SIGTERM');
    }
  }, 900_000);
});
