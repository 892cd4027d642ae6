/**
 * JSON Schema tool inputs: which draft a schema is written in, and a compiled ajv validator for it.
 * Draft 2020-12 (the default when `$schema` is absent, as in MCP) compiles with ajv's 2020 build, draft-07
 * with ajv's default build: each draft's keywords mean what that draft says.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { invalidInput } from '@verdant/core';

export type JsonSchemaDraft = '2020-12' | 'draft-07';

const DRAFT_URIS: Record<string, JsonSchemaDraft> = {
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
  'http://json-schema.org/draft-07/schema': 'draft-07',
};

/** What `tool({ inputSchema })` accepts, in the words of its error messages. */
export const ACCEPTED_INPUT_SCHEMAS = 'a zod object schema (z.object({...})) or a JSON Schema object with "type": "object" (draft 2020-12, the default, or draft-07)';

// ajv-formats is CommonJS: under NodeNext its default import is the module object on some resolutions.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv | Ajv2020,
) => void;

// One ajv instance per draft, shared by every tool (compiled validators are cached by schema object).
// strict: false because real schemas (MCP servers, OpenAPI, BFCL) carry keywords ajv does not know.
let instances: { '2020-12': Ajv2020; 'draft-07': Ajv } | undefined;
function ajvFor(draft: JsonSchemaDraft): Ajv | Ajv2020 {
  if (!instances) {
    const options = { strict: false, allErrors: true, validateFormats: true } as const;
    const a2020 = new Ajv2020(options);
    const a07 = new Ajv(options);
    addFormats(a2020);
    addFormats(a07);
    instances = { '2020-12': a2020, 'draft-07': a07 };
  }
  return instances[draft];
}

/** The draft a schema declares with `$schema` ("#" and a trailing "#" allowed); 2020-12 when it declares none. */
export function draftOf(field: string, schema: Record<string, unknown>): JsonSchemaDraft {
  const declared = schema.$schema;
  if (declared === undefined) return '2020-12';
  const draft = typeof declared === 'string' ? DRAFT_URIS[declared.replace(/#$/, '')] : undefined;
  if (!draft) {
    throw invalidInput(field, `"$schema": ${JSON.stringify(declared)} is not a supported JSON Schema draft`,
      `use "https://json-schema.org/draft/2020-12/schema" or "http://json-schema.org/draft-07/schema#", or leave "$schema" out (2020-12)`);
  }
  return draft;
}

/** Compiles a tool's JSON Schema; an invalid schema is an error when the tool is defined, not when it is called. */
export function compileJsonSchema(field: string, schema: Record<string, unknown>): { draft: JsonSchemaDraft; validate: ValidateFunction } {
  const draft = draftOf(field, schema);
  try {
    return { draft, validate: ajvFor(draft).compile(schema) };
  } catch (cause) {
    throw invalidInput(field, `is not a valid JSON Schema (${draft}): ${cause instanceof Error ? cause.message : String(cause)}`,
      'fix the schema; check it with any JSON Schema validator');
  }
}

/** ajv's errors as lines the model can act on: where, and what was expected. */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const at = e.instancePath === '' ? '(the arguments)' : e.instancePath.slice(1).replaceAll('/', '.');
      const extra = e.keyword === 'enum' ? `: ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}` : '';
      return `✖ ${e.message ?? e.keyword}${extra}\n  → at ${at}`;
    })
    .join('\n');
}
