import { traceError, type TraceContext } from './trace-error.js';
import type { CsvRow } from './csv.js';
import { findColumn, normalizeHeader, readIntensityCell, readTimeCell } from './cells.js';
import type { RawSample } from './types.js';

const TIME = 'Datetime (UTC)';
const ZONE = 'Zone Id';
const INTENSITY = {
  lifecycle: 'Carbon Intensity gCO₂eq/kWh (LCA)',
  direct: 'Carbon Intensity gCO₂eq/kWh (direct)',
} as const;

/** The Electricity Maps data portal's hourly/daily CSV export is recognised by these two columns. */
export function isEmPortalHeader(header: readonly string[]): boolean {
  return findColumn(header, [TIME]) >= 0 && findColumn(header, [ZONE]) >= 0;
}

/**
 * Reads an Electricity Maps portal export: `Datetime (UTC)` (UTC by definition, no offset written),
 * `Zone Id` (one zone per file), and the lifecycle (LCA) or direct intensity column.
 */
export function readEmPortalCsv(rows: readonly CsvRow[], ctx: TraceContext, emissions: 'lifecycle' | 'direct'): { zone: string; samples: RawSample[] } {
  const [header, ...body] = rows;
  if (!header) throw traceError(ctx, undefined, 'the file is empty');
  const valueName = INTENSITY[emissions];
  const cols = { time: findColumn(header.cells, [TIME]), zone: findColumn(header.cells, [ZONE]), value: findColumn(header.cells, [valueName]) };
  const missing = [cols.time < 0 && TIME, cols.zone < 0 && ZONE, cols.value < 0 && valueName].filter((x): x is string => Boolean(x));
  if (missing.length > 0) {
    throw traceError(ctx, header.line, `missing column(s) ${missing.map((m) => `"${m}"`).join(', ')}; found ${header.cells.map((c) => `"${c}"`).join(', ')}`,
      'use the Electricity Maps portal export unchanged, or a plain CSV with columns time,gco2_per_kwh');
  }
  let zone: string | undefined;
  let zoneLine = 0;
  const samples: RawSample[] = [];
  for (const row of body) {
    if (row.cells.length < header.cells.length) {
      throw traceError(ctx, row.line, `expected ${header.cells.length} columns, found ${row.cells.length}`);
    }
    const rowZone = row.cells[cols.zone] as string;
    if (zone === undefined) {
      zone = rowZone;
      zoneLine = row.line;
    } else if (rowZone !== zone) {
      throw traceError(ctx, row.line, `zone "${rowZone}" differs from "${zone}" on ${ctx.unit} ${zoneLine}`, 'keep one zone per trace file');
    }
    const time = readTimeCell(row.cells[cols.time], ctx, row.line);
    const gPerKwh = readIntensityCell(row.cells[cols.value], ctx, row.line, normalizeHeader(valueName));
    // The column is UTC by its name, so an offset-less time here is not "naive".
    samples.push({ line: row.line, t: time.t, gPerKwh, naive: false });
  }
  if (zone === undefined || zone === '') throw traceError(ctx, undefined, 'no data rows (or an empty "Zone Id")');
  return { zone, samples };
}
