import { z } from 'zod';
import { invalidInput } from '@verdant/core';
import { normalizeArgs, type UnknownArg, type UnknownArgsPolicy } from './schema/args.js';
import { ACCEPTED_INPUT_SCHEMAS, compileJsonSchema, formatAjvErrors } from './schema/json-schema.js';
import type { ParsedArgs, Tool, ToolContext, ToolDefinition, ToolLimits } from './types.js';

/** A JSON Schema object (draft 2020-12 or draft-07) describing a tool's arguments. */
export type JsonSchemaObject = Record<string, unknown>;

interface ToolSpecBase {
  name: string;
  description: string;
  limits?: ToolLimits;
  /** A key the schema does not declare: 'reject' (default) sends the model an error naming it; 'strip' drops it and emits an event. */
  unknownArgs?: UnknownArgsPolicy;
  /** Convert "5" to 5 (and "true" to true) where the schema says number/integer (boolean). Default false. */
  coerce?: boolean;
}

/** A tool whose arguments are described by a zod object schema (`input`, or `inputSchema`). */
export interface ToolSpec<Schema extends z.ZodType, Output> extends ToolSpecBase {
  input: Schema;
  execute(args: z.output<Schema>, ctx: ToolContext): Promise<Output> | Output;
}

export interface ZodInputSchemaToolSpec<Schema extends z.ZodType, Output> extends ToolSpecBase {
  inputSchema: Schema;
  execute(args: z.output<Schema>, ctx: ToolContext): Promise<Output> | Output;
}

/** A tool whose arguments are described by a JSON Schema, validated with ajv and sent to the model unchanged. */
export interface JsonSchemaToolSpec<Args, Output> extends ToolSpecBase {
  inputSchema: JsonSchemaObject;
  execute(args: Args, ctx: ToolContext): Promise<Output> | Output;
}

// Both vendors accept names matching this (OpenAI: ^[a-zA-Z0-9_-]{1,64}$; Anthropic: the same).
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Define a tool. Its arguments are described by a zod object schema (`input` or `inputSchema`; its JSON
 * Schema is what the model sees) or by a JSON Schema (`inputSchema`, draft 2020-12 or draft-07; validated
 * with ajv and sent to the model as given).
 */
export function tool<Schema extends z.ZodType, Output>(spec: ToolSpec<Schema, Output>): Tool<z.output<Schema>, Output>;
export function tool<Schema extends z.ZodType, Output>(spec: ZodInputSchemaToolSpec<Schema, Output>): Tool<z.output<Schema>, Output>;
export function tool<Args = Record<string, any>, Output = unknown>(spec: JsonSchemaToolSpec<Args, Output>): Tool<Args, Output>;
export function tool(spec: ToolSpecBase & { input?: unknown; inputSchema?: unknown; execute: Tool['execute'] }): Tool {
  if (!TOOL_NAME.test(spec.name)) {
    throw invalidInput('tool.name', `"${spec.name}" is not a valid tool name`, 'use 1-64 letters, digits, "_" or "-"');
  }
  const limits = validateLimits(spec.name, spec.limits ?? {});
  const unknownArgs = spec.unknownArgs ?? 'reject';
  if (unknownArgs !== 'reject' && unknownArgs !== 'strip') {
    throw invalidInput(`tool ${spec.name}: unknownArgs`, `must be "reject" or "strip", got ${JSON.stringify(unknownArgs)}`, 'leave it out to reject unknown keys');
  }
  const coerce = spec.coerce ?? false;
  if (typeof coerce !== 'boolean') throw invalidInput(`tool ${spec.name}: coerce`, `must be true or false, got ${JSON.stringify(coerce)}`);
  if (spec.input !== undefined && spec.inputSchema !== undefined) {
    throw invalidInput(`tool ${spec.name}: input`, 'both input and inputSchema are given', 'give one of them');
  }
  const field = spec.input !== undefined ? 'input' : 'inputSchema';
  const given = spec.input ?? spec.inputSchema;
  const policy = { unknownArgs, coerce };
  const base = { name: spec.name, description: spec.description, unknownArgs, coerce, limits, execute: spec.execute };

  if (isZodSchema(given)) {
    const jsonSchema = toModelJsonSchema(spec.name, field, given);
    return {
      ...base,
      input: given,
      inputJsonSchema: jsonSchema,
      parseArgs: (args) => {
        const normalized = normalizeArgs(jsonSchema, args, policy);
        if (unknownArgs === 'reject' && normalized.unknown.length > 0) return unknownKeysError(spec.name, normalized.unknown);
        const parsed = given.safeParse(normalized.value);
        if (!parsed.success) return { ok: false, message: `invalid arguments for ${spec.name}:\n${z.prettifyError(parsed.error)}`, unknownKeys: [] };
        return { ok: true, value: parsed.data, stripped: normalized.unknown.map((u) => u.path) };
      },
    };
  }
  const schemaField = `tool ${spec.name}: ${field}`;
  if (field === 'input' && isJsonSchemaObject(given)) {
    throw invalidInput(schemaField, 'got a plain object; input takes a zod schema', 'pass a JSON Schema as inputSchema instead of input');
  }
  if (!isJsonSchemaObject(given)) throw invalidInput(schemaField, `got ${describeValue(given)}`, `give ${ACCEPTED_INPUT_SCHEMAS}`);
  if (given.type !== 'object') {
    throw invalidInput(schemaField, `the JSON Schema's "type" is ${JSON.stringify(given.type)}; the arguments of a tool call are an object`,
      'set "type": "object" and describe the arguments under "properties"');
  }
  const { validate } = compileJsonSchema(schemaField, given);
  return {
    ...base,
    inputJsonSchema: given,
    parseArgs: (args): ParsedArgs => {
      const normalized = normalizeArgs(given, args, policy);
      if (unknownArgs === 'reject' && normalized.unknown.length > 0) return unknownKeysError(spec.name, normalized.unknown);
      const value = normalized.value; // ajv runs without useDefaults/removeAdditional: it never modifies the value
      if (!validate(value)) return { ok: false, message: `invalid arguments for ${spec.name}:\n${formatAjvErrors(validate.errors)}`, unknownKeys: [] };
      return { ok: true, value, stripped: normalized.unknown.map((u) => u.path) };
    },
  };
}

function unknownKeysError(name: string, unknown: UnknownArg[]): ParsedArgs {
  const lines = unknown.map((u) => `✖ unknown argument "${u.path}"; ${u.known.length > 0 ? `expected only: ${u.known.join(', ')}` : 'that object takes no keys'}`);
  return { ok: false, message: `invalid arguments for ${name}:\n${lines.join('\n')}`, unknownKeys: unknown.map((u) => u.path) };
}

/** A zod (v4) schema. zod 3 schemas lack `_zod` and are refused by name. */
function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

function isJsonSchemaObject(value: unknown): value is JsonSchemaObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && !('_def' in value) && !Object.values(value).some(isZodSchema);
}

/** What the caller gave, in words: enough to see the mistake. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (neither input nor inputSchema is set)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    if ('_def' in value) return 'a zod 3 schema (only zod 4 schemas carry the JSON Schema conversion this needs)';
    if (Object.values(value).some(isZodSchema)) return `an object of zod schemas (${Object.keys(value).join(', ')}), not a schema: wrap it in z.object({...})`;
    const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
    return `an instance of ${ctor ?? 'an unknown class'}`;
  }
  return `a ${typeof value} (${JSON.stringify(value) ?? String(value)})`;
}

export function toToolDefinition(t: Tool): ToolDefinition {
  return { name: t.name, description: t.description, inputSchema: t.inputJsonSchema };
}

function toModelJsonSchema(name: string, field: string, schema: z.ZodType): Record<string, unknown> {
  let json: Record<string, unknown>;
  try {
    // "input" describes what the model must send (defaults become optional); $schema is noise to vendors.
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
  } catch (cause) {
    throw invalidInput(`tool ${name}: ${field}`, `the schema cannot be expressed as JSON Schema (${String(cause)})`,
      'use JSON-representable zod types (no functions, dates as strings, no transforms on the input)');
  }
  const { $schema: _ignored, ...rest } = json;
  if (rest.type !== 'object') {
    throw invalidInput(`tool ${name}: ${field}`, 'the input schema must be a z.object(...)', 'wrap the arguments in z.object({...})');
  }
  return rest;
}

function validateLimits(name: string, limits: ToolLimits): ToolLimits {
  const field = (key: string) => `tool ${name}: limits.${key}`;
  const positiveInt = (key: string, v: number | undefined) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw invalidInput(field(key), `must be a whole number >= 1, got ${v}`);
  };
  const positive = (key: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw invalidInput(field(key), `must be a finite number > 0, got ${v}`);
  };
  positiveInt('concurrency', limits.concurrency);
  if (limits.rate) {
    positiveInt('rate.limit', limits.rate.limit);
    positive('rate.intervalMs', limits.rate.intervalMs);
  }
  positive('timeoutMs', limits.timeoutMs);
  if (limits.retries) {
    positiveInt('retries.maxAttempts', limits.retries.maxAttempts);
    positive('retries.baseDelayMs', limits.retries.baseDelayMs);
    positive('retries.maxDelayMs', limits.retries.maxDelayMs);
  }
  if (limits.circuitBreaker) {
    positiveInt('circuitBreaker.threshold', limits.circuitBreaker.threshold);
    positive('circuitBreaker.halfOpenAfterMs', limits.circuitBreaker.halfOpenAfterMs);
  }
  return limits;
}
