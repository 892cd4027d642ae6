import { ExitCode, VerdantError, isVerdantError } from '@verdant/core';
import { FIELD_FLAGS, flagFor } from './fields.js';

/** One line whatever the message holds (some library messages span lines). */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

/** SQLite's answer for a store file that is damaged mid-way (the header was fine when it was opened). */
const STORE_DAMAGED = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

/**
 * The error as the user should read it: a library's field name becomes the flag `command` has for it
 * (options/fields.ts), same message and fix.
 */
function toFlags(e: unknown, command: string): unknown {
  if (!isVerdantError(e) || e.field === undefined) return e;
  const flagOf = (field: string) => flagFor(field, command);
  const flag = flagOf(e.field);
  if (flag === undefined || flag === e.field) return e;
  // A message or fix may name another field (`replayYear only applies with traceFile`): that one's flag too.
  const say = (text: string): string => text.replace(mentions(), (name) => flagOf(name) ?? name);
  return new VerdantError(say(e.message), { field: flag, exitCode: e.exitCode, cause: e, ...(e.fix ? { fix: say(e.fix) } : {}) });
}

let mentionPattern: RegExp | undefined;
/** The table's camelCase field names as words (`traceFile`, `pauseAboveG`); plain words such as `zone` stay words. */
function mentions(): RegExp {
  mentionPattern ??= new RegExp(`\\b(${Object.keys(FIELD_FLAGS).filter((k) => /^[a-z]+[A-Z][A-Za-z]*$/.test(k)).join('|')})\\b`, 'g');
  return mentionPattern;
}

/**
 * Prints an error for a human on stderr, one line, and returns its documented exit code. A VerdantError
 * says its field (as the flag of `command`) and fix; anything else is unexpected (exit 1): its message only,
 * and its stack under VERDANT_LOG_LEVEL=debug (or trace).
 */
export function reportError(e: unknown, command = ''): number {
  const shown = toFlags(e, command);
  if (isVerdantError(shown)) {
    process.stderr.write(`verdant: ${oneLine(shown.describe())}\n`);
    return shown.exitCode;
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && STORE_DAMAGED.has(code)) {
    return reportError(
      new VerdantError(`the store is damaged: ${(e as Error).message}`, {
        field: 'VERDANT_HOME',
        fix: 'restore verdant.db from a backup, or move it aside to start a new store',
        exitCode: ExitCode.store,
      }),
    );
  }
  const message = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  const level = process.env.VERDANT_LOG_LEVEL;
  if ((level === 'debug' || level === 'trace') && e instanceof Error && e.stack) {
    process.stderr.write(`verdant: unexpected error: ${e.stack}\n`);
  } else {
    process.stderr.write(`verdant: unexpected error: ${oneLine(message)} (fix: run again with VERDANT_LOG_LEVEL=debug for details, and report it if it persists)\n`);
  }
  return ExitCode.failure;
}
