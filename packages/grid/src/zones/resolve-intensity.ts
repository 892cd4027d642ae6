import { invalidInput, readRegion, type IntensityLookup, type IntensitySignal } from '@verdant/core';
import { staticLookup } from '../static/static-provider.js';
import { loadTrace } from '../trace/load-trace.js';
import { traceLookup, type TraceCoverage } from '../trace/coverage.js';
import type { LoadTraceOptions } from '../trace/types.js';
import { resolveZone } from './list-zones.js';

/** Zone used when neither the `zone` option nor VERDANT_REGION says: the world average (Ember). */
export const DEFAULT_ZONE = 'WORLD';

export interface ResolveIntensityOptions {
  /** A grid zone, country code or cloud region. Errors about it name the field `zone`. */
  zone?: string;
  /** A trace file; wins over the static figure. Errors about it name the field `traceFile`. */
  traceFile?: string;
  signal?: IntensitySignal;
  /** Options for the trace file (format, emissions, gap limit). */
  trace?: Omit<LoadTraceOptions, 'zone' | 'signal'>;
  /** Replay this year of the trace onto the run's dates (same month, day and time of day, UTC). Errors name `replayYear`. */
  replayYear?: number;
  /** Defaults to process.env (reads VERDANT_REGION). */
  env?: NodeJS.ProcessEnv;
}

/** The lookup plus how the zone was chosen, so the CLI can say "using WORLD (default)". */
export interface ResolvedIntensity extends IntensityLookup {
  zoneFrom: 'option' | 'env' | 'default' | 'trace';
  /** For a trace: what it covers (check the run's start with checkTraceCovers before starting). */
  coverage?: TraceCoverage;
}

/**
 * The lookup a measured run charges its energy with (what `verdant run` uses): the trace if given (labelled
 * with the zone when one is given), else the static yearly average for `zone`, then VERDANT_REGION, then WORLD.
 */
export async function resolveIntensity(opts: ResolveIntensityOptions = {}): Promise<ResolvedIntensity> {
  if (opts.replayYear !== undefined && !opts.traceFile) throw invalidInput('replayYear', 'only applies to a trace', 'give the trace to replay, or leave the year out');
  const env = opts.env ?? process.env;
  // The one default rule (core's readRegion): the zone given, else VERDANT_REGION.
  const region = readRegion(opts.zone, env);
  const given = region?.from === 'given';
  const zone = region ? resolveZone(region.region, given ? 'zone' : 'VERDANT_REGION') : undefined;

  if (opts.traceFile) {
    const traceOpts: LoadTraceOptions = { field: 'traceFile', ...opts.trace, signal: opts.signal ?? 'average' };
    if (given && zone) traceOpts.zone = zone;
    const trace = await loadTrace(opts.traceFile, traceOpts);
    return { ...traceLookup(trace, { replayYear: opts.replayYear }), zoneFrom: given ? 'option' : 'trace' };
  }
  const lookup = staticLookup(zone ?? DEFAULT_ZONE, { signal: opts.signal ?? 'average' });
  return { ...lookup, zoneFrom: given ? 'option' : region ? 'env' : 'default' };
}
