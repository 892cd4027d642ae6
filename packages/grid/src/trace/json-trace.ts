import { z } from 'zod';
import { traceError, type TraceContext } from './trace-error.js';
import { readIntensityCell, readTimeCell } from './cells.js';
import type { RawSample } from './types.js';

/** A plain entry `{time, gco2_per_kwh}` or an Electricity Maps history entry `{datetime, carbonIntensity}`. */
const Entry = z.object({
  time: z.union([z.string(), z.number()]).optional(),
  datetime: z.string().optional(),
  gco2_per_kwh: z.number().nullable().optional(),
  carbonIntensity: z.number().nullable().optional(),
  zone: z.string().optional(),
});

/** The Electricity Maps carbon-intensity history response: `{zone, history: [...]}` (or `data: [...]`). */
const EmHistory = z.object({ zone: z.string().optional(), history: z.array(z.unknown()).optional(), data: z.array(z.unknown()).optional() });

/** Reads a JSON array of entries or an Electricity Maps history object. Positions are 1-based entries. */
export function readJsonTrace(text: string, ctx: TraceContext): { zone?: string; samples: RawSample[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw traceError({ ...ctx, unit: 'line' }, jsonErrorLine(text, e), `not valid JSON (${(e as Error).message})`);
  }
  let entries: unknown[];
  let zone: string | undefined;
  const history = Array.isArray(doc) ? undefined : EmHistory.safeParse(doc);
  if (Array.isArray(doc)) entries = doc;
  else if (history?.success && (history.data.history ?? history.data.data)) {
    entries = (history.data.history ?? history.data.data) as unknown[];
    zone = history.data.zone;
  } else {
    throw traceError(ctx, undefined, 'expected an array of {"time", "gco2_per_kwh"} or an Electricity Maps history object {"zone", "history": [...]}');
  }

  const samples: RawSample[] = [];
  entries.forEach((raw, i) => {
    const pos = i + 1;
    const parsed = Entry.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw traceError(ctx, pos, `${issue?.path.join('.') || 'entry'}: ${issue?.message ?? 'invalid'}`, 'each entry needs "time" and "gco2_per_kwh" (or "datetime" and "carbonIntensity")');
    }
    const e = parsed.data;
    const time = e.time ?? e.datetime;
    const valueKey = 'gco2_per_kwh' in e ? 'gco2_per_kwh' : 'carbonIntensity' in e ? 'carbonIntensity' : undefined;
    if (time === undefined || valueKey === undefined) {
      throw traceError(ctx, pos, `missing ${time === undefined ? '"time"' : '"gco2_per_kwh"'}`, 'each entry needs "time" and "gco2_per_kwh" (or "datetime" and "carbonIntensity")');
    }
    if (e.zone !== undefined) {
      if (zone === undefined) zone = e.zone;
      else if (e.zone !== zone) throw traceError(ctx, pos, `zone "${e.zone}" differs from "${zone}"`, 'keep one zone per trace file');
    }
    const t = readTimeCell(time, ctx, pos);
    samples.push({ line: pos, t: t.t, gPerKwh: readIntensityCell(e[valueKey], ctx, pos, valueKey), naive: t.naive });
  });
  return zone ? { zone, samples } : { samples };
}

/** Line of a JSON.parse failure, from the "position N" Node reports. */
function jsonErrorLine(text: string, e: unknown): number | undefined {
  const m = /position (\d+)/.exec((e as Error).message);
  if (!m) return undefined;
  return text.slice(0, Number(m[1])).split('\n').length;
}
