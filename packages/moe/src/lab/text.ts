// Text for the lab that needs no file system (so the browser entry can use it too): the synthetic task, the
// byte- and char-level tokenizers, and the training / held-out split.
import { invalidInput } from '@verdant/core/errors';
import { Rng } from '../rng.js';
import type { Tokenizer } from './config.js';

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
