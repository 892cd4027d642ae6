// Loaded at start-up by command modules: no library imports.

/** One JSON document on stdout (what `--json` prints). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Adds each use of a repeatable option (`--region ES --region NO`) to a list. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];
