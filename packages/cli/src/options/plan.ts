import { invalidInput, nowS, parseDeadline, parseDuration, parseEnergy, parseNonNegative, parsePower, parseTime } from '@verdant/core';
import { resolveLocation } from '@verdant/grid';
import { loadPriceFile, planFromProvider, type Objective, type PlanRequest, type PlanResult } from '@verdant/schedule';
import { noRegion, parseSignal, regionZone, withIntensity } from './intensity.js';
import type { PlanOptions } from './plan-options.js';

// What `plan` and `compare-regions` share behind their options: one call of schedule's planFromProvider.
// The planner names PlanRequest's fields in its errors; the error renderer shows them as these flags.

function objective(o: PlanOptions): Objective {
  if (o.objective === 'carbon' || o.objective === 'cost') return o.objective;
  if (o.objective === 'mix') return { carbon: parseNonNegative(o.carbonWeight, '--carbon-weight'), cost: parseNonNegative(o.costWeight, '--cost-weight') };
  throw invalidInput('--objective', `unknown objective "${o.objective}"`, 'use carbon, cost or mix');
}

/** Validates the options, plans over the chosen source (the traces, else the configured providers), and returns the result. */
export async function planFromOptions(o: PlanOptions): Promise<PlanResult> {
  const durationS = parseDuration(o.duration, '--duration');
  const earliest = o.earliest === undefined ? undefined : parseTime(o.earliest, '--earliest');
  const signal = parseSignal(o.signal);
  const obj = objective(o);
  if (o.minChunk !== undefined || o.pauseOverhead !== undefined) {
    if (!o.interruptible) throw invalidInput(o.minChunk !== undefined ? '--min-chunk' : '--pause-overhead', 'only applies to interruptible jobs', 'add --interruptible');
  }
  const now = nowS();
  const request: Omit<PlanRequest, 'zones'> = {
    durationS,
    ...(earliest !== undefined ? { earliestStart: earliest } : {}),
    ...(o.deadline !== undefined ? { deadline: parseDeadline(o.deadline, earliest ?? now, '--deadline') } : {}),
    ...(o.power !== undefined ? { powerW: parsePower(o.power, '--power') } : {}),
    ...(o.energy !== undefined ? { energyJ: parseEnergy(o.energy, '--energy') } : {}),
    interruptible: o.interruptible
      ? {
          minChunkS: o.minChunk === undefined ? 0 : parseDuration(o.minChunk, '--min-chunk'),
          pauseOverheadS: o.pauseOverhead === undefined ? 0 : parseDuration(o.pauseOverhead, '--pause-overhead'),
        }
      : false,
    objective: obj,
    signal,
  };
  const prices = o.prices ? await loadPriceFile(o.prices, '--prices') : undefined;
  return withIntensity(o.trace, { signal, ...(o.region.length === 1 ? { zone: o.region[0]! } : {}) }, async (provider, known) => {
    // The zones: every --region; else the zones the traces name; else VERDANT_REGION.
    let zones = o.region.map((r) => resolveLocation(r, '--region', known));
    if (zones.length === 0) zones = known.length > 0 ? known : [regionZone(undefined) ?? throwNoRegion()];
    return planFromProvider({ ...request, zones: [...new Set(zones)], ...(prices ? { prices } : {}) }, provider, { now: () => now });
  });
}

function throwNoRegion(): never {
  throw noRegion('--region (repeatable)');
}
