/** A time read from a trace file. */
export interface ParsedTime {
  t: number;
  /** No offset was written, so the time was read as UTC. */
  naive: boolean;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Reads epoch seconds ("1672531200") or ISO 8601 with or without an offset ("2023-01-01T00:00Z",
 * "2023-01-01 01:00+01:00", "2023-01-01 00:00:00"). Times without an offset are UTC. Returns
 * undefined for anything else, including impossible dates such as 2023-02-30.
 */
export function parseTraceTime(cell: string): ParsedTime | undefined {
  const s = cell.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return { t: Number(s), naive: false };
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zoneText] = m;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)] as const;
  const ms = Date.UTC(...fields);
  const check = new Date(ms);
  if (
    check.getUTCFullYear() !== fields[0] || check.getUTCMonth() !== fields[1] || check.getUTCDate() !== fields[2] ||
    fields[3] > 23 || fields[4] > 59 || fields[5] > 59
  ) {
    return undefined;
  }
  let offsetS = 0;
  if (zoneText && /^[+-]/.test(zoneText)) {
    const digits = zoneText.replace(':', '');
    const sign = digits.startsWith('-') ? -1 : 1;
    offsetS = sign * (Number(digits.slice(1, 3)) * 3600 + Number(digits.slice(3, 5) || '0') * 60);
  }
  return { t: ms / 1000 + (frac ? Number(frac) : 0) - offsetS, naive: zoneText === undefined };
}

/** Epoch values this large are milliseconds, not seconds (year 5138 and later in seconds). */
export const looksLikeMilliseconds = (t: number): boolean => Math.abs(t) >= 1e11;
