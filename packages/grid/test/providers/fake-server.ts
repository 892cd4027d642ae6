import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  at: number;
}

/** What to answer: a JSON body (or raw text), a status, headers, and an optional delay before answering. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  delayMs?: number;
}

export type Handler = (req: SeenRequest) => Reply | Promise<Reply>;

/**
 * A local HTTP server on 127.0.0.1 with an ephemeral port that speaks a provider's wire protocol:
 * routes match the path exactly or by a regular expression; `once` queues one-shot replies for a path that
 * are served before its route (5xx-then-success, 429-then-success, ...). Every request is recorded.
 */
export class FakeServer {
  readonly requests: SeenRequest[] = [];
  private readonly routes: Array<{ match: string | RegExp; handler: Handler }> = [];
  private readonly queued = new Map<string, Reply[]>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeServer> {
    const server = createServer();
    const fake = new FakeServer(server);
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const seen: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, at: Date.now() };
      fake.requests.push(seen);
      void fake.answer(seen).then(async (reply) => {
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        if (res.destroyed) return;
        const body = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
        res.writeHead(reply.status ?? 200, { 'content-type': reply.text === undefined ? 'application/json' : 'text/plain', ...reply.headers });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  route(match: string | RegExp, handler: Handler): this {
    this.routes.push({ match, handler });
    return this;
  }

  once(path: string, ...replies: Reply[]): this {
    this.queued.set(path, [...(this.queued.get(path) ?? []), ...replies]);
    return this;
  }

  hits(path: string | RegExp): SeenRequest[] {
    return this.requests.filter((r) => (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(req: SeenRequest): Promise<Reply> {
    const queue = this.queued.get(req.path);
    if (queue && queue.length) return queue.shift()!;
    const route = this.routes.find((r) => (typeof r.match === 'string' ? r.match === req.path : r.match.test(req.path)));
    if (!route) return { status: 404, json: { error: `no route for ${req.path}` } };
    return route.handler(req);
  }
}

/** A recorded response body from fixtures/. */
export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
}

/** Epoch seconds of an ISO time. */
export const at = (iso: string): number => Date.parse(iso) / 1000;
