import { ExitCode, Store, VerdantError, isVerdantError } from '@verdant/core';

/** Exit code the process should end with once the action returns (commands like `run` set the child's). */
let pendingExitCode: number = ExitCode.ok;
export const setExitCode = (code: number): void => {
  pendingExitCode = code;
};
export const takeExitCode = (): number => pendingExitCode;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints an error for a human on stderr and records its documented exit code. */
export function reportError(e: unknown): number {
  if (isVerdantError(e)) {
    process.stderr.write(`verdant: ${e.describe()}\n`);
    return e.exitCode;
  }
  process.stderr.write(`verdant: ${(e as Error)?.stack ?? String(e)}\n`);
  return ExitCode.failure;
}

/** Wraps a commander action so errors become messages and exit codes instead of stack traces. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      setExitCode(reportError(e));
    }
  };
}

/** Opens the configured store (SQLite under VERDANT_HOME, or VERDANT_DATABASE_URL), runs fn, closes it. */
export async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

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
