import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VerdantError } from '@verdant/core';
import { tool, toToolDefinition } from '../src/index.js';

describe('tool()', () => {
  it('derives the JSON Schema the model sees from the zod schema', () => {
    const t = tool({
      name: 'search',
      description: 'Search the docs',
      input: z.object({ query: z.string().describe('what to look for'), limit: z.number().int().min(1).default(5) }),
      execute: ({ query, limit }) => `${query}:${limit}`,
    });
    const def = toToolDefinition(t);
    expect(def.name).toBe('search');
    expect(def.inputSchema).toMatchObject({
      type: 'object',
      properties: { query: { type: 'string', description: 'what to look for' }, limit: { type: 'integer', minimum: 1, default: 5 } },
      required: ['query'],
    });
    expect(def.inputSchema).not.toHaveProperty('$schema');
  });

  it('rejects names the vendors refuse, non-object inputs and bad limits, naming the field', () => {
    const input = z.object({});
    const execute = () => null;
    expect(() => tool({ name: 'has space', description: '', input, execute })).toThrow(VerdantError);
    try {
      tool({ name: 'ok', description: '', input: z.string(), execute });
      expect.unreachable();
    } catch (e) {
      expect((e as VerdantError).field).toBe('tool ok: input');
    }
    try {
      tool({ name: 'ok', description: '', input, execute, limits: { rate: { limit: 0, intervalMs: 1000 } } });
      expect.unreachable();
    } catch (e) {
      expect((e as VerdantError).field).toBe('tool ok: limits.rate.limit');
    }
    expect(() => tool({ name: 'ok', description: '', input, execute, limits: { timeoutMs: -1 } })).toThrow(/must be a finite number > 0/);
  });
});
