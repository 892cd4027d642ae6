import { parseTraceTime, looksLikeMilliseconds, type ParsedTime } from './time-cell.js';
import { traceError, type TraceContext } from './trace-error.js';

/** Header text compared loosely: lower case, "₂" as "2", single spaces. */
export const normalizeHeader = (h: string): string => h.toLowerCase().replace(/₂/g, '2').replace(/\s+/g, ' ').trim();

/** Index of the first header matching one of the names, or -1. */
export function findColumn(header: readonly string[], names: readonly string[]): number {
  const wanted = names.map(normalizeHeader);
  return header.findIndex((h) => wanted.includes(normalizeHeader(h)));
}

export function readTimeCell(cell: string | number | undefined, ctx: TraceContext, line: number): ParsedTime {
  const text = cell === undefined ? '' : String(cell);
  const parsed = parseTraceTime(text);
  if (!parsed || !Number.isFinite(parsed.t)) {
    throw traceError(ctx, line, `cannot read "${text}" as a time`, 'write ISO 8601 in UTC or with an offset (2023-01-01T00:00:00Z) or epoch seconds');
  }
  if (looksLikeMilliseconds(parsed.t)) {
    throw traceError(ctx, line, `time ${text} looks like epoch milliseconds`, 'write epoch seconds (divide by 1000) or ISO 8601');
  }
  return parsed;
}

/** gCO2e/kWh from a cell; undefined for an empty cell or null (a missing sample). */
export function readIntensityCell(cell: string | number | null | undefined, ctx: TraceContext, line: number, column: string): number | undefined {
  if (cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '')) return undefined;
  const v = typeof cell === 'number' ? cell : Number(cell);
  if (!Number.isFinite(v) || v < 0) {
    throw traceError(ctx, line, `cannot read "${cell}" in column "${column}" as gCO2e/kWh`, 'write a non-negative number, or leave the cell empty for a missing sample');
  }
  return v;
}
