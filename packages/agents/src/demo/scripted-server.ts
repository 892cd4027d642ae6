import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep } from '../redis/sleep.js';

/** One piece of a scripted streamed reply. `delayMs` is waited before the piece is sent (token latency). */
export type ScriptedPiece =
  | { text: string; delayMs?: number }
  | { toolCall: { name: string; arguments: Record<string, unknown> }; delayMs?: number };

export interface ScriptedReply {
  pieces: ScriptedPiece[];
  /** Sent with the usage chunk (zeros when omitted). */
  usage?: { promptTokens: number; completionTokens: number };
}

/** What the script sees of a request: the wire body as the client sent it. */
export interface ScriptedRequest {
  model: string;
  messages: Array<{ role: string; content?: string | null; tool_calls?: unknown[]; tool_call_id?: string }>;
  tools?: Array<{ function: { name: string } }>;
}

export type Script = (request: ScriptedRequest, requestIndex: number) => ScriptedReply;

export interface ScriptedServer {
  /** Pass as `baseUrl` to `openaiCompatible`. */
  readonly baseUrl: string;
  /** Request bodies received so far, in order. */
  readonly requests: ScriptedRequest[];
  close(): Promise<void>;
}

/**
 * A local server speaking the OpenAI Chat Completions streaming protocol (SSE `chat.completion.chunk`s,
 * tool-call deltas by index, a usage chunk, `data: [DONE]`), answering each request from a script.
 */
export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const server = createServer((req, res) => {
    handle(req, res, script, requests).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: e instanceof Error ? e.message : String(e) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, script: Script, requests: ScriptedRequest[]): Promise<void> {
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
    return;
  }
  let raw = '';
  for await (const chunk of req) raw += String(chunk);
  const body = JSON.parse(raw) as ScriptedRequest;
  const index = requests.length;
  requests.push(body);
  const reply = script(body, index);

  let closed = false;
  res.on('close', () => (closed = true));
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const id = `chatcmpl-scripted-${index}`;
  const created = Math.floor(Date.now() / 1000);
  const send = (choice: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: choice ? [choice] : [], ...extra })}\n\n`);

  send({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null });
  let callIndex = 0;
  for (const piece of reply.pieces) {
    if (piece.delayMs) await sleep(piece.delayMs);
    if (closed) return;
    if ('text' in piece) {
      send({ index: 0, delta: { content: piece.text }, finish_reason: null });
      continue;
    }
    const args = JSON.stringify(piece.toolCall.arguments);
    const i = callIndex++;
    send({ index: 0, delta: { tool_calls: [{ index: i, id: `call_${index}_${i}`, type: 'function', function: { name: piece.toolCall.name, arguments: '' } }] }, finish_reason: null });
    // Arguments arrive in two fragments, as real vendors split them across chunks.
    const mid = Math.ceil(args.length / 2);
    send({ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: args.slice(0, mid) } }] }, finish_reason: null });
    send({ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: args.slice(mid) } }] }, finish_reason: null });
  }
  send({ index: 0, delta: {}, finish_reason: callIndex > 0 ? 'tool_calls' : 'stop' });
  const usage = reply.usage ?? { promptTokens: 0, completionTokens: 0 };
  send(undefined, {
    usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens },
  });
  res.end('data: [DONE]\n\n');
}
