import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

export interface RawRequest {
  method?: string;
  path: string;
  /** Sent exactly as given; `host` replaces the one node would set (fetch cannot set Host). */
  headers?: Record<string, string>;
  /** Send no Host header at all. */
  noHost?: boolean;
  body?: string | object;
}

/** Listens on an ephemeral loopback port; returns the port. */
export async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** One real HTTP/1.1 request to 127.0.0.1:port with explicit headers (node:http, so Host can be anything). */
export function send(port: number, r: RawRequest): Promise<RawResponse> {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let payload: string | undefined;
  if (r.body !== undefined) {
    payload = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const custom = r.noHost || Object.keys(headers).some((k) => k.toLowerCase() === 'host');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: r.method ?? 'GET', path: r.path, headers, setHost: !custom }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
