import { request, type ClientRequest } from 'node:http';

export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

export interface SseClient {
  status: Promise<number>;
  headers: Promise<Record<string, string | string[] | undefined>>;
  events: SseEvent[];
  /** Whether the server has ended the response. */
  ended: () => boolean;
  /** Waits (polling, up to `timeoutMs`) until `test` holds for the events so far; returns them. */
  until: (test: (events: SseEvent[]) => boolean, timeoutMs?: number) => Promise<SseEvent[]>;
  close: () => void;
}

/** Reads a Server-Sent Events stream over real HTTP, as a browser's fetch() reader does (headers of our own). */
export function sse(port: number, path: string, headers: Record<string, string> = {}): SseClient {
  const events: SseEvent[] = [];
  let ended = false;
  let req: ClientRequest;
  let resolveHeaders!: (h: Record<string, string | string[] | undefined>) => void;
  const headersP = new Promise<Record<string, string | string[] | undefined>>((r) => (resolveHeaders = r));
  const status = new Promise<number>((resolve, reject) => {
    req = request({ host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      resolve(res.statusCode ?? 0);
      resolveHeaders(res.headers);
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const e: { event: string; id?: string; data: string[] } = { event: 'message', data: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const [k, ...rest] = line.split(':');
            const v = rest.join(':').replace(/^ /, '');
            if (k === 'event') e.event = v;
            else if (k === 'id') e.id = v;
            else if (k === 'data') e.data.push(v);
          }
          if (e.data.length) {
            const text = e.data.join('\n');
            let data: unknown = text;
            try {
              data = JSON.parse(text);
            } catch {
              /* keep the text */
            }
            events.push({ event: e.event, ...(e.id !== undefined ? { id: e.id } : {}), data });
          }
        }
      });
      res.on('end', () => (ended = true));
      res.on('close', () => (ended = true));
    });
    req.on('error', (err) => {
      ended = true;
      reject(err);
    });
    req.end();
  });
  status.catch(() => undefined);
  return {
    status,
    headers: headersP,
    events,
    ended: () => ended,
    until: async (test, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!test(events)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for SSE events; got ${JSON.stringify(events.map((e) => e.event))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return events;
    },
    close: () => req.destroy(),
  };
}

/** Polls `test` every 25 ms until it holds or `timeoutMs` passes. */
export async function waitFor(test: () => boolean, timeoutMs = 20_000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
