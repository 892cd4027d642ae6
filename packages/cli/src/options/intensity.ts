import { ExitCode, VerdantError, invalidInput, isVerdantError, readRegion, type IntensitySignal } from '@verdant/core';
import { providerFromEnv, resolveIntensity, resolveLocation, traceProviderFromSpecs, type IntensityProvider, type ResolvedIntensity } from '@verdant/grid';
import { withStore } from './store.js';

// Where commands get their intensity from (--region, VERDANT_REGION, --trace, --intensity-trace). Loaded by
// actions, never at start-up: it imports @verdant/grid.

export function parseSignal(v: string, field = '--signal'): IntensitySignal {
  if (v === 'average' || v === 'marginal') return v;
  throw invalidInput(field, `unknown signal "${v}"`, 'use average or marginal');
}

/**
 * The intensity a measured (or estimated) run is charged with: --intensity-trace, else --region, else
 * VERDANT_REGION, else the world average (grid's resolveIntensity; its errors name its own fields, which the
 * error renderer shows as these flags).
 */
export async function runIntensity(o: { region?: string; intensityTrace?: string; replayYear?: number }): Promise<ResolvedIntensity> {
  return resolveIntensity({
    ...(o.region ? { zone: o.region } : {}),
    ...(o.intensityTrace ? { traceFile: o.intensityTrace } : {}),
    ...(o.replayYear !== undefined ? { replayYear: o.replayYear } : {}),
  });
}

/**
 * The zone of `--region`, else of VERDANT_REGION (core's readRegion, the one default rule), named by where it
 * came from when it is not a zone; undefined when neither is set. `known` adds zones a trace names.
 */
export function regionZone(region: string | undefined, known: Iterable<string> = []): string | undefined {
  const setting = readRegion(region);
  if (!setting) return undefined;
  return resolveLocation(setting.region, setting.from === 'given' ? '--region' : 'VERDANT_REGION', known);
}

/** A plan or a job needs a region and none was given or set. */
export function noRegion(example: string): VerdantError {
  return invalidInput('--region', 'no region given', `pass ${example} or set VERDANT_REGION`);
}

/** A trace answers only inside its span (the library's `clock`): say which option moves the time there. */
export function traceTimeError(e: unknown, field: string): unknown {
  if (isVerdantError(e) && e.field === 'clock') {
    return new VerdantError(e.message, { field, fix: `give ${field} a time inside the trace (e.g. ${field} 2023-06-01T12:00Z for a 2023 trace)`, exitCode: ExitCode.usage });
  }
  return e;
}

/**
 * Runs fn with the configured intensity source: the trace(s) when given (replayed with their clock at `clock`),
 * else the env-configured fallback chain over the store's cache.
 */
export async function withIntensity<T>(traces: string[], opts: { zone?: string; signal?: IntensitySignal; clock?: number }, fn: (p: IntensityProvider, known: string[]) => Promise<T>): Promise<T> {
  if (traces.length > 0) {
    const clock = opts.clock;
    const provider = await traceProviderFromSpecs(traces, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.zone ? { zone: opts.zone } : {}),
      ...(clock !== undefined ? { clock: () => clock } : {}),
    });
    return fn(provider, (await provider.zones()).map((z) => z.zone));
  }
  return withStore((store) => fn(providerFromEnv(process.env, store), []));
}
