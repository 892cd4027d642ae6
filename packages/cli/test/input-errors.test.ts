import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { reportError } from '../src/options/errors.js';
import { assertBuilt, runCli, sandbox, startCliCapturing, type CliResult } from './helpers.js';

beforeAll(assertBuilt);

const SENSORS = [{ id: 'gpu:0', kind: 'gpu', powerW: 100 }];
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The contract for every refusal: the documented code, one line naming the field with a fix, no stack trace. */
function expectOneLine(r: CliResult, code: number, field: string): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect({ code: r.code, lines }).toMatchObject({ code, lines: [expect.stringMatching(new RegExp(`^verdant: ${escape(field)}: .+ \\(fix: .+\\)$`))] });
  expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
}

/** runCli, but a CLI that does not end in time is killed and reported as such (a hang is a failure, not a stuck suite). */
async function runCliWithin(args: string[], env: NodeJS.ProcessEnv, ms: number): Promise<CliResult & { killed: boolean }> {
  const cli = startCliCapturing(args, env);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    cli.child.kill('SIGKILL');
  }, ms);
  try {
    const code = await cli.exited;
    return { code, stdout: cli.stdout, stderr: cli.stderr, killed };
  } finally {
    clearTimeout(timer);
  }
}

describe('output paths are checked before anything runs or is written', () => {
  let env: NodeJS.ProcessEnv;
  let home: string;
  let runId: string;
  let aFile: string;

  beforeAll(async () => {
    ({ env, home } = sandbox(SENSORS));
    env = { ...env, VERDANT_OFFLINE: '1' };
    const r = await runCli(['run', '--json', '--region', 'DE', '--', 'true'], env);
    expect(r.code).toBe(0);
    runId = JSON.parse(r.stdout).run_id;
    aFile = join(home, 'afile');
    writeFileSync(aFile, 'keep me');
  }, 60_000);

  it('report, runs export and simulate: exit 2 naming the option, and no file is left behind', async () => {
    const missing = join(home, 'nonexistent', 'd');
    const cases: Array<[string[], string, string]> = [
      [['report', runId, '--html', home], '--html', home],
      [['report', runId, '--html', join(missing, 'r.html')], '--html', join(missing, 'r.html')],
      [['report', runId, '--html', join(aFile, 'r.html')], '--html', join(aFile, 'r.html')],
      [['runs', 'export', runId, '--out', home], '--out', home],
      [['runs', 'export', runId, '--json', '--out', join(missing, 'x.json')], '--out', join(missing, 'x.json')],
      [['simulate', '--zone', 'ES', '--year', '2023', '--csv', join(missing, 'x.csv')], '--csv', join(missing, 'x.csv')],
      [['simulate', '--zone', 'ES', '--year', '2023', '--svg', home], '--svg', home],
    ];
    for (const [args, field, path] of cases) {
      const r = await runCli(args, env);
      expectOneLine(r, 2, field);
      expect(r.stdout).toBe('');
      if (path !== home) expect(existsSync(path)).toBe(false);
    }
    expect(existsSync(join(home, 'nonexistent'))).toBe(false);
    expect(readFileSync(aFile, 'utf8')).toBe('keep me');
  }, 120_000);

  it('run --output that cannot be a directory: exit 2 naming --output, the command never starts', async () => {
    const marker = join(home, 'started');
    for (const output of [aFile, join(aFile, 'sub'), '/proc/verdant-no-such-dir']) {
      // /proc: Node's recursive mkdir never returns there; the check must not hang either.
      const r = await runCliWithin(['run', '--json', '--region', 'DE', '--output', output, '--', 'touch', marker], env, 30_000);
      expect(r.killed).toBe(false);
      expectOneLine(r, 2, '--output');
      expect(r.stdout).toBe('');
      expect(existsSync(marker)).toBe(false);
    }
    expect(readFileSync(aFile, 'utf8')).toBe('keep me');
    const listed = JSON.parse((await runCli(['runs', 'list', '--json'], env)).stdout);
    expect(listed.runs.map((x: { run_id: string }) => x.run_id)).toEqual([runId]);
  }, 120_000);

  it('run --output creates a missing directory before the command starts', async () => {
    const out = join(home, 'new', 'out');
    const r = await runCli(['run', '--json', '--region', 'DE', '--output', out, '--', 'sh', '-c', `test -d ${out}`], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).run_id).toBe(JSON.parse(r.stdout).run_id);
  }, 60_000);

  it('run --pushgateway that is not an http(s) URL: exit 2 naming it, nothing started', async () => {
    const marker = join(home, 'pushed');
    for (const url of ['not-a-url', 'ftp://gateway:9091', 'http://']) {
      const r = await runCli(['run', '--region', 'DE', '--pushgateway', url, '--', 'touch', marker], env);
      expectOneLine(r, 2, '--pushgateway');
      expect(existsSync(marker)).toBe(false);
    }
  }, 60_000);

  it('run -- <a directory> exits 126, as a shell does', async () => {
    const r = await runCli(['run', '--region', 'DE', '--', home], env);
    expectOneLine(r, 126, 'command');
    expect(r.stderr).toContain(`${home} is a directory`);
  }, 30_000);
});

describe('a broken store: exit 4, one line naming VERDANT_HOME, nothing started, nothing lost', () => {
  const commands = (dir: string, marker: string): string[][] => [
    ['runs', 'list'],
    ['runs', 'show', 'r_x'],
    ['runs', 'export', 'r_x'],
    ['report', 'r_x', '--html', join(dir, 'r.html')],
    ['resume', 'r_x'],
    ['jobs'],
    ['intensity', 'DE'],
    ['forecast', 'DE'],
    ['run', '--region', 'DE', '--', 'touch', marker],
  ];

  it('VERDANT_HOME is a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdant-broken-'));
    const file = join(dir, 'afile');
    writeFileSync(file, 'keep me');
    const marker = join(dir, 'started');
    const { env } = sandbox(SENSORS);
    for (const args of commands(dir, marker)) {
      const r = await runCli(args, { ...env, VERDANT_HOME: file, VERDANT_OFFLINE: '1' });
      expectOneLine(r, 4, 'VERDANT_HOME');
      expect(r.stderr).toContain(`${file} is a file, not a directory`);
    }
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, 'r.html'))).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  }, 120_000);

  it('verdant.db is not a database: the file is never modified', async () => {
    const { env, home } = sandbox(SENSORS);
    const db = join(home, 'verdant.db');
    const garbage = Buffer.from('not a database at all\n'.repeat(500));
    writeFileSync(db, garbage);
    const marker = join(home, 'started');
    for (const args of commands(home, marker)) {
      const r = await runCli(args, { ...env, VERDANT_OFFLINE: '1' });
      expectOneLine(r, 4, 'VERDANT_HOME');
      expect(r.stderr).toContain('not a SQLite database or is damaged');
    }
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(db).equals(garbage)).toBe(true);
  }, 120_000);
});

describe('ranges and settings agree across commands', () => {
  it('--pue: run and estimate give the same answer, including for 1e309', async () => {
    const { env, home } = sandbox(SENSORS);
    const marker = join(home, 'started');
    for (const pue of ['9', '1e309', '0.5']) {
      const run = await runCli(['run', '--region', 'DE', '--pue', pue, '--', 'touch', marker], env);
      const estimate = await runCli(['estimate', '--device', 'h100-sxm', '--hours', '1', '--region', 'DE', '--pue', pue], env);
      expectOneLine(run, 2, '--pue');
      expect(run.stderr).toContain(`must be between 1.0 and 3.0, got ${pue}`);
      expect(estimate.stderr).toBe(run.stderr);
      expect(estimate.code).toBe(2);
    }
    expect(existsSync(marker)).toBe(false);
  }, 60_000);

  it('--interval: 100ms to 1h as documented, a bare number is seconds', async () => {
    const { env, home } = sandbox(SENSORS);
    const marker = join(home, 'started');
    for (const interval of ['50ms', '2h']) {
      const r = await runCli(['run', '--region', 'DE', '--interval', interval, '--', 'touch', marker], env);
      expectOneLine(r, 2, '--interval');
      expect(r.stderr).toContain('must be between 100ms and 1h');
    }
    expect(existsSync(marker)).toBe(false);
    const ok = await runCli(['run', '--json', '--region', 'DE', '--interval', '5', '--', 'true'], env);
    expect(ok.code).toBe(0);
  }, 60_000);

  it('VERDANT_LOG_LEVEL=loud: exit 3 naming the variable and the allowed levels', async () => {
    const { env } = sandbox(SENSORS);
    const r = await runCli(['runs', 'list'], { ...env, VERDANT_LOG_LEVEL: 'loud' });
    expectOneLine(r, 3, 'VERDANT_LOG_LEVEL');
    expect(r.stderr).toMatch(/fatal, error, warn, info, debug, trace, silent/);
  }, 30_000);

  it('VERDANT_PORT=abc: exit 3 naming VERDANT_PORT, not --port, and nothing listens', async () => {
    const { env } = sandbox(SENSORS);
    const r = await runCliWithin(['serve', '--no-scheduler'], { ...env, VERDANT_PORT: 'abc' }, 30_000);
    expect(r.killed).toBe(false);
    expectOneLine(r, 3, 'VERDANT_PORT');
  }, 60_000);
});

describe('human output says what it shows', () => {
  it('runs list has a header row', async () => {
    const { env } = sandbox(SENSORS);
    const run = await runCli(['run', '--json', '--region', 'DE', '--name', 'hello', '--', 'true'], env);
    const id = JSON.parse(run.stdout).run_id;
    const r = await runCli(['runs', 'list'], env);
    expect(r.code).toBe(0);
    const [header, row, ...rest] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^run_id\s+status\s+started \(UTC\)\s+duration\s+energy\s+emissions\s+name$/);
    expect(row).toMatch(new RegExp(`^${id}\\s+succeeded\\s+.*\\sWh\\s+.*\\sg\\s+hello$`));
    expect(rest).toEqual([]);
  }, 60_000);

  it('forecast that falls back to one static point says why', async () => {
    const { env } = sandbox(SENSORS);
    const r = await runCli(['forecast', 'GB'], { ...env, VERDANT_OFFLINE: '1' });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^GB forecast via static/);
    expect(lines.filter((l) => l.startsWith('  skipped ')).length).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/one static point: \S+, an average over \d+ days, not an hourly forecast; no earlier link could answer/);
  }, 60_000);

  it('simulate explains "±" in cells only when it shows one, in percentage points', async () => {
    const plain = await runCli(['simulate', '--zone', 'NO', '--year', '2023', '--window', '4'], process.env);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toMatch(/\d% ±/);
    expect(plain.stdout).not.toMatch(/standard deviation|noise seeds/);
    expect(plain.stdout).toMatch(/savings in emissions, % of running each job at its nominal time; column ±Wh/);
    const noisy = await runCli(['simulate', '--zone', 'NO', '--year', '2023', '--window', '4', '--noise', '0.05', '--seeds', '2'], process.env);
    expect(noisy.code).toBe(0);
    expect(noisy.stdout).toMatch(/\d% ±\d/);
    expect(noisy.stdout).toMatch(/standard deviation over 2 noise seeds, in percentage points/);
  }, 120_000);
});

describe('reportError (the top-level handler)', () => {
  let written: string;
  const saved = process.env.VERDANT_LOG_LEVEL;
  const capture = () => {
    written = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
  };
  afterEach(() => {
    vi.restoreAllMocks();
    if (saved === undefined) delete process.env.VERDANT_LOG_LEVEL;
    else process.env.VERDANT_LOG_LEVEL = saved;
  });

  it('an unexpected error is one line and exit 1; its stack only under VERDANT_LOG_LEVEL=debug', () => {
    delete process.env.VERDANT_LOG_LEVEL;
    capture();
    const e = new TypeError('boom\n  on two lines');
    expect(reportError(e)).toBe(1);
    expect(written).toBe('verdant: unexpected error: TypeError: boom on two lines (fix: run again with VERDANT_LOG_LEVEL=debug for details, and report it if it persists)\n');

    process.env.VERDANT_LOG_LEVEL = 'debug';
    capture();
    expect(reportError(e)).toBe(1);
    expect(written).toContain(e.stack!);
  });

  it('a store found damaged after it opened is exit 4', () => {
    delete process.env.VERDANT_LOG_LEVEL;
    capture();
    const e = Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
    expect(reportError(e)).toBe(4);
    expect(written).toMatch(/^verdant: VERDANT_HOME: the store is damaged: database disk image is malformed \(fix: .+\)\n$/);
  });
});
