/**
 * The LLMCompiler plan format: one numbered task per line, e.g.
 *
 *   1. search({"q": "solar output 2024"})
 *   2. fetch({"url": "$1"})
 *   3. join()
 *
 * Arguments are a JSON object (or nothing). `$N` and `${N}` refer to the result of task N, inside a string
 * ("see $1") or as a whole value ("$1", or bare $1 outside quotes). Lines that are not tasks ("Thought: ...")
 * are ignored, as in the paper's prompt format.
 */

export interface PlanTask {
  /** The task number the model wrote. */
  readonly id: number;
  /** Tool name; `join` marks the end of the plan. */
  readonly tool: string;
  /** Parsed JSON arguments, still holding `$N` references. */
  readonly args: Record<string, unknown>;
  /** Tasks whose results this task's arguments reference, ascending. */
  readonly deps: readonly number[];
  /** The source line, for error messages and replanning context. */
  readonly line: string;
  /** Why the line could not be turned into a runnable task; the scheduler fails it (and its dependents). */
  readonly error?: string;
}

export const JOIN_TOOL = 'join';

const TASK_LINE = /^\s*(?:Task\s*)?(\d+)\s*[.:)]\s*([A-Za-z_][\w.-]*)\s*\((.*)\)\s*[;,]?\s*$/s;
/** Matches `$N` and `${N}` where N is a task number. */
const REFERENCE = /\$\{(\d+)\}|\$(\d+)/g;
const WHOLE_REFERENCE = /^\s*(?:\$\{(\d+)\}|\$(\d+))\s*$/;

/** Parses one line; undefined when the line is not a task (commentary, blank, end marker). */
export function parsePlanLine(line: string): PlanTask | undefined {
  const match = TASK_LINE.exec(line);
  if (!match) return undefined;
  const id = Number(match[1]);
  const tool = match[2]!;
  const argText = match[3]!.trim();
  let args: Record<string, unknown>;
  try {
    args = parseArgs(argText);
  } catch (e) {
    return { id, tool, args: {}, deps: [], line, error: `arguments are not a JSON object: ${(e as Error).message}` };
  }
  const deps = [...collectReferences(args)].sort((a, b) => a - b);
  const forward = deps.find((d) => d >= id);
  if (forward !== undefined) {
    return { id, tool, args, deps, line, error: `task ${id} references $${forward}, which is not an earlier task` };
  }
  return { id, tool, args, deps, line };
}

function parseArgs(text: string): Record<string, unknown> {
  if (text === '') return {};
  const value: unknown = JSON.parse(quoteBareReferences(text));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected {...}');
  return value as Record<string, unknown>;
}

/** Turns bare `$1` / `${1}` outside string literals into the string "$1" so JSON.parse accepts them. */
function quoteBareReferences(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    if (c === '$') {
      const m = /^\$\{(\d+)\}|^\$(\d+)/.exec(text.slice(i));
      if (m) {
        out += `"$${m[1] ?? m[2]}"`;
        i += m[0].length - 1;
        continue;
      }
    }
    out += c;
  }
  return out;
}

function collectReferences(value: unknown, into = new Set<number>()): Set<number> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(REFERENCE)) into.add(Number(m[1] ?? m[2]));
  } else if (Array.isArray(value)) {
    for (const v of value) collectReferences(v, into);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) collectReferences(v, into);
  }
  return into;
}

/**
 * Replaces references with results: a string that is only a reference becomes the result itself (any type);
 * a reference inside longer text becomes the result's text (strings as-is, other values as JSON).
 */
export function substituteReferences<T>(value: T, results: ReadonlyMap<number, unknown>): T {
  return substitute(value, results) as T;
}

function substitute(value: unknown, results: ReadonlyMap<number, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_REFERENCE.exec(value);
    if (whole) return results.get(Number(whole[1] ?? whole[2]));
    if (!value.includes('$')) return value;
    return value.replace(REFERENCE, (text, braced: string | undefined, bare: string | undefined) => {
      const id = Number(braced ?? bare);
      if (!results.has(id)) return text;
      const result = results.get(id);
      return typeof result === 'string' ? result : JSON.stringify(result);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, results));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, results);
    return out;
  }
  return value;
}

/**
 * Incremental parser for a streamed plan: feed it text deltas, get back each task as soon as its line is
 * complete, so the scheduler can start it while the model is still writing later lines.
 */
export class PlanStreamParser {
  private buffer = '';
  private readonly seen: Set<number>;
  private joined = false;

  /** `earlierTaskIds`: tasks of earlier plans (when replanning) that this plan may reference. */
  constructor(earlierTaskIds: Iterable<number> = []) {
    this.seen = new Set(earlierTaskIds);
  }

  /** Feeds a text delta; returns the tasks whose lines completed with it. */
  push(delta: string): PlanTask[] {
    this.buffer += delta;
    const tasks: PlanTask[] = [];
    let newline = this.buffer.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      this.accept(line, tasks);
      newline = this.buffer.indexOf('\n');
    }
    return tasks;
  }

  /** Ends the stream; returns a task written on the last, unterminated line. */
  end(): PlanTask[] {
    const tasks: PlanTask[] = [];
    const rest = this.buffer;
    this.buffer = '';
    if (rest.trim() !== '') this.accept(rest, tasks);
    return tasks;
  }

  /** True once `join()` has been read: the plan is complete even if the model keeps talking. */
  get complete(): boolean {
    return this.joined;
  }

  private accept(line: string, into: PlanTask[]): void {
    if (this.joined) return;
    const parsed = parsePlanLine(line);
    if (!parsed) return;
    if (parsed.tool === JOIN_TOOL) {
      this.joined = true;
      return;
    }
    if (this.seen.has(parsed.id)) {
      into.push({ ...parsed, error: `task number ${parsed.id} is used twice in the plan` });
      return;
    }
    this.seen.add(parsed.id);
    const unknown = parsed.deps.find((d) => !this.seen.has(d));
    if (!parsed.error && unknown !== undefined) {
      into.push({ ...parsed, error: `task ${parsed.id} references $${unknown}, which the plan does not define` });
      return;
    }
    into.push(parsed);
  }
}
