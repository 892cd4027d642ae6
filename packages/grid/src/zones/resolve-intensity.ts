import type { IntensityLookup, IntensitySignal } from '@verdant/core';
import { staticLookup } from '../static/static-provider.js';
import { loadTrace } from '../trace/load-trace.js';
import { traceLookup } from '../trace/trace-provider.js';
import type { LoadTraceOptions } from '../trace/types.js';
import { resolveZone } from './list-zones.js';

/** Zone used when neither --region nor VERDANT_REGION says: the world average (Ember). */
export const DEFAULT_ZONE = 'WORLD';

export interface ResolveIntensityOptions {
  /** --region: a grid zone, country code or cloud region. */
  zone?: string;
  /** --intensity-trace: a trace file; wins over the static figure. */
  traceFile?: string;
  signal?: IntensitySignal;
  /** Options for the trace file (format, emissions, gap limit). */
  trace?: Omit<LoadTraceOptions, 'zone' | 'signal'>;
  /** Defaults to process.env (reads VERDANT_REGION). */
  env?: NodeJS.ProcessEnv;
}

/** The lookup plus how the zone was chosen, so the CLI can say "using WORLD (default)". */
export interface ResolvedIntensity extends IntensityLookup {
  zoneFrom: 'option' | 'env' | 'default' | 'trace';
}

/**
 * What `verdant run --region X --intensity-trace F` uses: the trace if given (labelled with the zone
 * when one is given), else the static yearly average for the zone from --region, then VERDANT_REGION,
 * then WORLD.
 */
export async function resolveIntensity(opts: ResolveIntensityOptions = {}): Promise<ResolvedIntensity> {
  const env = opts.env ?? process.env;
  const fromEnv = env.VERDANT_REGION?.trim();
  const given = opts.zone?.trim() || undefined;
  const field = given ? '--region' : 'VERDANT_REGION';
  const zone = given ? resolveZone(given, field) : fromEnv ? resolveZone(fromEnv, field) : undefined;

  if (opts.traceFile) {
    const traceOpts: LoadTraceOptions = { ...opts.trace, signal: opts.signal ?? 'average' };
    if (given && zone) traceOpts.zone = zone;
    const trace = await loadTrace(opts.traceFile, traceOpts);
    return { ...traceLookup(trace), zoneFrom: given ? 'option' : 'trace' };
  }
  const lookup = staticLookup(zone ?? DEFAULT_ZONE, { signal: opts.signal ?? 'average' });
  return { ...lookup, zoneFrom: given ? 'option' : fromEnv ? 'env' : 'default' };
}
