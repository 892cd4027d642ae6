/**
 * Repair of malformed tool calls: arguments that are not JSON, a tool name that does not exist, arguments
 * the schema rejects. The agent loop gives such a call to a repair hook once; what the hook returns is run
 * in its place (under the model's call id), and both calls appear in the event stream.
 */
import type { Message, ModelAdapter, ToolCall, ToolDefinition, ToolErrorKind } from './types.js';

/** The failures a repair hook is asked about. */
export type RepairableErrorKind = Extract<ToolErrorKind, 'invalid-json' | 'unknown-tool' | 'validation'>;
export const REPAIRABLE_KINDS: ReadonlySet<ToolErrorKind> = new Set<RepairableErrorKind>(['invalid-json', 'unknown-tool', 'validation']);

export interface RepairRequest {
  /** The call as the model made it (`args` is undefined when they were not JSON). */
  call: ToolCall;
  /** The argument text as the model sent it, when known. */
  rawArgs?: string;
  error: { kind: RepairableErrorKind; message: string };
  /** Every tool the model was offered, with its JSON Schema. */
  tools: ToolDefinition[];
  /** The conversation up to the turn that made the call. */
  messages: readonly Message[];
  signal: AbortSignal;
}

/** Returns the call to run instead ({ name, args }), or undefined to give up (the original error goes to the model). */
export type RepairToolCall = (request: RepairRequest) => Promise<RepairedCall | undefined> | RepairedCall | undefined;

export interface RepairedCall {
  name: string;
  args: unknown;
}

export interface RepairWithModelOptions {
  /** Tokens for the repair answer (default 1024). */
  maxTokens?: number;
}

/**
 * A repair hook that asks a model (often the same one) to re-issue the call: it is shown the failed call, the
 * error and the tools, and must answer with one tool call. Gives up when the answer holds none or it is not JSON.
 */
export function repairWithModel(model: ModelAdapter, options: RepairWithModelOptions = {}): RepairToolCall {
  return async ({ call, rawArgs, error, tools, signal }) => {
    const sent = rawArgs ?? JSON.stringify(call.args) ?? '';
    const prompt = [
      `A call to the tool "${call.name}" failed before it ran (${error.kind}).`,
      `Arguments sent: ${sent}`,
      `Error: ${error.message}`,
      'Make the intended call again with a tool that exists and arguments that match its schema exactly. Answer with that one tool call only.',
    ].join('\n');
    for await (const event of model.stream({ messages: [{ role: 'user', content: prompt }], tools, signal, maxTokens: options.maxTokens ?? 1024, temperature: 0 })) {
      if (event.type === 'tool-call-complete') return event.argsError === undefined ? { name: event.name, args: event.args } : undefined;
    }
    return undefined;
  };
}

/** A hook's answer, checked: undefined unless it names a tool with a string. */
export function checkRepaired(value: unknown): RepairedCall | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, args } = value as { name?: unknown; args?: unknown };
  return typeof name === 'string' && name !== '' ? { name, args } : undefined;
}
