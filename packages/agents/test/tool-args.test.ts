import { describe, expect, it } from 'vitest';
import { JsonObjectScanner, parseToolArgs } from '../src/models/tool-args.js';

/** Feeds `pieces` one by one; the answer after each. */
function scan(pieces: string[]): boolean[] {
  const scanner = new JsonObjectScanner();
  return pieces.map((p) => scanner.push(p));
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random JSON values whose strings are full of the characters a scanner could trip on. */
function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 4 : 6));
  const tricky = ['{', '}', '[', ']', '"', '\\', '\\"}', 'é', '😀', '\n', ' ', 'a'];
  switch (pick) {
    case 0:
      return Math.round(next() * 1e6) / 100;
    case 1:
      return Array.from({ length: Math.floor(next() * 6) }, () => tricky[Math.floor(next() * tricky.length)]).join('');
    case 2:
      return next() < 0.5 ? null : next() < 0.5;
    case 3:
      return '';
    case 4:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default:
      return randomObject(next, depth + 1);
  }
}

function randomObject(next: () => number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 4); i > 0; i--) out[`k${Math.floor(next() * 100)}{"}`] = randomValue(next, depth);
  return out;
}

describe('JsonObjectScanner', () => {
  it('says "closed" at the last fragment of every valid object, never before, however the text is split', () => {
    const next = rng(7);
    for (let n = 0; n < 300; n++) {
      const text = JSON.stringify(randomObject(next, 0), null, next() < 0.3 ? 2 : undefined);
      // Random cut points, and every single character on its own for some.
      const pieces: string[] = [];
      if (n % 10 === 0) pieces.push(...text);
      else for (let at = 0; at < text.length; ) {
        const len = 1 + Math.floor(next() * 12);
        pieces.push(text.slice(at, at + len));
        at += len;
      }
      const answers = scan(pieces);
      expect(answers.at(-1)).toBe(true);
      expect(answers.slice(0, -1).every((a) => !a)).toBe(true);
    }
  });

  it('accepts whitespace around the object, and refuses non-objects and anything after the closing brace', () => {
    expect(scan([' \n{"a": "}"', '}', ' \t\r\n'])).toEqual([false, true, true]);
    expect(scan(['{"a":1}', ' x', '}'])).toEqual([true, false, false]); // can never become one object again
    expect(scan(['{"a":1}}'])).toEqual([false]);
    for (const text of ['[1]', '"{}"', '1', 'null', '{]', 'x{}']) expect(scan([text])).toEqual([false]);
    expect(scan(['{"a": "\\\\"', '}'])).toEqual([false, true]); // an escaped backslash ends before the quote
    expect(scan(['{"a": "\\"', '}"}'])).toEqual([false, true]); // an escaped quote does not end the string
  });
});

describe('parseToolArgs', () => {
  it('reads empty text as no arguments and reports text that is not JSON', () => {
    expect(parseToolArgs(' ')).toEqual({ args: {} });
    expect(parseToolArgs('{"a":[1]}')).toEqual({ args: { a: [1] } });
    expect(parseToolArgs('{"a":')).toMatchObject({ args: undefined, argsError: expect.any(String) });
  });
});
