/**
 * Tools from Model Context Protocol servers, through the official SDK's client: a stdio server (a child
 * process) or a streamable-HTTP server. Each MCP tool becomes a Verdant tool (its JSON Schema validated with
 * ajv and sent to the model as the server gave it) with the limits given here, enforced by the executor.
 *
 * Connection lifecycle: connected once by connectMcp; when the server goes away (the process exits, the HTTP
 * server stops) the call in flight fails with a ToolUnavailableError (`unavailable` for the model) and the
 * next call connects again (a stdio server is started again). `notifications/tools/list_changed` refreshes
 * the tool list: `tools` then holds the new list (for the next run) and `onToolsChanged` is told.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { invalidInput, VerdantError, type Logger } from '@verdant/core';
import { ToolUnavailableError } from '../errors.js';
import { tool } from '../tool.js';
import type { UnknownArgsPolicy } from '../schema/args.js';
import type { Tool, ToolContext, ToolLimits } from '../types.js';

/** An MCP server started as a child process, spoken to over its stdin/stdout. */
export interface McpStdioServer {
  /** Names the server in errors and (with `prefix`) in tool names. */
  name: string;
  command: string;
  args?: string[];
  /** Environment of the child (default: the SDK's safe subset of this process's environment). */
  env?: Record<string, string>;
  cwd?: string;
}

/** An MCP server reached over streamable HTTP. */
export interface McpHttpServer {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

export type McpServer = McpStdioServer | McpHttpServer;

export interface McpToolsOptions {
  /** Limits of every tool of this server, or a function giving each tool's (by its MCP name). */
  limits?: ToolLimits | ((mcpToolName: string) => ToolLimits);
  /** Prefix of the Verdant tool names, e.g. "fs_" (default none). Characters vendors refuse become "_". */
  prefix?: string;
  unknownArgs?: UnknownArgsPolicy;
  coerce?: boolean;
  /** Told when the server's tool list changed (after `tools` was refreshed). */
  onToolsChanged?: (tools: Tool[]) => void;
  logger?: Logger;
}

/** A connected MCP server: its tools as Verdant tools. */
export interface McpToolSource {
  readonly server: McpServer;
  /** The server's tools, refreshed on list changes and reconnects. */
  readonly tools: Tool[];
  /** MCP tools that could not become Verdant tools, with the reason (e.g. a schema draft ajv cannot read). */
  readonly skipped: Array<{ name: string; reason: string }>;
  /** Connections made so far (1 after connectMcp; more after the server went away and came back). */
  readonly connections: number;
  /** Re-reads the tool list. */
  refresh(): Promise<Tool[]>;
  close(): Promise<void>;
}

const CLIENT_INFO = { name: 'verdant-agents', version: '0.1.0' };
/** A broken stream is not resumed: the call fails as unavailable and the tool's own retries (if any) decide. */
const NO_RESUME = { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 };
const VENDOR_NAME = /[^a-zA-Z0-9_-]/g;
/** The streamable-HTTP transport's errors for a response stream that broke (see onerror below). */
const STREAM_LOST = /^(SSE stream disconnected|Failed to reconnect|Maximum reconnection attempts)/;

/** Connects to an MCP server and lists its tools. Fails (a VerdantError naming the server) when it cannot. */
export async function connectMcp(server: McpServer, options: McpToolsOptions = {}): Promise<McpToolSource> {
  validateServer(server);
  const source = new Source(server, options);
  await source.connect();
  return source;
}

class Source implements McpToolSource {
  tools: Tool[] = [];
  skipped: Array<{ name: string; reason: string }> = [];
  connections = 0;
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private closed = false;

  constructor(
    readonly server: McpServer,
    private readonly options: McpToolsOptions,
  ) {}

  /** The live client, connecting first when there is none (concurrent callers share one connection attempt). */
  async connect(): Promise<Client> {
    if (this.closed) throw new ToolUnavailableError(`MCP server ${this.server.name} was closed`, { fix: 'connect it again with connectMcp' });
    if (this.client) return this.client;
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const client = new Client(CLIENT_INFO, {
      capabilities: {},
      listChanged: {
        tools: {
          onChanged: (error, tools) => {
            if (error || !tools) return void this.options.logger?.warn({ server: this.server.name, err: error }, 'MCP tool list refresh failed');
            this.setTools(tools);
            this.options.onToolsChanged?.(this.tools);
          },
        },
      },
    });
    const transport =
      'command' in this.server
        ? new StdioClientTransport({ command: this.server.command, args: this.server.args, env: this.server.env, cwd: this.server.cwd, stderr: 'ignore' })
        : new StreamableHTTPClientTransport(new URL(this.server.url), { requestInit: { headers: this.server.headers }, reconnectionOptions: NO_RESUME });
    client.onclose = () => {
      if (this.client === client) this.client = undefined;
    };
    // The SDK leaves a request pending forever when its HTTP response stream breaks and cannot be resumed: the
    // connection is closed then, which fails the pending requests (ConnectionClosed) and makes the next call reconnect.
    client.onerror = (error) => {
      if (STREAM_LOST.test(error.message)) {
        if (this.client === client) this.client = undefined;
        void client.close().catch(() => undefined);
      }
    };
    try {
      await client.connect(transport);
      const { tools } = await client.listTools();
      this.setTools(tools);
    } catch (cause) {
      await client.close().catch(() => undefined);
      throw new ToolUnavailableError(`cannot connect to MCP server ${this.server.name}: ${messageOf(cause)}`, {
        cause,
        fix: 'command' in this.server ? 'check the command and its arguments; run it by hand to see its errors' : 'check the URL and that the server is running',
      });
    }
    this.connections += 1;
    this.client = client;
    return client;
  }

  async refresh(): Promise<Tool[]> {
    const client = await this.connect();
    this.setTools((await client.listTools()).tools);
    return this.tools;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  private setTools(list: McpTool[]): void {
    const tools: Tool[] = [];
    const skipped: Array<{ name: string; reason: string }> = [];
    for (const t of list) {
      try {
        tools.push(this.toVerdantTool(t));
      } catch (error) {
        skipped.push({ name: t.name, reason: messageOf(error) });
        this.options.logger?.warn({ server: this.server.name, tool: t.name, err: error }, 'MCP tool skipped');
      }
    }
    this.tools = tools;
    this.skipped = skipped;
  }

  private toVerdantTool(t: McpTool): Tool {
    const limits = typeof this.options.limits === 'function' ? this.options.limits(t.name) : this.options.limits;
    const name = `${this.options.prefix ?? ''}${t.name}`.replace(VENDOR_NAME, '_').slice(0, 64);
    return tool({
      name,
      description: t.description ?? t.title ?? '',
      inputSchema: t.inputSchema as Record<string, unknown>,
      limits,
      unknownArgs: this.options.unknownArgs,
      coerce: this.options.coerce,
      execute: (args: Record<string, unknown>, ctx: ToolContext) => this.call(t.name, args, ctx),
    });
  }

  /** One call: a tool error (isError) throws its text; the server going away throws ToolUnavailableError and drops the client. */
  private async call(mcpName: string, args: Record<string, unknown>, ctx: ToolContext): Promise<unknown> {
    const client = await this.connect();
    let result: Awaited<ReturnType<Client['callTool']>>;
    try {
      // The executor's limits own the timeout (limits.timeoutMs fires ctx.signal); the SDK's own 60 s default is lifted.
      result = await client.callTool({ name: mcpName, arguments: args }, undefined, { signal: ctx.signal, timeout: 2 ** 31 - 1 });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed && error.code !== ErrorCode.RequestTimeout) {
        throw new VerdantError(`MCP server ${this.server.name} refused the call to ${mcpName}: ${error.message}`);
      }
      // The connection is gone (the process died, the HTTP server stopped): the next call connects again.
      if (this.client === client) this.client = undefined;
      await client.close().catch(() => undefined);
      throw new ToolUnavailableError(`MCP server ${this.server.name} went away during the call to ${mcpName} (${messageOf(error)}); the next call reconnects`, { cause: error });
    }
    if (result.isError) throw new Error(textOf(result.content) || `MCP tool ${mcpName} reported an error`);
    if (result.structuredContent !== undefined) return result.structuredContent;
    const content = result.content as Array<{ type: string; text?: string }> | undefined;
    return content && content.every((c) => c.type === 'text') ? textOf(content) : content;
  }
}

function validateServer(server: McpServer): void {
  if (typeof server !== 'object' || server === null) throw invalidInput('server', `must be an object, got ${String(server)}`, 'give { name, command, args } or { name, url }');
  if (typeof server.name !== 'string' || server.name === '') throw invalidInput('server.name', 'is missing', 'name the server, e.g. "files"');
  const hasCommand = 'command' in server && typeof server.command === 'string' && server.command !== '';
  const hasUrl = 'url' in server && typeof server.url === 'string';
  if (hasCommand === hasUrl) {
    throw invalidInput(`server ${server.name}`, hasCommand ? 'has both command and url' : 'has neither command nor url', 'give command (stdio) or url (streamable HTTP)');
  }
  if (hasUrl) {
    let url: URL;
    try {
      url = new URL((server as McpHttpServer).url);
    } catch {
      throw invalidInput(`server ${server.name}: url`, `"${(server as McpHttpServer).url}" is not a URL`, 'give an absolute http(s) URL, e.g. http://127.0.0.1:3000/mcp');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidInput(`server ${server.name}: url`, `must be http(s), got ${url.protocol}`);
  }
}

function textOf(content: unknown): string {
  return Array.isArray(content)
    ? content
        .flatMap((c: { type?: string; text?: string }) => (c.type === 'text' && typeof c.text === 'string' ? [c.text] : []))
        .join('\n')
    : '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
