import { invalidInput } from '@verdant/core';
import type { ZoneInfo } from '../provider.js';
import { staticZoneInfos } from '../static/static-provider.js';
import { shippedTraces } from '../trace/shipped.js';
import { isCloudRegionId, lookupCloudRegion } from './cloud-regions.js';
import { matchStaticZone } from '../static/resolve-static.js';

/** Every zone Verdant knows offline: static yearly averages plus the shipped hourly traces. */
export function listZones(): ZoneInfo[] {
  const zones = new Map(staticZoneInfos().map((z) => [z.zone, { ...z, sources: [...z.sources] }]));
  for (const trace of shippedTraces()) {
    const source = `trace:electricitymaps/${trace.zone}_${trace.year}_hourly.csv`;
    const known = zones.get(trace.zone);
    if (known) known.sources.push(source);
    else zones.set(trace.zone, { zone: trace.zone, name: trace.zone, sources: [source] });
  }
  return [...zones.values()].sort((a, b) => a.zone.localeCompare(b.zone));
}

/**
 * Canonical grid zone for what a user typed: a cloud region ("aws:eu-west-1" → "IE"), an ISO alpha-3
 * code ("DEU" → "DE"), a zone in any case ("us-cal-ciso" → "US-CAL-CISO"), or a subzone we only know
 * the country of (kept as typed). Unknown input is a usage error listing the closest known names.
 */
export function resolveZone(input: string, field = 'zone'): string {
  if (input.trim() === '') throw invalidInput(field, 'is empty', 'give a grid zone (DE, US-CAL-CISO), a country code, WORLD, or a cloud region (aws:eu-west-1)');
  if (isCloudRegionId(input)) return lookupCloudRegion(input, field).zone;
  return matchStaticZone(input, field).zone;
}
