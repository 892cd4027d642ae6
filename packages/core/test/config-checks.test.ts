import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ExitCode,
  LOG_LEVELS,
  Store,
  parsePue,
  parseSamplingInterval,
  readEnv,
  readLogLevel,
  readPort,
} from '../src/index.js';
import { ensureDirectory } from '../src/config.js';
import { rejection as caught } from '../src/testing.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'verdant-config-'));

describe('parsePue (one rule for run --pue and estimate --pue)', () => {
  it('accepts 1.0 to 3.0', () => {
    expect(parsePue('1', '--pue')).toBe(1);
    expect(parsePue(' 1.4 ', '--pue')).toBe(1.4);
    expect(parsePue('3.0', '--pue')).toBe(3);
  });

  it.each(['0.9', '9', '1e309', '-1', 'Infinity'])('refuses %s as out of range, naming the caller field', async (v) => {
    const e = await caught(() => parsePue(v, '--pue'));
    expect(e.field).toBe('--pue');
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.message).toBe(`must be between 1.0 and 3.0, got ${v}`);
    expect(e.fix).toMatch(/1\.1-1\.6/);
  });

  it.each(['', 'abc', '1.2x'])('refuses "%s" as not a number', async (v) => {
    const e = await caught(() => parsePue(v, 'pue'));
    expect(e.field).toBe('pue');
    expect(e.message).toBe(`must be a number between 1.0 and 3.0, got "${v}"`);
  });
});

describe('parseSamplingInterval', () => {
  it('reads units, and a bare number as seconds, from 100ms to 1h', () => {
    expect(parseSamplingInterval('100ms', '--interval')).toBeCloseTo(0.1, 12);
    expect(parseSamplingInterval('200ms', '--interval')).toBeCloseTo(0.2, 12);
    expect(parseSamplingInterval('5', '--interval')).toBe(5);
    expect(parseSamplingInterval('1h', '--interval')).toBe(3600);
  });

  it.each(['50ms', '0', '61m', '2h'])('refuses %s with the documented range', async (v) => {
    const e = await caught(() => parseSamplingInterval(v, '--interval'));
    expect(e.field).toBe('--interval');
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.message).toBe(`must be between 100ms and 1h, got ${v}`);
  });

  it('refuses what is not a duration', async () => {
    const e = await caught(() => parseSamplingInterval('fast', 'intervalS'));
    expect(e.field).toBe('intervalS');
    expect(e.message).toMatch(/cannot read "fast" as a duration/);
  });
});

describe('environment settings', () => {
  it('VERDANT_LOG_LEVEL: unset is warn, a known level is kept, anything else is exit 3 listing the levels', async () => {
    expect(readLogLevel({})).toBe('warn');
    expect(readLogLevel({ VERDANT_LOG_LEVEL: 'debug' })).toBe('debug');
    const e = await caught(() => readLogLevel({ VERDANT_LOG_LEVEL: 'loud' }));
    expect(e.field).toBe('VERDANT_LOG_LEVEL');
    expect(e.exitCode).toBe(ExitCode.config);
    expect(e.message).toMatch(/"loud"/);
    for (const level of LOG_LEVELS) expect(e.fix).toContain(level);
    // readEnv checks it too, so every reader of the environment refuses it
    expect((await caught(() => readEnv({ VERDANT_LOG_LEVEL: 'DEBUG' }))).field).toBe('VERDANT_LOG_LEVEL');
  });

  it('VERDANT_PORT: named by the variable, exit 3', async () => {
    expect(readPort({})).toBeUndefined();
    expect(readPort({ VERDANT_PORT: '9090' })).toBe(9090);
    for (const bad of ['abc', '70000', '-1', '80.5']) {
      const e = await caught(() => readPort({ VERDANT_PORT: bad }));
      expect(e.field).toBe('VERDANT_PORT');
      expect(e.exitCode).toBe(ExitCode.config);
      expect(e.message).toContain(`"${bad}"`);
    }
  });
});

describe('ensureDirectory', () => {
  it('creates missing parents and accepts an existing directory', () => {
    const dir = join(tmp(), 'a', 'b', 'c');
    ensureDirectory(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    ensureDirectory(dir);
  });

  it('reports a file in the way as ENOTDIR, naming the file', () => {
    const file = join(tmp(), 'afile');
    writeFileSync(file, 'x');
    expect(() => ensureDirectory(join(file, 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR', path: file }));
  });

  it('ends with an error where the kernel refuses to create (under /proc), instead of looping', () => {
    // Node's own recursive mkdir never returns on this path.
    expect(() => ensureDirectory('/proc/verdant-no-such-dir/x')).toThrow();
    expect(existsSync('/proc/verdant-no-such-dir')).toBe(false);
  });
});

describe('Store.open errors', () => {
  it('VERDANT_HOME that is a file: exit 4 naming VERDANT_HOME', async () => {
    const file = join(tmp(), 'afile');
    writeFileSync(file, 'not a directory');
    const e = await caught(() => Store.open({ env: readEnv({ VERDANT_HOME: file }) }));
    expect(e.exitCode).toBe(ExitCode.store);
    expect(e.field).toBe('VERDANT_HOME');
    expect(e.message).toContain(`${file} is a file, not a directory`);
    expect(readFileSync(file, 'utf8')).toBe('not a directory');
  });

  it('a verdant.db that is not a database: exit 4 with a fix, and the file is left exactly as it was', async () => {
    const home = tmp();
    const db = join(home, 'verdant.db');
    const garbage = Buffer.from('this is not an SQLite file\n'.repeat(300));
    writeFileSync(db, garbage);
    const e = await caught(() => Store.open({ env: readEnv({ VERDANT_HOME: home }) }));
    expect(e.exitCode).toBe(ExitCode.store);
    expect(e.field).toBe('VERDANT_HOME');
    expect(e.message).toMatch(/not a SQLite database or is damaged/);
    expect(e.fix).toContain(`mv ${db}`);
    expect(readFileSync(db).equals(garbage)).toBe(true);
    expect(existsSync(`${db}-wal`)).toBe(false);
  });
});
