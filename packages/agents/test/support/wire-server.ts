/**
 * A local HTTP server (127.0.0.1, port 0) scripted per test: each request gets the next scripted response,
 * which is an HTTP error, a JSON body or an SSE stream written step by step (events, pauses, raw byte
 * chunks, a destroyed socket). Every request is recorded with its headers and parsed JSON body.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SseStep =
  | { event?: string; data: unknown }
  | { wait: number }
  | { raw: string | Uint8Array }
  | { destroy: true }
  | { until: Promise<unknown> }
  /** Runs a function at this point of the stream (e.g. to record when a later part is about to be sent). */
  | { call: () => void };

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** JSON body (for errors); ignored when `sse` is set. */
  json?: unknown;
  sse?: SseStep[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** performance.now() when the request arrived. */
  at: number;
}

export interface WireServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startWireServer(responses: ScriptedResponse[]): Promise<WireServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined, at: performance.now() });
      const scripted = responses[requests.length - 1] ?? { status: 500, json: { error: { message: 'no scripted response left' } } };
      void respond(res, scripted);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function respond(res: ServerResponse, scripted: ScriptedResponse): Promise<void> {
  if (!scripted.sse) {
    res.writeHead(scripted.status ?? 200, { 'content-type': 'application/json', ...scripted.headers });
    res.end(JSON.stringify(scripted.json ?? {}));
    return;
  }
  res.writeHead(scripted.status ?? 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...scripted.headers });
  res.flushHeaders();
  for (const step of scripted.sse) {
    if (res.destroyed) return;
    if ('wait' in step) await new Promise((r) => setTimeout(r, step.wait));
    else if ('until' in step) await step.until;
    else if ('call' in step) step.call();
    else if ('destroy' in step) {
      res.socket?.destroy();
      return;
    } else if ('raw' in step) {
      await write(res, step.raw);
    } else {
      const data = typeof step.data === 'string' ? step.data : JSON.stringify(step.data);
      await write(res, `${step.event ? `event: ${step.event}\n` : ''}data: ${data}\n\n`);
    }
  }
  res.end();
}

function write(res: ServerResponse, chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    res.write(chunk, () => resolve());
  });
}

/**
 * The SSE text of one event, as two raw byte chunks split inside the UTF-8 bytes of `char` (its first
 * occurrence), so the client receives half a character at the end of a chunk.
 */
export function splitInsideCharacter(sseText: string, char: string): [SseStep, SseStep] {
  const bytes = Buffer.from(sseText, 'utf8');
  const at = bytes.indexOf(Buffer.from(char, 'utf8'));
  if (at < 0 || Buffer.byteLength(char) < 2) throw new Error(`"${char}" is not a multi-byte character of the text`);
  return [{ raw: bytes.subarray(0, at + 1) }, { raw: bytes.subarray(at + 1) }];
}

export function sseText(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
