import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { VerdantError, ExitCode } from '@verdant/core';
import { parseCsv } from './csv.js';
import { buildTrace } from './build-trace.js';
import { isEmPortalHeader, readEmPortalCsv } from './em-portal-csv.js';
import { readJsonTrace } from './json-trace.js';
import { readPlainCsv } from './plain-csv.js';
import { traceError, type TraceContext } from './trace-error.js';
import type { IntensityTrace, LoadTraceOptions, RawSample, TraceFormat } from './types.js';

/**
 * Reads and validates a trace file: an Electricity Maps portal CSV, a plain `time,gco2_per_kwh` CSV,
 * or JSON. Errors are VerdantErrors naming the file and the line.
 */
export async function loadTrace(file: string, opts: LoadTraceOptions = {}): Promise<IntensityTrace> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new VerdantError(`${file}: cannot read the trace file (${code ?? String(cause)})`, {
      field: opts.field ?? 'trace',
      fix: code === 'ENOENT' ? 'check the path' : 'check the file permissions',
      exitCode: ExitCode.usage,
      cause,
    });
  }
  return parseTrace(text, { ...opts, name: file });
}

/** Same as loadTrace, from text already in memory; `name` labels errors and the source. */
export function parseTrace(text: string, opts: LoadTraceOptions & { name: string }): IntensityTrace {
  const ctx: TraceContext = { file: opts.name, field: opts.field ?? 'trace', unit: 'line' };
  const format = detectFormat(text, opts);
  let read: { zone?: string; samples: RawSample[] };
  if (format === 'json') read = readJsonTrace(text, { ...ctx, unit: 'entry' });
  else {
    const { rows, unterminatedQuoteLine } = parseCsv(text, { comments: true });
    if (unterminatedQuoteLine !== undefined) throw traceError(ctx, unterminatedQuoteLine, 'a quoted cell is not closed on this line');
    read = format === 'electricitymaps' ? readEmPortalCsv(rows, ctx, opts.emissions ?? 'lifecycle') : readPlainCsv(rows, ctx);
  }
  if (read.zone !== undefined && opts.zone !== undefined && read.zone.toUpperCase() !== opts.zone.toUpperCase()) {
    throw traceError(ctx, undefined, `the file is for zone "${read.zone}", not "${opts.zone}"`, 'drop the zone option or pick the matching trace');
  }
  const base = path.basename(opts.name);
  const zone = read.zone ?? opts.zone ?? base.replace(/\.[^.]*$/, '');
  const buildOpts = { zone, source: `trace:${base}`, signal: opts.signal ?? 'average', ...pick(opts, 'resolutionS', 'maxGapS') };
  return buildTrace(read.samples, format === 'json' ? { ...ctx, unit: 'entry' } : ctx, buildOpts);
}

function detectFormat(text: string, opts: LoadTraceOptions & { name: string }): TraceFormat {
  if (opts.format && opts.format !== 'auto') return opts.format;
  if (/\.json$/i.test(opts.name) || /^\uFEFF?\s*[[{]/.test(text)) return 'json';
  const header = parseCsv(text.slice(0, 4096), { comments: true }).rows[0];
  return header && isEmPortalHeader(header.cells) ? 'electricitymaps' : 'csv';
}

function pick<T extends object, K extends keyof T>(obj: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
