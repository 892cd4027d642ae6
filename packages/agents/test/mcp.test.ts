import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { openaiCompatible, runAgent, ToolExecutor, type Tool } from '../src/index.js';
import { connectMcp, type McpToolSource } from '../src/mcp/index.js';
import { createServer, state } from './fixtures/mcp-server.mjs';
import * as O from './support/openai-wire.js';
import { startWireServer, type WireServer } from './support/wire-server.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/mcp-server.mjs', import.meta.url));
const stdio = { name: 'files', command: process.execPath, args: [FIXTURE] };

let source: McpToolSource | undefined;
let http: Server | undefined;
let wire: WireServer | undefined;
afterEach(async () => {
  await source?.close();
  source = undefined;
  http?.closeAllConnections();
  await new Promise((r) => (http ? http.close(r) : r(undefined)));
  http = undefined;
  await wire?.close();
  wire = undefined;
});

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const stats = async (ex: ToolExecutor) => {
  const r = await ex.run({ id: 's', name: 'stats', args: {} });
  if (!r.ok) throw new Error(JSON.stringify(r));
  return JSON.parse(r.output as string) as { maxInFlight: number; pid: number };
};

/** A stateless streamable-HTTP MCP server on `port` (0: any). */
async function serveHttp(port = 0): Promise<number> {
  http = createHttpServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const server = createServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close().then(() => server.close()));
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((r) => http!.listen(port, '127.0.0.1', r));
  return (http.address() as AddressInfo).port;
}

describe('MCP tools over stdio', () => {
  it('turns the server tools into Verdant tools with its JSON Schemas, runs them in parallel under the concurrency cap', async () => {
    source = await connectMcp(stdio, { limits: (name) => (name === 'read_file' ? { concurrency: 2 } : {}) });
    expect(source.tools.map((t) => t.name).sort()).toEqual(['add_tool', 'block', 'crash', 'read_file', 'stats']);
    const read = source.tools.find((t) => t.name === 'read_file')!;
    expect(read.inputJsonSchema).toMatchObject({ type: 'object', properties: { path: { type: 'string' } }, required: ['path'] });
    expect(read.limits).toEqual({ concurrency: 2 });

    const ex = new ToolExecutor(source.tools);
    const paths = ['/notes.txt', '/todo.txt', '/notes.txt', '/todo.txt', '/notes.txt', '/missing.txt'];
    const results = await Promise.all(paths.map((path, i) => ex.run({ id: `r${i}`, name: 'read_file', args: { path } })));
    expect(results.map((r) => (r.ok ? r.output : r.error))).toEqual([
      'hello', 'write tests', 'hello', 'write tests', 'hello', { kind: 'execution', message: 'no such file: /missing.txt' },
    ]);
    expect((await stats(ex)).maxInFlight).toBe(2);
    // Validation happens here, before the server is asked.
    expect(await ex.run({ id: 'v', name: 'read_file', args: { path: '/a', mode: 'r' } })).toMatchObject({ ok: false, error: { kind: 'validation', message: expect.stringContaining('unknown argument "mode"') } });
  });

  it('a server that dies mid-call gives the model an unavailable error; the next call starts it again', async () => {
    source = await connectMcp(stdio);
    wire = await startWireServer([
      { sse: O.callsAnswer([{ id: 'c1', name: 'crash', args: {} }]) },
      { sse: O.callsAnswer([{ id: 'c2', name: 'read_file', args: { path: '/notes.txt' } }]) },
      { sse: O.textAnswer('ok') },
    ]);
    const pidBefore = (await stats(new ToolExecutor(source.tools))).pid;
    const model = openaiCompatible({ baseUrl: `${wire.url}/v1`, model: 'm', retries: { maxAttempts: 1 } });
    const result = await runAgent({ model, tools: source.tools, messages: [{ role: 'user', content: 'x' }] }).result;
    const [crash] = result.steps[0]!.toolResults;
    expect(crash).toMatchObject({ ok: false, error: { kind: 'unavailable', message: expect.stringContaining('MCP server files went away during the call to crash') } });
    const toModel = wire.requests[1]!.body.messages.find((m: { role: string }) => m.role === 'tool');
    expect(toModel.content).toMatch(/^unavailable: MCP server files went away/);
    expect(result.steps[1]!.toolResults[0]).toMatchObject({ ok: true, output: 'hello' });
    expect(source.connections).toBe(2);
    expect((await stats(new ToolExecutor(source.tools))).pid).not.toBe(pidBefore);
  });

  it('applies the tool limits to MCP calls: a timeout cancels the call and the connection stays usable', async () => {
    source = await connectMcp(stdio, { limits: (name) => (name === 'block' ? { timeoutMs: 200 } : {}) });
    const ex = new ToolExecutor(source.tools);
    expect(await ex.run({ id: 't', name: 'block', args: {} })).toMatchObject({ ok: false, error: { kind: 'timeout' } });
    expect(await ex.run({ id: 'r', name: 'read_file', args: { path: '/notes.txt' } })).toMatchObject({ ok: true, output: 'hello' });
    expect(source.connections).toBe(1);
  });

  it('follows tools/list_changed: the new tool appears in tools and onToolsChanged is told', async () => {
    const changes: Tool[][] = [];
    source = await connectMcp(stdio, { prefix: 'fs.', onToolsChanged: (tools) => changes.push(tools) });
    expect(source.tools.map((t) => t.name)).toContain('fs_read_file'); // "." is not allowed in vendor tool names
    const r = await new ToolExecutor(source.tools).run({ id: 'a', name: 'fs_add_tool', args: { name: 'fresh' } });
    expect(r).toMatchObject({ ok: true });
    await until(() => source!.tools.some((t) => t.name === 'fs_fresh'), 'the new tool');
    expect(changes.at(-1)!.map((t) => t.name)).toContain('fs_fresh');
    expect(await new ToolExecutor(source.tools).run({ id: 'b', name: 'fs_fresh', args: {} })).toMatchObject({ ok: true, output: 'fresh' });
  });

  it('refuses a bad server spec before starting anything, and names a command that cannot start', async () => {
    await expect(connectMcp({ name: 'x' } as never)).rejects.toThrow(/neither command nor url/);
    await expect(connectMcp({ name: 'x', url: 'not a url' })).rejects.toThrow(/is not a URL/);
    await expect(connectMcp({ name: 'ghost', command: '/nonexistent/mcp-server' })).rejects.toThrow(/cannot connect to MCP server ghost/);
  });
});

describe('MCP tools over streamable HTTP', () => {
  it('calls the tools; a server that stops mid-call gives an unavailable error and the next call reconnects', async () => {
    const port = await serveHttp();
    source = await connectMcp({ name: 'web', url: `http://127.0.0.1:${port}/mcp` });
    const ex = new ToolExecutor(source.tools);
    expect(await ex.run({ id: '1', name: 'read_file', args: { path: '/todo.txt' } })).toMatchObject({ ok: true, output: 'write tests' });

    const blockedBefore = state.blocked;
    const inFlight = ex.run({ id: '2', name: 'block', args: {} });
    await until(() => state.blocked > blockedBefore, 'the call to reach the server'); // it never answers
    http!.closeAllConnections();
    await new Promise((r) => http!.close(r));
    expect(await inFlight).toMatchObject({ ok: false, error: { kind: 'unavailable' } });

    await serveHttp(port);
    expect(await ex.run({ id: '3', name: 'read_file', args: { path: '/notes.txt' } })).toMatchObject({ ok: true, output: 'hello' });
    expect(source.connections).toBe(2);
  });
});
