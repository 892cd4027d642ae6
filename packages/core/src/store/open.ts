import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { MigrationProvider } from 'kysely';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from './kysely.js';
import type pg from 'pg';
import { ensureDirectory, readEnv, type VerdantEnv } from '../config.js';
import { ExitCode, VerdantError } from '../errors.js';
import { migrations } from './migrations.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Connection {
  dialect: Dialect;
  db: Kysely<Database>;
  /** Raw handles for the batched fast paths. */
  sqlite?: BetterSqlite3.Database;
  /** SQLite: the busy timeout set when the store was opened, ms (what a shorter wait for one write goes back to). */
  busyTimeoutMs?: number;
  pool?: pg.Pool;
  /** Where the data lives, for messages ("sqlite:/home/u/.verdant/verdant.db", "postgres://host/db"). */
  location: string;
}

/** How long a writer waits for another process's lock before failing (SQLite busy_timeout). */
const BUSY_TIMEOUT_MS = 10_000;

export interface OpenOptions {
  /** postgres://..., sqlite:<path>, or undefined for the default SQLite file under VERDANT_HOME. */
  url?: string;
  env?: VerdantEnv;
  /** SQLite: how long a statement waits for another writer's lock before failing, ms (default 10 s). */
  busyTimeoutMs?: number;
}

export async function connect(options: OpenOptions = {}): Promise<Connection> {
  const env = options.env ?? readEnv();
  const url = options.url ?? env.databaseUrl;
  if (url && /^postgres(ql)?:/.test(url)) {
    // Doubles come back as strings for numeric/bigint only; our columns are double precision and integer.
    // Loaded only for PostgreSQL: the embedded default should not pay for the driver at start-up.
    const { default: pgLib } = await import('pg');
    // A server that is restarting or unreachable fails a connection attempt within 10 s instead of hanging it;
    // keep-alive notices a peer that vanished without closing the socket.
    const pool = new pgLib.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000, keepAlive: true });
    pool.on('error', () => undefined); // an idle client's error must not crash the tracker
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { dialect: 'postgres', db, pool, location: redactUrl(url) };
  }
  const file = url ? url.replace(/^sqlite:(\/\/)?/, '') : join(env.home, 'verdant.db');
  const field = url ? 'VERDANT_DATABASE_URL' : 'VERDANT_HOME';
  if (file !== ':memory:') {
    try {
      ensureDirectory(dirname(file));
    } catch (e) {
      throw new VerdantError(`cannot create the store's directory ${dirname(file)}: ${describeFsError(e)}`, {
        field,
        fix: url ? 'point it at a file in a writable directory' : 'point VERDANT_HOME at a writable directory (it is created if missing)',
        exitCode: ExitCode.store,
        cause: e,
      });
    }
  }
  const busyTimeoutMs = Math.max(0, Math.round(options.busyTimeoutMs ?? BUSY_TIMEOUT_MS)) || 0;
  let sqlite: BetterSqlite3.Database | undefined;
  try {
    sqlite = new BetterSqlite3(file);
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // WAL lets several `verdant run` processes write while readers (serve, runs show) keep reading.
    if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
  } catch (e) {
    sqlite?.close();
    const code = (e as { code?: unknown }).code;
    const damaged = code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
    // A damaged file is never touched: the user decides whether to restore it or start afresh.
    throw new VerdantError(`cannot open the store at ${file}: ${damaged ? 'it is not a SQLite database or is damaged' : (e as Error).message}`, {
      field,
      fix: damaged
        ? `restore it from a backup, or move it aside (mv ${file} ${file}.broken) to start a new store`
        : url ? 'point it at a readable, writable SQLite file' : 'point VERDANT_HOME at a writable directory',
      exitCode: ExitCode.store,
      cause: e,
    });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { dialect: 'sqlite', db, sqlite, busyTimeoutMs, location: `sqlite:${file}` };
}

const migrationList: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Whether the store has every migration already (the usual case): one read instead of the Migrator's lock and
 * statements on every open, which start-up of each short command pays. A new store (no table yet), one behind,
 * or one with migrations we do not know goes through the Migrator as before.
 */
async function isCurrent(conn: Connection): Promise<boolean> {
  const names = Object.keys(migrations).sort();
  try {
    const { rows } = await sql<{ n: number | string; latest: string | null }>`SELECT count(*) AS n, max(name) AS latest FROM kysely_migration`.execute(conn.db);
    return Number(rows[0]?.n) === names.length && rows[0]?.latest === names.at(-1);
  } catch {
    return false;
  }
}

export async function migrate(conn: Connection): Promise<void> {
  if (await isCurrent(conn)) return;
  const migrator = new Migrator({ db: conn.db, provider: migrationList });
  let lastError: unknown;
  // Two processes may race to create the migration tables on a fresh store; the loser retries.
  for (let attempt = 0; attempt < 5; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    lastError = error;
    await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
  }
  throw new VerdantError(`store migration failed on ${conn.location}: ${(lastError as Error)?.message ?? lastError}`, {
    field: conn.dialect === 'postgres' ? 'VERDANT_DATABASE_URL' : 'VERDANT_HOME',
    fix:
      conn.dialect === 'postgres'
        ? 'check that PostgreSQL is reachable at VERDANT_DATABASE_URL and the user may create tables'
        : 'check that the store file is a writable Verdant database, or point VERDANT_HOME at another directory',
    exitCode: ExitCode.store,
    cause: lastError,
  });
}

/** A filesystem error in words, without the syscall noise ("ENOTDIR: not a directory, mkdir '/x'"). */
function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return `${err.path ?? 'a part of the path'} is a file, not a directory`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied${err.path ? ` on ${err.path}` : ''}`;
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOENT':
      return 'it cannot be created there';
    default:
      return err.message ?? String(e);
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+)(:[^@/]*)?@/, '//$1@');
}
