/**
 * The Berkeley Function Calling Leaderboard's cases (a copy in test/fixtures/bfcl with its licence notice) through
 * `tool({ inputSchema })`: each case's function definitions become JSON Schema tools with no zod, and every
 * ground-truth call validates and runs, all calls of a case at once.
 *
 * The definitions are used as BFCL publishes them except for the two changes BFCL itself makes before any
 * model sees them (bfcl_eval's convert_to_tool): dots in names become underscores, and its type names that
 * JSON Schema lacks become the JSON Schema ones ("dict" -> "object", "float" -> "number", "tuple" -> "array",
 * "any" -> "string"). Descriptions, properties, required, enum, items and defaults are as given.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tool, toToolDefinition, ToolExecutor, type Tool } from '../src/index.js';

// A copy of the cases, with BFCL's licence notice, is in test/fixtures/bfcl; VERDANT_BFCL_DIR points at another.
const BFCL_DIR = process.env.VERDANT_BFCL_DIR ?? join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'bfcl');
const CATEGORIES = ['simple_python', 'multiple', 'parallel', 'parallel_multiple'] as const;
/** Cases whose ground truth breaks their own schema (the data README lists them). */
const BROKEN_GROUND_TRUTH = new Set(['parallel_multiple_21', 'parallel_multiple_26', 'parallel_multiple_94']);

const BFCL_TYPES: Record<string, string> = { dict: 'object', float: 'number', tuple: 'array', any: 'string' };

interface BfclFunction {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

function lines<T>(file: string): T[] {
  return readFileSync(join(BFCL_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** BFCL's own type-name mapping, applied recursively; nothing else is touched. */
function bfclToJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(bfclToJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'type' && typeof v === 'string') out[k] = BFCL_TYPES[v] ?? v;
    else if (k === 'properties' && typeof v === 'object' && v !== null) {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, bfclToJsonSchema(s)]));
    } else if (k === 'items') out[k] = bfclToJsonSchema(v);
    else out[k] = v;
  }
  return out;
}

type Schema = { properties?: Record<string, Schema>; required?: string[]; items?: Schema };

/**
 * A ground-truth call's arguments. Each parameter lists its accepted values, "" meaning "may be left out": an
 * optional parameter that may be left out is, otherwise its first other value is used; a dict-valued parameter
 * (alone or in a list) lists its own keys' accepted values the same way.
 */
function groundTruthArgs(params: Record<string, unknown[]>, schema: Schema | undefined): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [k, accepted] of Object.entries(params)) {
    if (accepted.includes('') && !schema?.required?.includes(k)) continue;
    const first = accepted.find((v) => v !== '');
    if (first !== undefined) args[k] = pick(first, schema?.properties?.[k]);
  }
  return args;
}

function pick(value: unknown, schema: Schema | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => pick(v, schema?.items));
  const nested = typeof value === 'object' && value !== null && Object.values(value).every(Array.isArray);
  return nested ? groundTruthArgs(value as Record<string, unknown[]>, schema) : value;
}

describe('BFCL cases through tool({ inputSchema })', () => {
  for (const category of CATEGORIES) {
    it(`${category}: every valid ground-truth call validates against the JSON Schema and runs, all calls of a case at once`, async () => {
      const cases = lines<{ id: string; function: BfclFunction[] }>(`${category}.json`);
      const answers = new Map(lines<{ id: string; ground_truth: Array<Record<string, Record<string, unknown[]>>> }>(`ans_${category}.json`).map((a) => [a.id, a.ground_truth]));
      let ran = 0;
      const broken: string[] = [];
      for (const c of cases) {
        const received: Array<{ name: string; args: unknown }> = [];
        const tools: Tool[] = c.function.map((f) => {
          const inputSchema = bfclToJsonSchema(f.parameters) as Record<string, unknown>;
          const t = tool({
            name: f.name.replaceAll('.', '_'),
            description: f.description,
            inputSchema,
            execute: async (args) => {
              await Promise.resolve();
              received.push({ name: f.name.replaceAll('.', '_'), args });
              return 'ok';
            },
          });
          expect(toToolDefinition(t).inputSchema).toBe(inputSchema); // sent to the model as given
          return t;
        });
        const executor = new ToolExecutor(tools);
        const calls = answers.get(c.id)!.map((gt, i) => {
          const [name, params] = Object.entries(gt)[0]!;
          const schema = c.function.find((f) => f.name === name)?.parameters as Schema | undefined;
          return { id: `${c.id}-${i}`, name: name.replaceAll('.', '_'), args: groundTruthArgs(params, schema) };
        });
        const results = await Promise.all(calls.map((call) => executor.run(call)));
        const failures = results.filter((r) => !r.ok);
        if (BROKEN_GROUND_TRUTH.has(c.id)) {
          // Some of their values break the schema; which ones are used depends on the choices above: not asserted.
          for (const f of failures) if (!f.ok) expect(f.error.kind).toBe('validation');
          broken.push(c.id);
          continue;
        }
        expect(failures, `${c.id}: ${JSON.stringify(failures)}`).toEqual([]);
        expect(received).toHaveLength(calls.length);
        ran += calls.length;
      }
      expect(ran).toBeGreaterThan(cases.length - 4);
      if (category === 'parallel_multiple') expect(broken.sort()).toEqual([...BROKEN_GROUND_TRUTH].sort());
    });
  }
});
