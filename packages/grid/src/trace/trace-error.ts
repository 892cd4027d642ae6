import { invalidInput, type VerdantError } from '@verdant/core';

/** Where an error happened: the file as the user named it and, when known, the line. */
export interface TraceContext {
  file: string;
  field: string;
  /** What positions are called: CSV lines, or JSON array entries (1-based). */
  unit: 'line' | 'entry';
}

/** A usage error that names the file and line, e.g. `ES.csv line 12: cannot read "abc" as gCO2e/kWh`. */
export function traceError(ctx: TraceContext, line: number | undefined, message: string, fix?: string): VerdantError {
  const where = line === undefined ? ctx.file : `${ctx.file} ${ctx.unit} ${line}`;
  return invalidInput(ctx.field, `${where}: ${message}`, fix);
}
