import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { invalidInput, type Store } from '@verdant/core';
import { watchLiveRuns, watchRun } from '@verdant/energy';
import { resolveRunParam } from '../errors.js';

export interface StreamRouteOptions {
  store: Store;
  /** How often a run's stream reads the store, ms (default 500). */
  runPollMs?: number;
  /** How often the overview's stream reads the store, ms (default 1000). */
  livePollMs?: number;
  /** Seconds between heartbeat comments (default 15). */
  heartbeatS?: number;
}

interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

/**
 * Server-Sent Events over the raw response: the stream ends when the client goes away, when the source ends,
 * or when the server closes (a `preClose` hook ends every open stream, so `app.close()` never waits on one).
 * Authorisation and the Host/Origin guard ran before (onRequest hooks), as for every /api route.
 */
function openStream(
  req: FastifyRequest,
  reply: FastifyReply,
  open: Set<AbortController>,
  heartbeatS: number,
  source: (signal: AbortSignal) => AsyncGenerator<SseEvent>,
): void {
  const abort = new AbortController();
  open.add(abort);
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'close',
    'x-accel-buffering': 'no',
  });
  raw.write(': verdant stream\n\n');
  const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), heartbeatS * 1000);
  heartbeat.unref();
  const finish = (): void => {
    abort.abort();
    clearInterval(heartbeat);
    open.delete(abort);
    if (!raw.writableEnded) raw.end();
  };
  // The response's close: the client went away (or the stream ended). (The request's own 'close' fires once its body is read.)
  raw.on('close', finish);
  abort.signal.addEventListener('abort', finish);
  void (async () => {
    try {
      for await (const e of source(abort.signal)) {
        if (abort.signal.aborted) break;
        raw.write(`event: ${e.event}\n${e.id !== undefined ? `id: ${e.id}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`);
      }
    } catch (err) {
      // The store failed mid-stream: say so as an event, then end (the client may reconnect).
      if (!abort.signal.aborted) {
        req.log.error({ err }, 'stream failed');
        raw.write(`event: error\ndata: ${JSON.stringify({ error: (err as Error).message })}\n\n`);
      }
    } finally {
      finish();
    }
  })();
}

/** GET /api/runs/:id/stream (one run's new samples and changes) and GET /api/stream (the live runs), as Server-Sent Events. */
export const streamRoutes: FastifyPluginAsync<StreamRouteOptions> = async (app, opts) => {
  const { store } = opts;
  const open = new Set<AbortController>();
  const heartbeatS = opts.heartbeatS ?? 15;
  app.addHook('preClose', async () => {
    for (const a of [...open]) a.abort();
  });

  app.get<{ Params: { id: string } }>('/api/runs/:id/stream', async (req, reply) => {
    const id = await resolveRunParam(store, req.params.id, reply);
    if (id === undefined) return reply;
    // Last-Event-ID (a reconnecting EventSource, or a fetch() reader resuming): the `t` of the last sample it got.
    const last = req.headers['last-event-id'];
    let afterT: number | undefined;
    if (typeof last === 'string' && last.trim() !== '') {
      afterT = Number(last);
      if (!Number.isFinite(afterT)) throw invalidInput('Last-Event-ID', `must be the id of an event this stream sent (a sample time), got "${last}"`, 'resend the last id received, or none to start from the beginning');
    }
    openStream(req, reply, open, heartbeatS, (signal) =>
      watchRun(store, id, { signal, ...(afterT !== undefined ? { afterT } : {}), ...(opts.runPollMs !== undefined ? { pollMs: opts.runPollMs } : {}) }),
    );
    return reply;
  });

  app.get('/api/stream', async (req, reply) => {
    openStream(req, reply, open, heartbeatS, (signal) => watchLiveRuns(store, { signal, ...(opts.livePollMs !== undefined ? { pollMs: opts.livePollMs } : {}) }));
    return reply;
  });
};
