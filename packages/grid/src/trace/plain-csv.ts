import { traceError, type TraceContext } from './trace-error.js';
import type { CsvRow } from './csv.js';
import { findColumn, readIntensityCell, readTimeCell } from './cells.js';
import type { RawSample } from './types.js';

export const TIME_COLUMNS = ['time', 'datetime', 'timestamp'] as const;
export const VALUE_COLUMNS = ['gco2_per_kwh', 'gco2e_per_kwh', 'carbon_intensity'] as const;

/** Reads `time,gco2_per_kwh` (plus an optional `zone` column; extra columns are ignored). */
export function readPlainCsv(rows: readonly CsvRow[], ctx: TraceContext): { zone?: string; samples: RawSample[] } {
  const [header, ...body] = rows;
  if (!header) throw traceError(ctx, undefined, 'the file is empty');
  const time = findColumn(header.cells, TIME_COLUMNS);
  const value = findColumn(header.cells, VALUE_COLUMNS);
  const zoneCol = findColumn(header.cells, ['zone']);
  const missing = [time < 0 && 'time', value < 0 && 'gco2_per_kwh'].filter((x): x is string => Boolean(x));
  if (missing.length > 0) {
    throw traceError(ctx, header.line, `missing column(s) ${missing.join(', ')}; found ${header.cells.map((c) => `"${c}"`).join(', ')}`,
      `start the file with the header "time,gco2_per_kwh" (time also as ${TIME_COLUMNS.slice(1).join('/')}, value also as ${VALUE_COLUMNS.slice(1).join('/')})`);
  }
  let zone: string | undefined;
  const samples: RawSample[] = [];
  for (const row of body) {
    const parsed = readTimeCell(row.cells[time], ctx, row.line);
    const gPerKwh = readIntensityCell(row.cells[value], ctx, row.line, header.cells[value] as string);
    if (zoneCol >= 0) {
      const z = row.cells[zoneCol] ?? '';
      if (zone === undefined) zone = z;
      else if (z !== zone) throw traceError(ctx, row.line, `zone "${z}" differs from "${zone}" above`, 'keep one zone per trace file');
    }
    samples.push({ line: row.line, t: parsed.t, gPerKwh, naive: parsed.naive });
  }
  return zone ? { zone, samples } : { samples };
}
