import { invalidInput } from './errors.js';

/** Wall-clock seconds since the epoch (the store's time unit). */
export const nowS = (): number => Date.now() / 1000;

/**
 * Parses an absolute time: ISO 8601 ("2024-05-01T12:00Z"), "2024-05-01 12:00" (UTC), or epoch seconds.
 * Returns epoch seconds.
 */
export function parseTime(input: string, field = 'time'): number {
  const s = input.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  let iso = s.replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw invalidInput(field, `cannot read "${input}" as a time`, 'use ISO 8601 such as 2025-03-01T18:00Z, or epoch seconds');
  }
  return ms / 1000;
}

export const toIso = (tS: number): string => new Date(tS * 1000).toISOString();
