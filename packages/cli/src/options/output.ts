import { ExitCode, VerdantError, isVerdantError } from '@verdant/core';

// Output paths (`--output`, `--html`, `--out`, `--csv`, `--svg`) are checked before any work and named by their flag.

/** Parses an option with a parser that throws VerdantError, naming the option on failure. */
export function parseOption<T>(flag: string, value: string | undefined, parse: (v: string, field: string) => T): T | undefined {
  if (value === undefined) return undefined;
  try {
    return parse(value, flag);
  } catch (e) {
    if (isVerdantError(e)) throw e;
    throw new VerdantError(`invalid value "${value}"`, { field: flag, exitCode: ExitCode.usage });
  }
}

/**
 * Probing output paths before any work and naming a failed write lives in core (energy's measureCommand checks
 * `outputDir` the same way); the CLI passes its flag as the field.
 */
export { checkOutputFile, outputError, prepareOutputDirectory, writeOutputFile } from '@verdant/core';
