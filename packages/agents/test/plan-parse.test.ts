import { describe, expect, it } from 'vitest';
import { PlanStreamParser, parsePlanLine, substituteReferences } from '../src/plan/parse.js';

describe('parsePlanLine', () => {
  it('reads the number, tool, JSON arguments and dependencies', () => {
    const task = parsePlanLine('3. fetch({"url": "$1", "note": "from ${2} and $1"})');
    expect(task).toMatchObject({ id: 3, tool: 'fetch', args: { url: '$1', note: 'from ${2} and $1' }, deps: [1, 2] });
    expect(task?.error).toBeUndefined();
  });

  it('accepts bare references outside strings and empty argument lists', () => {
    expect(parsePlanLine('2. calc({"x": $1, "y": [${1}, 4]})')).toMatchObject({ args: { x: '$1', y: ['$1', 4] }, deps: [1] });
    expect(parsePlanLine('4. join()')).toMatchObject({ id: 4, tool: 'join', args: {}, deps: [] });
  });

  it('keeps a dollar sign inside a string that is not a reference', () => {
    expect(parsePlanLine('1. search({"q": "price in $ and \\"$9\\" quoted"})')).toMatchObject({ deps: [9] });
    expect(parsePlanLine('1. search({"q": "costs $ 5"})')).toMatchObject({ deps: [], args: { q: 'costs $ 5' } });
  });

  it('ignores commentary lines', () => {
    expect(parsePlanLine('Thought: I should search first.')).toBeUndefined();
    expect(parsePlanLine('')).toBeUndefined();
    expect(parsePlanLine('<END_OF_PLAN>')).toBeUndefined();
  });

  it('marks forward references and non-object arguments as errors', () => {
    expect(parsePlanLine('2. fetch({"url": "$3"})')?.error).toMatch(/references \$3, which is not an earlier task/);
    expect(parsePlanLine('1. search("x")')?.error).toMatch(/not a JSON object/);
    expect(parsePlanLine('1. search({"q": )')?.error).toMatch(/not a JSON object/);
  });
});

describe('PlanStreamParser', () => {
  it('emits each task as soon as its line completes, across arbitrary delta boundaries', () => {
    const parser = new PlanStreamParser();
    expect(parser.push('Thought: two searches.\n1. sea')).toEqual([]);
    expect(parser.push('rch({"q": "a"})')).toEqual([]);
    const first = parser.push('\n2. search({"q"');
    expect(first.map((t) => t.id)).toEqual([1]);
    const second = parser.push(': "b"})\n3. join()\n4. search({"q": "after join"})\n');
    expect(second.map((t) => t.id)).toEqual([2]);
    expect(parser.complete).toBe(true);
    expect(parser.end()).toEqual([]);
  });

  it('flushes an unterminated last line on end()', () => {
    const parser = new PlanStreamParser();
    parser.push('1. search({"q": "a"})\n2. fetch({"url": "$1"})');
    expect(parser.end().map((t) => [t.id, t.deps])).toEqual([[2, [1]]]);
  });

  it('flags references to tasks the plan never defined and duplicate numbers', () => {
    const parser = new PlanStreamParser();
    const tasks = parser.push('2. search({"q": "$1"})\n3. a({})\n3. b({})\n');
    expect(tasks[0]!.error).toMatch(/references \$1, which the plan does not define/);
    expect(tasks[2]!.error).toMatch(/used twice/);
  });

  it('lets a replan reference tasks of earlier plans', () => {
    const parser = new PlanStreamParser([1, 2]);
    const [task] = parser.push('3. fetch({"url": "$2"})\n');
    expect(task).toMatchObject({ id: 3, deps: [2] });
    expect(task!.error).toBeUndefined();
  });
});

describe('substituteReferences', () => {
  const results = new Map<number, unknown>([
    [1, 'https://example.org/a'],
    [2, { celsius: 21.5 }],
    [3, 42],
  ]);

  it('replaces a whole-value reference with the result itself, of any type', () => {
    expect(substituteReferences({ url: '$1', data: '${2}', n: ' $3 ' }, results)).toEqual({
      url: 'https://example.org/a',
      data: { celsius: 21.5 },
      n: 42,
    });
  });

  it('writes results into longer strings as text (JSON for non-strings), in nested values', () => {
    expect(substituteReferences({ q: 'open $1 at ${3}%', list: ['t=$2'] }, results)).toEqual({
      q: 'open https://example.org/a at 42%',
      list: ['t={"celsius":21.5}'],
    });
  });

  it('leaves references to unknown results as written', () => {
    expect(substituteReferences({ q: 'see $7' }, results)).toEqual({ q: 'see $7' });
  });
});
