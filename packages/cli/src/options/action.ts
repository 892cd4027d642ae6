import { Command } from 'commander';

// Loaded by every command module at start-up: imports no library (the error renderer is loaded on failure).

/** Exit code the process should end with once the action returns (commands like `run` set the child's). */
let pendingExitCode = 0;
export const setExitCode = (code: number): void => {
  pendingExitCode = code;
};
export const takeExitCode = (): number => pendingExitCode;

/** "runs list" for the `list` subcommand of `runs`: the key of per-command entries in the flags table. */
export function commandPath(command: Command | undefined): string {
  const names: string[] = [];
  for (let c = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Wraps a commander action so errors become one line and a documented exit code instead of stack traces; a
 * library's field name in the error is shown as the flag the user typed (options/fields.ts).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      // Commander passes the Command itself as the last argument of an action.
      const last = args[args.length - 1];
      const command = last instanceof Command ? last : undefined;
      const { reportError } = await import('./errors.js');
      setExitCode(reportError(e, commandPath(command)));
    }
  };
}
