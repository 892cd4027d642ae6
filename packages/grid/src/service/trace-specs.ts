import { existsSync } from 'node:fs';
import { VerdantError, invalidInput, isVerdantError, type IntensitySignal } from '@verdant/core';
import { loadTrace } from '../trace/load-trace.js';
import { shippedTracePath } from '../trace/shipped.js';
import { TraceProvider } from '../trace/trace-provider.js';
import type { IntensityTrace } from '../trace/types.js';

/** "ES:2023" names a shipped trace (zone and year); anything else, or an existing file, is a path. */
const SHIPPED = /^([A-Za-z][A-Za-z0-9-]*):(\d{4})$/;

export interface TraceSpecOptions {
  /** Field named in errors (a caller may name its own option). Default "traces". */
  field?: string;
  /** Label for a file that does not name its zone (used only when exactly one trace file is given). */
  zone?: string;
  signal?: IntensitySignal;
  /** Clock for the provider's current()/forecast() (replays a past trace as if live). */
  clock?: () => number;
}

/** Loads each spec: a shipped trace ("ES:2023") or a trace file. */
export async function loadTraceSpecs(specs: readonly string[], opts: TraceSpecOptions = {}): Promise<IntensityTrace[]> {
  const field = opts.field ?? 'traces';
  if (specs.length === 0) throw invalidInput(field, 'no trace given', 'give a trace file or a shipped trace such as ES:2023');
  return Promise.all(
    specs.map((spec) => {
      const m = SHIPPED.exec(spec.trim());
      const isShipped = m !== null && !existsSync(spec);
      const path = isShipped ? shipped(m[1]!, Number(m[2]), field) : spec;
      // Shipped traces name their zone; the label is for a user's file without a zone column.
      const zone = !isShipped && specs.length === 1 && opts.zone ? { zone: opts.zone } : {};
      return loadTrace(path, { field, signal: opts.signal ?? 'average', ...zone });
    }),
  );
}

/** A TraceProvider over the specs (see loadTraceSpecs). */
export async function traceProviderFromSpecs(specs: readonly string[], opts: TraceSpecOptions = {}): Promise<TraceProvider> {
  const traces = await loadTraceSpecs(specs, opts);
  // Overlapping traces too are reported under the caller's field, as every other error about the specs is.
  return new TraceProvider(traces, { clock: opts.clock, field: opts.field });
}

/** shippedTracePath, with errors naming the caller's field. */
function shipped(zone: string, year: number, field: string): string {
  try {
    return shippedTracePath(zone, year);
  } catch (e) {
    if (!isVerdantError(e)) throw e;
    throw new VerdantError(e.message, { field, exitCode: e.exitCode, ...(e.fix ? { fix: e.fix } : {}) });
  }
}
