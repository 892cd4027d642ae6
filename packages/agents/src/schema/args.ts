/**
 * What happens to a call's arguments before validation, read from the JSON Schema the model was sent
 * (the same for zod and JSON Schema tools):
 * - keys an object does not declare (it has `properties`, and no `additionalProperties`/`patternProperties`
 *   that admit more) are found, and dropped under the tool's `unknownArgs: 'strip'`;
 * - `null` for an optional property whose schema does not admit null is dropped (counts as absent);
 * - with `coerce`, a string that is a number where the schema says number/integer (and not string) becomes
 *   that number, "true"/"false" where it says boolean become booleans.
 * Objects are copied only where something changes; the model's parsed arguments are never modified.
 */

type Schema = Record<string, unknown>;

export type UnknownArgsPolicy = 'reject' | 'strip';

export interface UnknownArg {
  /** Dotted path of the key, e.g. "filters.colour" or "items.0.extra". */
  path: string;
  /** The keys that object declares. */
  known: string[];
}

export interface NormalizedArgs {
  value: unknown;
  unknown: UnknownArg[];
}

const NUMBER_TEXT = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const MAX_DEPTH = 64;

export function normalizeArgs(root: Schema, value: unknown, policy: { unknownArgs: UnknownArgsPolicy; coerce: boolean }): NormalizedArgs {
  const unknown: UnknownArg[] = [];
  const strip = policy.unknownArgs === 'strip';

  const resolve = (schema: unknown, depth = 0): Schema | undefined => {
    if (!isObject(schema)) return undefined; // `true`, `false` or nothing: no shape to follow
    const ref = schema.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#') || depth > MAX_DEPTH) return schema;
    const target = pointer(root, ref);
    const { $ref: _ref, ...siblings } = schema;
    const resolved = resolve(target, depth + 1);
    return resolved ? { ...resolved, ...siblings } : siblings;
  };

  const visit = (schemaIn: unknown, v: unknown, path: string, depth: number): unknown => {
    const schema = resolve(schemaIn);
    if (!schema || depth > MAX_DEPTH) return v;
    if (typeof v === 'string') return policy.coerce ? coerceString(schema, v) : v;
    if (Array.isArray(v)) return visitArray(schema, v, path, depth);
    if (isObject(v)) return visitObject(schema, v, path, depth);
    return v;
  };

  const visitArray = (schema: Schema, v: unknown[], path: string, depth: number): unknown[] => {
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : [];
    const rest = Array.isArray(schema.items) ? schema.additionalItems : schema.items;
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const next = visit(i < prefix.length ? prefix[i] : rest, v[i], join(path, String(i)), depth + 1);
      if (next !== v[i]) (out ??= [...v])[i] = next;
    }
    return out ?? v;
  };

  const visitObject = (schema: Schema, v: Record<string, unknown>, path: string, depth: number): Record<string, unknown> => {
    const shape = objectShape(schema, resolve);
    if (!shape) return v;
    let out: Record<string, unknown> | undefined;
    const drop = (key: string) => {
      out ??= { ...v };
      delete out[key];
    };
    for (const key of Object.keys(v)) {
      const item = v[key];
      const propSchema = shape.properties.get(key);
      if (propSchema !== undefined) {
        if (item === null && !shape.required.has(key) && !allowsNull(propSchema, resolve)) {
          drop(key);
          continue;
        }
        const next = visit(propSchema, item, join(path, key), depth + 1);
        if (next !== item) (out ??= { ...v })[key] = next;
      } else if (shape.open) {
        if (shape.additional !== undefined) {
          const next = visit(shape.additional, item, join(path, key), depth + 1);
          if (next !== item) (out ??= { ...v })[key] = next;
        }
      } else {
        unknown.push({ path: join(path, key), known: [...shape.properties.keys()] });
        if (strip) drop(key);
      }
    }
    return out ?? v;
  };

  return { value: visit(root, value, '', 0), unknown };
}

interface ObjectShape {
  properties: Map<string, unknown>;
  required: Set<string>;
  /** Keys beyond `properties` are allowed. */
  open: boolean;
  /** The schema of those keys, when `additionalProperties` is one. */
  additional: unknown;
}

/** The declared properties of an object schema, with those of its allOf/anyOf/oneOf branches; undefined when it declares none. */
function objectShape(schema: Schema, resolve: (s: unknown) => Schema | undefined): ObjectShape | undefined {
  const shape: ObjectShape = { properties: new Map(), required: new Set(), open: false, additional: undefined };
  let declares = false;
  const add = (s: Schema | undefined, depth: number) => {
    if (!s || depth > 8) return;
    if (isObject(s.properties)) {
      declares = true;
      for (const [k, p] of Object.entries(s.properties)) if (!shape.properties.has(k)) shape.properties.set(k, p);
    }
    if (Array.isArray(s.required)) for (const k of s.required) if (typeof k === 'string') shape.required.add(k);
    const extra = s.additionalProperties;
    if ((extra !== undefined && extra !== false) || s.patternProperties !== undefined || s.unevaluatedProperties === true) {
      shape.open = true;
      if (isObject(extra)) shape.additional ??= extra;
    }
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const branches = s[key];
      if (Array.isArray(branches)) for (const b of branches) add(resolve(b), depth + 1);
    }
  };
  add(schema, 0);
  return declares ? shape : undefined;
}

/** Whether a value of null is valid for this schema as far as its types say (no type at all admits anything). */
function allowsNull(schemaIn: unknown, resolve: (s: unknown) => Schema | undefined): boolean {
  if (schemaIn === true) return true;
  const schema = resolve(schemaIn);
  if (!schema) return false;
  if (schema.nullable === true || schema.const === null) return true;
  if (Array.isArray(schema.enum)) return schema.enum.includes(null);
  const type = schema.type;
  if (type !== undefined) return type === 'null' || (Array.isArray(type) && type.includes('null'));
  const branches = [schema.anyOf, schema.oneOf].filter(Array.isArray).flat() as unknown[];
  if (branches.length > 0) return branches.some((b) => allowsNull(b, resolve));
  return !('const' in schema) && !('not' in schema);
}

function coerceString(schema: Schema, v: string): unknown {
  const types = Array.isArray(schema.type) ? (schema.type as unknown[]) : [schema.type];
  if (types.includes('string')) return v;
  if ((types.includes('number') || types.includes('integer')) && NUMBER_TEXT.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n) && (types.includes('number') || Number.isInteger(n))) return n;
  }
  if (types.includes('boolean') && (v === 'true' || v === 'false')) return v === 'true';
  return v;
}

function pointer(root: Schema, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
