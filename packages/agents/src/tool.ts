import { z } from 'zod';
import { invalidInput } from '@verdant/core';
import type { Tool, ToolContext, ToolDefinition, ToolLimits } from './types.js';

export interface ToolSpec<Schema extends z.ZodType, Output> {
  name: string;
  description: string;
  input: Schema;
  execute(args: z.output<Schema>, ctx: ToolContext): Promise<Output> | Output;
  limits?: ToolLimits;
}

// Both vendors accept names matching this (OpenAI: ^[a-zA-Z0-9_-]{1,64}$; Anthropic: the same).
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Define a tool: its zod schema validates the model's arguments and becomes the JSON Schema the model sees. */
export function tool<Schema extends z.ZodType, Output>(spec: ToolSpec<Schema, Output>): Tool<z.output<Schema>, Output> {
  if (!TOOL_NAME.test(spec.name)) {
    throw invalidInput('tool.name', `"${spec.name}" is not a valid tool name`, 'use 1-64 letters, digits, "_" or "-"');
  }
  const limits = validateLimits(spec.name, spec.limits ?? {});
  return {
    name: spec.name,
    description: spec.description,
    input: spec.input as z.ZodType<z.output<Schema>>,
    inputJsonSchema: toModelJsonSchema(spec.name, spec.input),
    limits,
    execute: spec.execute,
  };
}

export function toToolDefinition(t: Tool): ToolDefinition {
  return { name: t.name, description: t.description, inputSchema: t.inputJsonSchema };
}

function toModelJsonSchema(name: string, schema: z.ZodType): Record<string, unknown> {
  let json: Record<string, unknown>;
  try {
    // "input" describes what the model must send (defaults become optional); $schema is noise to vendors.
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
  } catch (cause) {
    throw invalidInput(`tool ${name}: input`, `the schema cannot be expressed as JSON Schema (${String(cause)})`,
      'use JSON-representable zod types (no functions, dates as strings, no transforms on the input)');
  }
  const { $schema: _ignored, ...rest } = json;
  if (rest.type !== 'object') {
    throw invalidInput(`tool ${name}: input`, 'the input schema must be a z.object(...)', 'wrap the arguments in z.object({...})');
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
