import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { invalidInput, ExitCode, VerdantError } from './errors.js';
import { parseDuration } from './units.js';

/** Environment-derived settings; every value is validated and named by its variable on error. */
export interface VerdantEnv {
  home: string;
  databaseUrl: string | undefined;
  sysfsRoot: string;
  procfsRoot: string;
  /** VERDANT_LOG_LEVEL, one of LOG_LEVELS (default warn). */
  logLevel: LogLevel;
}

/** The levels VERDANT_LOG_LEVEL accepts (pino's), most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** VERDANT_LOG_LEVEL, checked: an unknown level is a configuration error (exit 3) naming the allowed ones. */
export function readLogLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = env.VERDANT_LOG_LEVEL;
  if (raw === undefined || raw.trim() === '') return 'warn';
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new VerdantError(`unknown log level "${raw}"`, {
    field: 'VERDANT_LOG_LEVEL',
    fix: `set it to one of ${LOG_LEVELS.join(', ')} (default warn), or unset it`,
    exitCode: ExitCode.config,
  });
}

/** VERDANT_PORT (the default of `verdant serve --port`), checked and named by its variable; undefined when unset. */
export function readPort(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.VERDANT_PORT;
  if (raw === undefined || raw.trim() === '') return undefined;
  const port = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || port > 65535) {
    throw new VerdantError(`must be a port number 0-65535, got "${raw}"`, {
      field: 'VERDANT_PORT',
      fix: 'set it to a free port such as 8787, or unset it (default 8787)',
      exitCode: ExitCode.config,
    });
  }
  return port;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): VerdantEnv {
  const databaseUrl = env.VERDANT_DATABASE_URL?.trim() || undefined;
  if (databaseUrl !== undefined) {
    if (!/^(postgres|postgresql|sqlite):/.test(databaseUrl)) {
      throw new VerdantError('VERDANT_DATABASE_URL must start with postgres://, postgresql:// or sqlite:', {
        field: 'VERDANT_DATABASE_URL',
        fix: 'set it to postgres://user@host/db, or unset it to use the embedded SQLite store',
        exitCode: ExitCode.config,
      });
    }
  }
  return {
    home: env.VERDANT_HOME?.trim() || join(homedir(), '.verdant'),
    databaseUrl,
    sysfsRoot: env.VERDANT_SYSFS_ROOT?.trim() || '/sys',
    procfsRoot: env.VERDANT_PROCFS_ROOT?.trim() || '/proc',
    logLevel: readLogLevel(env),
  };
}

/** Where a region setting came from: the caller's own value, or VERDANT_REGION. */
export interface RegionSetting {
  region: string;
  from: 'given' | 'env';
}

/**
 * The one default rule for a region: the value the caller was given (a flag, a body field), else
 * VERDANT_REGION; blank counts as unset. Undefined when neither says: each caller decides what that means
 * (a measured run falls back to the world average, a plan asks for a region).
 */
export function readRegion(given: string | undefined, env: NodeJS.ProcessEnv = process.env): RegionSetting | undefined {
  const value = given?.trim();
  if (value) return { region: value, from: 'given' };
  const fromEnv = env.VERDANT_REGION?.trim();
  return fromEnv ? { region: fromEnv, from: 'env' } : undefined;
}

/**
 * The user's zones (grid zones or cloud regions) from VERDANT_ZONES, a comma-separated list ("DE,FR,aws:eu-west-1"):
 * the zones a run's "what if" compares and the dashboard offers first. Unset: VERDANT_REGION alone, else none.
 * Blank entries are skipped and repeats dropped; the names are checked where they are used (the grid knows them).
 */
export function readZones(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env.VERDANT_ZONES?.trim();
  const list = raw ? raw.split(',').map((z) => z.trim()).filter(Boolean) : [];
  const region = env.VERDANT_REGION?.trim();
  if (!list.length && region) list.push(region);
  return [...new Set(list)];
}

/** Power usage effectiveness accepted everywhere (`run --pue`, `estimate --pue`): 1.0 (no overhead) to 3.0. */
const PUE_RANGE = { min: 1, max: 3 } as const;

/** Parses a PUE; `field` is the caller's name for it (a CLI flag, a body field). One rule for every face. */
export function parsePue(value: string, field: string): number {
  const n = Number(value);
  const range = `between ${PUE_RANGE.min.toFixed(1)} and ${PUE_RANGE.max.toFixed(1)}`;
  const fix = 'typical data centres are 1.1-1.6; use 1 for a laptop or a machine at home';
  if (value.trim() === '' || Number.isNaN(n)) throw invalidInput(field, `must be a number ${range}, got "${value}"`, fix);
  if (n < PUE_RANGE.min || n > PUE_RANGE.max) throw invalidInput(field, `must be ${range}, got ${value}`, fix);
  return n;
}

/** Sampling intervals accepted for measured runs, in seconds: 100 ms to 1 h. */
export const SAMPLING_INTERVAL_RANGE_S = { min: 0.1, max: 3600 } as const;

/**
 * Parses a sampling interval ("200ms", "1s", "5m"; a bare number is seconds) into seconds within
 * SAMPLING_INTERVAL_RANGE_S. `field` is the caller's name for it.
 */
export function parseSamplingInterval(value: string, field: string): number {
  const seconds = parseDuration(value, field);
  if (seconds < SAMPLING_INTERVAL_RANGE_S.min || seconds > SAMPLING_INTERVAL_RANGE_S.max) {
    throw invalidInput(field, `must be between 100ms and 1h, got ${value.trim()}`, 'write a duration such as 200ms, 1s or 5m (a bare number is seconds)');
  }
  return seconds;
}

/**
 * `mkdir -p` that always terminates: Node's recursive mkdir loops for ever where the kernel answers ENOENT
 * for a directory that exists (creating under /proc). Throws the Node error (ENOTDIR where a part is a file,
 * EACCES, EROFS, ENOENT) for the caller to name.
 */
export function ensureDirectory(path: string): void {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(current).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const parent = dirname(current);
      // ENOTDIR: a part further up is a file; walking up finds it and names it.
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) throw e;
      missing.push(current);
      current = parent;
      continue;
    }
    if (isDirectory) break;
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), { code: 'ENOTDIR', path: current });
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw e;
    }
  }
}

/** The value at a (zod issue's) path in some input, or undefined where the path leaves it: tells "missing" from "wrong". */
export function valueAtPath(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Validates `value` with a zod schema and turns the first issue into a VerdantError naming the field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, fieldPrefix = ''): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : '';
  const field = [fieldPrefix, path].filter(Boolean).join('.') || 'input';
  throw invalidInput(field, issue?.message ?? 'is invalid');
}
