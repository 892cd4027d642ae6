import { invalidInput } from '../errors.js';
import type { Dialect } from './open.js';
import type { RunStatus, RunsTable } from './schema.js';

/** What a page of runs may be sorted by; ties are always broken by run id, in the same direction. */
export const RUN_SORTS = ['started_at', 'energy_j', 'emissions_g', 'duration_s', 'name'] as const;
export type RunSort = (typeof RUN_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

export const RUN_STATUSES: readonly RunStatus[] = ['running', 'paused', 'succeeded', 'failed', 'stopped', 'interrupted'];

/** Which runs a page holds. Every filter is optional; all given ones must hold. Times are epoch seconds. */
export interface RunFilter {
  /** Any of these statuses. */
  status?: readonly RunStatus[];
  /** Exactly this name. */
  name?: string;
  zone?: string;
  host?: string;
  /** Members of this run group. */
  groupId?: string;
  /** Started at or after (inclusive). */
  since?: number;
  /** Started before (exclusive). */
  until?: number;
  /** A substring of the name or the id, case-insensitive. */
  q?: string;
}

export interface RunPageQuery extends RunFilter {
  /** Rows per page, 1-1000 (default 50). */
  limit?: number;
  /** Default `started_at`. */
  sort?: RunSort;
  /** Default `desc` (newest, largest first). */
  order?: SortOrder;
  /** A `nextCursor` or `prevCursor` of an earlier page with the same sort and order. */
  cursor?: string;
}

export interface RunPage {
  rows: RunsTable[];
  /** The page after this one, or null on the last page. */
  nextCursor: string | null;
  /** The page before this one, or null on the first page. */
  prevCursor: string | null;
  /** Runs matching the filters, on all pages. */
  total: number;
}

/** A position between two rows: rows strictly after (`n`) or strictly before (`p`) the row (v, i) in the page's order. */
export interface RunCursor {
  s: RunSort;
  o: SortOrder;
  d: 'n' | 'p';
  v: number | string;
  i: string;
}

const CURSOR_FIX = 'pass next_cursor or prev_cursor exactly as a previous page returned it, with the same sort and order (or none for the first page)';

export function encodeCursor(c: RunCursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

/** Reads a cursor; one that is malformed, or was made for another sort or order, is refused naming `field`. */
export function decodeCursor(text: string, sort: RunSort, order: SortOrder, field = 'cursor'): RunCursor {
  let c: Partial<RunCursor>;
  try {
    c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<RunCursor>;
  } catch {
    throw invalidInput(field, 'is not a cursor this server made', CURSOR_FIX);
  }
  const numeric = c.s !== 'name';
  if (
    c === null ||
    typeof c !== 'object' ||
    !RUN_SORTS.includes(c.s as RunSort) ||
    (c.o !== 'asc' && c.o !== 'desc') ||
    (c.d !== 'n' && c.d !== 'p') ||
    typeof c.i !== 'string' ||
    (numeric ? typeof c.v !== 'number' || !Number.isFinite(c.v) : typeof c.v !== 'string')
  ) {
    throw invalidInput(field, 'is not a cursor this server made', CURSOR_FIX);
  }
  if (c.s !== sort || c.o !== order) {
    throw invalidInput(field, `was made for sort=${c.s}&order=${c.o}, not sort=${sort}&order=${order}`, CURSOR_FIX);
  }
  return c as RunCursor;
}

/** Checks a page query up front (field names are the query's own); returns it with defaults filled in. */
export function checkRunPageQuery(q: RunPageQuery): Required<Pick<RunPageQuery, 'limit' | 'sort' | 'order'>> & RunPageQuery {
  const limit = q.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidInput('limit', `must be a whole number from 1 to 1000, got ${limit}`, 'ask for at most 1000 runs per page and follow next_cursor');
  const sort = q.sort ?? 'started_at';
  if (!RUN_SORTS.includes(sort)) throw invalidInput('sort', `unknown sort "${String(sort)}"`, `use one of ${RUN_SORTS.join(', ')}`);
  const order = q.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidInput('order', `must be asc or desc, got "${String(order)}"`, 'use asc or desc');
  for (const st of q.status ?? []) {
    if (!RUN_STATUSES.includes(st)) throw invalidInput('status', `unknown status "${st}"`, `use one or more of ${RUN_STATUSES.join(', ')}`);
  }
  for (const k of ['since', 'until'] as const) {
    const v = q[k];
    if (v !== undefined && !Number.isFinite(v)) throw invalidInput(k, 'must be a time', 'give ISO 8601 (2025-03-01T18:00Z) or epoch seconds');
  }
  if (q.since !== undefined && q.until !== undefined && q.until <= q.since) throw invalidInput('until', 'must be after since', 'give an until later than since');
  return { ...q, limit, sort, order };
}

/**
 * The SQL of a sort key and of the id that breaks ties, as the page's ORDER BY, its keyset comparison and the
 * indexes of migration 0006 all write them. PostgreSQL compares text byte-wise (COLLATE "C"), as SQLite does,
 * so an order does not depend on the database's locale.
 */
export function sortSql(sort: RunSort, dialect: Dialect): { key: string; id: string } {
  const c = dialect === 'postgres' ? ' COLLATE "C"' : '';
  const key = sort === 'duration_s' ? DURATION_SQL : sort === 'name' ? `name${c}` : sort;
  return { key, id: `id${c}` };
}

/** A run's length so far: to its end, or to its last heartbeat while it is live (what `duration_s` reports). */
export const DURATION_SQL = '(COALESCE(ended_at, heartbeat_at) - started_at)';

/** `text` with LIKE's wildcards escaped (escape character `\`), lower-cased, between `%`s. */
export function likeSubstring(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}
