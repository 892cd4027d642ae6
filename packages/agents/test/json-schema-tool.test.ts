import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VerdantError } from '@verdant/core';
import { tool, toToolDefinition, ToolExecutor } from '../src/index.js';
import { errorOf } from './support/tools.js';

const execute = (args: unknown) => args;

function fieldAndMessage(fn: () => unknown): { field: string | undefined; message: string; fix: string | undefined } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VerdantError);
    const err = e as VerdantError;
    return { field: err.field, message: err.message, fix: err.fix };
  }
  throw new Error('expected an error');
}

describe('tool({ inputSchema }) with JSON Schema', () => {
  const weather = {
    type: 'object',
    properties: {
      city: { type: 'string', minLength: 1 },
      unit: { enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer', minimum: 1 },
    },
    required: ['city'],
  };

  it('sends the schema to the model unchanged and validates calls with it', async () => {
    const t = tool({ name: 'weather', description: 'Forecast', inputSchema: weather, execute });
    expect(toToolDefinition(t).inputSchema).toBe(weather);
    expect(t.input).toBeUndefined();
    const ex = new ToolExecutor([t]);
    expect(await ex.run({ id: '1', name: 'weather', args: { city: 'Oslo', days: 3 } })).toMatchObject({ ok: true, output: { city: 'Oslo', days: 3 } });
    const bad = errorOf(await ex.run({ id: '2', name: 'weather', args: { city: '', unit: 'kelvin', days: 1.5 } }));
    expect(bad?.kind).toBe('validation');
    expect(bad?.message).toContain('at city');
    expect(bad?.message).toContain('["celsius","fahrenheit"]');
    expect(bad?.message).toContain('at days');
  });

  it('reads each draft with its own rules: draft-07 "dependencies", 2020-12 "dependentRequired" and "prefixItems"', async () => {
    const draft07 = tool({
      name: 'd07',
      description: '',
      inputSchema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { card: { type: 'string' }, cvv: { type: 'string' }, pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }], additionalItems: false } },
        dependencies: { card: ['cvv'] },
      },
      execute,
    });
    const d2020 = tool({
      name: 'd2020',
      description: '',
      inputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { card: { type: 'string' }, cvv: { type: 'string' }, pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false } },
        dependentRequired: { card: ['cvv'] },
      },
      execute,
    });
    for (const t of [draft07, d2020]) {
      expect(t.parseArgs({ card: '4111' })).toMatchObject({ ok: false, message: expect.stringContaining('cvv') });
      expect(t.parseArgs({ card: '4111', cvv: '123', pair: ['a', 1] })).toMatchObject({ ok: true });
      expect(t.parseArgs({ pair: ['a', 1, 'extra'] })).toMatchObject({ ok: false });
      expect(t.parseArgs({ pair: [1, 'a'] })).toMatchObject({ ok: false });
    }
  });

  it('resolves $ref into $defs/definitions when looking for unknown keys', () => {
    const t = tool({
      name: 'refs',
      description: '',
      inputSchema: { type: 'object', $defs: { point: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } } } }, properties: { at: { $ref: '#/$defs/point' } } },
      execute,
    });
    expect(t.parseArgs({ at: { x: 1, y: 2 } })).toMatchObject({ ok: true });
    expect(t.parseArgs({ at: { x: 1, z: 2 } })).toMatchObject({ ok: false, unknownKeys: ['at.z'] });
  });

  it('refuses anything that is not a zod schema or a JSON Schema object, saying what it got and what it takes', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['{"type":"object"}', /got a string/],
      [[{ type: 'object' }], /got an array/],
      [{ city: z.string() }, /object of zod schemas \(city\).*wrap it in z\.object/],
      [{ _def: { typeName: 'ZodObject' } }, /zod 3 schema/],
      [new Map(), /instance of Map/],
      [undefined, /neither input nor inputSchema/],
    ];
    for (const [inputSchema, message] of cases) {
      const err = fieldAndMessage(() => tool({ name: 'x', description: '', inputSchema: inputSchema as Record<string, unknown>, execute }));
      expect(err.field).toBe('tool x: inputSchema');
      expect(err.message).toMatch(message);
      expect(err.fix).toMatch(/zod object schema.*JSON Schema object.*2020-12.*draft-07/);
    }
    // A JSON Schema given to `input` (which takes zod) points at inputSchema.
    expect(fieldAndMessage(() => tool({ name: 'x', description: '', input: weather as never, execute })).fix).toMatch(/inputSchema/);
  });

  it('refuses invalid schemas, non-object schemas and unknown drafts when the tool is defined', () => {
    const invalid = fieldAndMessage(() => tool({ name: 'x', description: '', inputSchema: { type: 'object', properties: { a: { type: 'nope' } } }, execute }));
    expect(invalid.field).toBe('tool x: inputSchema');
    expect(invalid.message).toMatch(/not a valid JSON Schema \(2020-12\)/);
    expect(fieldAndMessage(() => tool({ name: 'x', description: '', inputSchema: { type: 'string' }, execute })).message).toMatch(/"type" is "string"/);
    const draft4 = fieldAndMessage(() => tool({ name: 'x', description: '', inputSchema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' }, execute }));
    expect(draft4.message).toMatch(/draft-04.*not a supported JSON Schema draft/);
    expect(() => tool({ name: 'x', description: '', input: z.object({}), inputSchema: { type: 'object' }, execute })).toThrow(/both input and inputSchema/);
  });

  it('takes a zod schema as inputSchema too', async () => {
    const t = tool({ name: 'z', description: '', inputSchema: z.object({ n: z.number() }), execute: ({ n }) => n * 2 });
    expect(toToolDefinition(t).inputSchema).toMatchObject({ type: 'object', properties: { n: { type: 'number' } } });
    expect(await new ToolExecutor([t]).run({ id: '1', name: 'z', args: { n: 2 } })).toMatchObject({ ok: true, output: 4 });
  });
});

describe('arguments the schema does not expect', () => {
  const zodTool = (extra: { unknownArgs?: 'reject' | 'strip'; coerce?: boolean } = {}) =>
    tool({
      name: 'search',
      description: '',
      input: z.object({ query: z.string(), limit: z.number().int().optional(), filter: z.object({ lang: z.string() }).optional(), meta: z.looseObject({}).optional() }),
      execute,
      ...extra,
    });
  const jsonTool = (extra: { unknownArgs?: 'reject' | 'strip'; coerce?: boolean } = {}) =>
    tool({
      name: 'search',
      description: '',
      inputSchema: {
        type: 'object',
        properties: { query: { type: 'string' }, limit: { type: 'integer' }, exact: { type: 'boolean' }, note: { type: ['string', 'null'] }, filter: { type: 'object', properties: { lang: { type: 'string' } } }, meta: { type: 'object', additionalProperties: true } },
        required: ['query'],
      },
      execute,
      ...extra,
    });

  for (const [kind, make] of [['zod', zodTool], ['JSON Schema', jsonTool]] as const) {
    it(`${kind}: rejects unknown keys by default, naming each one, at any depth; open objects keep theirs`, async () => {
      const ex = new ToolExecutor([make()]);
      const err = errorOf(await ex.run({ id: '1', name: 'search', args: { query: 'q', colour: 'red', filter: { lang: 'en', region: 'eu' }, meta: { anything: 1 } } }));
      expect(err?.kind).toBe('validation');
      expect(err?.message).toContain('unknown argument "colour"; expected only: query, limit');
      expect(err?.message).toContain('unknown argument "filter.region"; expected only: lang');
      expect(err?.message).not.toContain('anything');
    });

    it(`${kind}: strip drops them, tells onArgsStripped, and execute never sees them`, async () => {
      const ex = new ToolExecutor([make({ unknownArgs: 'strip' })]);
      const stripped: string[][] = [];
      const args = { query: 'q', colour: 'red', filter: { lang: 'en', region: 'eu' } };
      const result = await ex.run({ id: '1', name: 'search', args }, { onArgsStripped: (_c, keys) => stripped.push(keys) });
      expect(result).toMatchObject({ ok: true, output: { query: 'q', filter: { lang: 'en' } } });
      expect(result.ok && result.output).not.toHaveProperty('colour');
      expect(stripped).toEqual([['colour', 'filter.region']]);
      expect(args).toEqual({ query: 'q', colour: 'red', filter: { lang: 'en', region: 'eu' } }); // the model's object is not modified
    });

    it(`${kind}: null for an optional field counts as absent; for a required one it is an error`, () => {
      const t = make();
      const ok = t.parseArgs({ query: 'q', limit: null, filter: null });
      expect(ok).toMatchObject({ ok: true });
      expect(ok.ok && ok.value).toEqual({ query: 'q' });
      expect(t.parseArgs({ query: null })).toMatchObject({ ok: false });
    });

    it(`${kind}: coerce turns "5" into 5 only when asked and only where the schema says number`, () => {
      expect(make().parseArgs({ query: '5', limit: '5' })).toMatchObject({ ok: false });
      const coerced = make({ coerce: true }).parseArgs({ query: '5', limit: '5' });
      expect(coerced.ok && coerced.value).toEqual({ query: '5', limit: 5 }); // query is a string: left as is
      expect(make({ coerce: true }).parseArgs({ query: 'q', limit: '5.5' })).toMatchObject({ ok: false }); // not an integer
      expect(make({ coerce: true }).parseArgs({ query: 'q', limit: 'five' })).toMatchObject({ ok: false });
    });
  }

  it('keeps null where the schema admits it, and coerces booleans', () => {
    const t = jsonTool({ coerce: true });
    const r = t.parseArgs({ query: 'q', note: null, exact: 'true' });
    expect(r.ok && r.value).toEqual({ query: 'q', note: null, exact: true });
  });

  it('refuses a bad policy when the tool is defined', () => {
    const policy = fieldAndMessage(() => tool({ name: 'x', description: '', input: z.object({}), execute, unknownArgs: 'drop' as never }));
    expect(policy).toMatchObject({ field: 'tool x: unknownArgs', message: expect.stringContaining('must be "reject" or "strip", got "drop"') });
    expect(fieldAndMessage(() => tool({ name: 'x', description: '', input: z.object({}), execute, coerce: 'yes' as never })).field).toBe('tool x: coerce');
  });
});
