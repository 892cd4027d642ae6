import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, assertBuilt } from './helpers.js';

beforeAll(assertBuilt);

// Start-up counts against every short command: a command module imports only commander, types and the CLI's
// start-up helpers, and each action loads the libraries it needs (docs/decisions.md, "CLI start-up").

const dir = mkdtempSync(join(tmpdir(), 'verdant-startup-'));
writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.LOAD_LOG, url + '\\n');
  return next(url, context);
}
`);
writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
// CommonJS modules required from CommonJS (or through createRequire) bypass the hooks: list them at exit.
writeFileSync(join(dir, 'cjs.cjs'), `const { appendFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
process.on('exit', () => appendFileSync(process.env.LOAD_LOG, Object.keys(require.cache).map((f) => pathToFileURL(f).href + '\\n').join('')));
`);
const PRELOAD = ['--require', join(dir, 'cjs.cjs'), '--import', pathToFileURL(join(dir, 'register.mjs')).href];

/** The files (paths) the CLI loads through the module loader for `args`. */
function loaded(args: string[], env: NodeJS.ProcessEnv = {}): string[] {
  const log = join(dir, `load-${args.join('-').replace(/[^a-z]/gi, '')}-${Date.now()}.log`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, [...PRELOAD, BIN, ...args], {
    env: { ...process.env, ...env, LOAD_LOG: log },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean).map((u) => fileURLToPath(u)).filter((f) => f !== join(dir, 'cjs.cjs'));
}

/** The package a loaded file belongs to: "commander", "kysely", "@verdant/core" (workspace packages by their folder). */
function packageOf(file: string): string {
  const nm = file.lastIndexOf(`${sep}node_modules${sep}`);
  if (nm >= 0) {
    const parts = file.slice(nm + 14).split(sep);
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const m = new RegExp(`${sep}packages${sep}([^${sep}]+)${sep}`).exec(file);
  return m ? `@verdant/${m[1]}` : file;
}

describe('CLI start-up loads only what the command needs', () => {
  it.each([['--help'], ['--version'], ['runs', '--help'], ['plan', '--help']])('verdant %s loads commander and the CLI, no library', (...args) => {
    const packages = new Set(loaded(args).map(packageOf));
    expect([...packages].sort()).toEqual(['@verdant/cli', 'commander']);
  });

  it('runs list loads the store with its SQLite driver, not the PostgreSQL driver, the logger or the measuring library', () => {
    const home = mkdtempSync(join(tmpdir(), 'verdant-startup-home-'));
    const files = loaded(['runs', 'list'], { VERDANT_HOME: home, VERDANT_DATABASE_URL: '' });
    const packages = new Set(files.map(packageOf));
    for (const p of ['@verdant/core', 'better-sqlite3']) expect(packages).toContain(p);
    // The query builder comes from the build's one-file bundle of kysely (scripts/bundle-vendor.mjs), not from
    // kysely's ~260 modules.
    expect(files.some((f) => f.endsWith(join('core', 'dist', 'store', 'kysely.js')))).toBe(true);
    for (const p of ['kysely', 'pg', 'pino', 'zod', '@verdant/energy', '@verdant/grid', '@verdant/schedule', '@verdant/server']) expect(packages).not.toContain(p);
  });

  it('importing @verdant/core loads none of its drivers, the query builder, the logger or zod', () => {
    const log = join(dir, 'core.log');
    writeFileSync(log, '');
    const core = pathToFileURL(join(BIN, '..', '..', '..', 'core', 'dist', 'index.js')).href;
    const r = spawnSync(process.execPath, [...PRELOAD, '--input-type=module', '-e', `const c = await import(${JSON.stringify(core)}); if (typeof c.Store.open !== 'function') process.exit(3);`], {
      env: { ...process.env, LOAD_LOG: log },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const files = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((u) => fileURLToPath(u)).filter((f) => f !== join(dir, 'cjs.cjs'));
    const packages = new Set(files.map(packageOf));
    expect([...packages]).toEqual(['@verdant/core']);
  });

  it('run loads the run channels it offers (the MoE channel) but no tensor library', () => {
    const home = mkdtempSync(join(tmpdir(), 'verdant-startup-home-'));
    const sensors = join(home, 'sensors.json');
    writeFileSync(sensors, JSON.stringify({ sensors: [{ id: 'cpu:package-0', kind: 'cpu', powerW: 30 }] }));
    const files = loaded(['run', '--region', 'DE', '--', process.execPath, '-e', ''], { VERDANT_HOME: home, VERDANT_DATABASE_URL: '', VERDANT_FAKE_SENSORS: sensors, VERDANT_NVML: '0' });
    const packages = new Set(files.map(packageOf));
    expect(files.some((f) => f.endsWith(join('moe', 'dist', 'lab', 'channel.js')))).toBe(true);
    // The accel bench channel, without the code that makes profiles (loaded only when a command wrote bench records).
    expect(files.some((f) => f.endsWith(join('accel', 'dist', 'channel.js')))).toBe(true);
    expect(files.some((f) => f.endsWith(join('accel', 'dist', 'bench-profiles.js')) || f.endsWith(join('accel', 'dist', 'index.js')))).toBe(false);
    expect([...packages].filter((p) => p.startsWith('@tensorflow/'))).toEqual([]);
  });

  it('no command module imports another: what commands share lives in src/options/', () => {
    const commands = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'src', 'commands');
    for (const f of readdirSync(commands).filter((n) => n.endsWith('.ts') && n !== 'index.ts')) {
      const imports = [...readFileSync(join(commands, f), 'utf8').matchAll(/from '(\.[^']*)'/g)].map((m) => m[1]);
      expect(imports.filter((i) => i.startsWith('./')), f).toEqual([]);
    }
  });
});
