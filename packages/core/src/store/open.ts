import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import type pg from 'pg';
import { readEnv, type VerdantEnv } from '../config.js';
import { ExitCode, VerdantError } from '../errors.js';
import { migrations } from './migrations.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Connection {
  dialect: Dialect;
  db: Kysely<Database>;
  /** Raw handles for the batched fast paths. */
  sqlite?: BetterSqlite3.Database;
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
}

export async function connect(options: OpenOptions = {}): Promise<Connection> {
  const env = options.env ?? readEnv();
  const url = options.url ?? env.databaseUrl;
  if (url && /^postgres(ql)?:/.test(url)) {
    // Doubles come back as strings for numeric/bigint only; our columns are double precision and integer.
    // Loaded only for PostgreSQL: the embedded default should not pay for the driver at start-up.
    const { default: pgLib } = await import('pg');
    const pool = new pgLib.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => undefined); // an idle client's error must not crash the tracker
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { dialect: 'postgres', db, pool, location: redactUrl(url) };
  }
  const file = url ? url.replace(/^sqlite:(\/\/)?/, '') : join(env.home, 'verdant.db');
  if (file !== ':memory:') mkdirSync(join(file, '..'), { recursive: true });
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(file);
  } catch (e) {
    throw new VerdantError(`cannot open the store at ${file}: ${(e as Error).message}`, {
      field: url ? 'VERDANT_DATABASE_URL' : 'VERDANT_HOME',
      fix: 'point VERDANT_HOME at a writable directory',
      exitCode: ExitCode.store,
      cause: e,
    });
  }
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // WAL lets several `verdant run` processes write while readers (serve, runs show) keep reading.
  if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { dialect: 'sqlite', db, sqlite, location: `sqlite:${file}` };
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrate(conn: Connection): Promise<void> {
  const migrator = new Migrator({ db: conn.db, provider });
  let lastError: unknown;
  // Two processes may race to create the migration tables on a fresh store; the loser retries.
  for (let attempt = 0; attempt < 5; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    lastError = error;
    await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
  }
  throw new VerdantError(`store migration failed on ${conn.location}: ${(lastError as Error)?.message ?? lastError}`, {
    exitCode: ExitCode.store,
    cause: lastError,
  });
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+)(:[^@/]*)?@/, '//$1@');
}
