import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { RUN_SORTS, VerdantError, invalidInput, parseTime, type RunPageQuery, type RunSort, type RunStatus, type SortOrder, type Store } from '@verdant/core';
import { runListItem, samplesCsv, samplesView, summarizeGroup, summarizeRun } from '@verdant/energy';
import type { IntensityProvider } from '@verdant/grid';
import { summarizeRunWithWhatIf } from '@verdant/schedule';
import { resolveRunParam, sendError } from '../errors.js';

const text = { type: 'string' } as const;
const listQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    cursor: text,
    status: text,
    name: text,
    zone: text,
    host: text,
    group: text,
    since: text,
    until: text,
    q: text,
    sort: { type: 'string', enum: [...RUN_SORTS] },
    order: { type: 'string', enum: ['asc', 'desc'] },
  },
  additionalProperties: false,
} as const;

interface ListQuery {
  limit: number;
  cursor?: string;
  status?: string;
  name?: string;
  zone?: string;
  host?: string;
  group?: string;
  since?: string;
  until?: string;
  q?: string;
  sort?: RunSort;
  order?: SortOrder;
}

const samplesQuery = {
  type: 'object',
  properties: { from: text, to: text, points: { type: 'integer' }, format: { type: 'string', enum: ['json', 'csv'] } },
  additionalProperties: false,
} as const;

/** A page query from the query string: blank parameters are absent; times are ISO 8601 or epoch seconds. */
function pageQuery(q: ListQuery): RunPageQuery {
  const given = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const time = (k: 'since' | 'until') => {
    const v = given(q[k]);
    return v === undefined ? {} : { [k]: parseTime(v, k) };
  };
  const status = given(q.status);
  return {
    limit: q.limit,
    ...(given(q.cursor) ? { cursor: given(q.cursor)! } : {}),
    ...(status ? { status: status.split(',').map((st) => st.trim()) as RunStatus[] } : {}),
    ...(given(q.name) ? { name: given(q.name)! } : {}),
    ...(given(q.zone) ? { zone: given(q.zone)! } : {}),
    ...(given(q.host) ? { host: given(q.host)! } : {}),
    ...(given(q.group) ? { groupId: given(q.group)! } : {}),
    ...time('since'),
    ...time('until'),
    ...(given(q.q) ? { q: given(q.q)! } : {}),
    ...(q.sort ? { sort: q.sort } : {}),
    ...(q.order ? { order: q.order } : {}),
  };
}

export interface RunRouteOptions {
  store: Store;
  /** Intensity for each run's what-if (history, traces, forecasts). */
  intensity: IntensityProvider;
  /** The user's zones the what-if compares (default VERDANT_ZONES, else VERDANT_REGION). */
  zones?: readonly string[];
  now?: () => number;
}

const runQuery = { type: 'object', properties: { what_if: { type: 'boolean', default: true } }, additionalProperties: false } as const;

export const runRoutes: FastifyPluginAsync<RunRouteOptions> = async (app, { store, intensity, zones, now }) => {
  /** A page of runs: filters, sorting, keyset cursors and the total (docs/api.md). Without the new parameters, the newest 50 as before. */
  app.get<{ Querystring: ListQuery }>('/api/runs', { schema: { querystring: listQuery } }, async (req) => {
    const page = await store.pageRuns(pageQuery(req.query));
    return { runs: page.rows.map(runListItem), next_cursor: page.nextCursor, prev_cursor: page.prevCursor, total: page.total };
  });

  const resolve = (idOrPrefix: string, reply: FastifyReply) => resolveRunParam(store, idOrPrefix, reply);

  /** One run: its summary and, unless what_if=false, what it would have emitted at its cleanest start and in the user's other zones. */
  app.get<{ Params: { id: string }; Querystring: { what_if: boolean } }>('/api/runs/:id', { schema: { querystring: runQuery } }, async (req, reply) => {
    const id = await resolve(req.params.id, reply);
    if (id === undefined) return reply;
    if (!req.query.what_if) return summarizeRun(store, id);
    return summarizeRunWithWhatIf(store, id, { provider: intensity, ...(zones ? { zones } : {}), ...(now ? { now } : {}) });
  });

  /**
   * A run's samples: all of them (or those in [from, to]) as stored; with `points`, at most that many per sensor
   * (LTTB) with each sensor's exact running totals; with format=csv, a CSV download of the raw samples.
   */
  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string; points?: number; format?: 'json' | 'csv' } }>(
    '/api/runs/:id/samples',
    { schema: { querystring: samplesQuery } },
    async (req, reply) => {
      const { points, format } = req.query;
      const from = req.query.from?.trim() ? parseTime(req.query.from, 'from') : undefined;
      const to = req.query.to?.trim() ? parseTime(req.query.to, 'to') : undefined;
      if (format === 'csv' && points !== undefined) throw invalidInput('points', 'a CSV download holds every sample', 'leave out points with format=csv');
      if (from !== undefined && to !== undefined && to < from) throw invalidInput('to', 'must not be before from', 'give a to at or after from');
      const id = await resolve(req.params.id, reply);
      if (id === undefined) return reply;
      if (points !== undefined) return samplesView(store, id, { points, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
      let samples = await store.samplesBetween(id, to === undefined ? {} : { upTo: to });
      if (from !== undefined) samples = samples.filter((s) => s.t >= from);
      if (format === 'csv') {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${id}-samples.csv"`)
          .send(samplesCsv(samples));
      }
      return { run_id: id, samples };
    },
  );

  /** A run group (one job on several hosts or tasks), by full id or unique prefix: totals, power now, each host and member. */
  app.get<{ Params: { id: string } }>('/api/groups/:id', async (req, reply) => {
    const notFound = (id: string) => sendError(reply, invalidInput('id', `no run group with id ${id}`, 'the runs of a group carry its group_id in GET /api/runs'), 404);
    let id: string;
    try {
      id = await store.resolveGroupId(req.params.id);
    } catch (e) {
      if (!(e instanceof VerdantError)) throw e;
      if (/^no run group/.test(e.message)) return notFound(req.params.id);
      return sendError(reply, new VerdantError(e.message, { field: 'id', fix: 'pass more characters of the group id', exitCode: e.exitCode }));
    }
    return (await summarizeGroup(store, id)) ?? notFound(id);
  });
};
