import { isVerdantError } from '@verdant/core';
import { isCloudRegionId, lookupCloudRegion } from '../zones/cloud-regions.js';
import { resolveZone } from '../zones/list-zones.js';

/**
 * Grid zone for a location as a user or a Carbon Aware SDK client writes it: anything resolveZone reads
 * (zone, country code, "aws:eu-west-1"), a bare Azure region name as the SDK uses ("westeurope"), or a zone
 * the caller's data knows (`known`, e.g. a trace's zone). Otherwise resolveZone's error, naming `field`.
 */
export function resolveLocation(input: string, field: string, known: Iterable<string> = []): string {
  const trimmed = input.trim();
  const direct = [...known].find((z) => z.toUpperCase() === trimmed.toUpperCase());
  if (direct) return direct;
  try {
    return resolveZone(trimmed, field);
  } catch (e) {
    if (!isVerdantError(e) || isCloudRegionId(trimmed)) throw e;
    try {
      return lookupCloudRegion(`azure:${trimmed}`, field).zone;
    } catch {
      throw e;
    }
  }
}
