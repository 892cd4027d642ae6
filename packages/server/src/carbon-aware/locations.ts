import { isVerdantError } from '@verdant/core';
import { resolveLocation, type IntensityProvider } from '@verdant/grid';

/**
 * Resolves locations for one provider: by name first (no I/O), and only when that fails against the zones
 * the provider lists (e.g. a trace's own zone), fetched once.
 */
export function locationResolver(provider: IntensityProvider): (input: string, field: string) => Promise<string> {
  let zones: Promise<string[]> | undefined;
  return async (input, field) => {
    try {
      return resolveLocation(input, field);
    } catch (e) {
      if (!isVerdantError(e)) throw e;
      zones ??= provider.zones().then((zs) => zs.map((z) => z.zone), () => []);
      return resolveLocation(input, field, await zones);
    }
  };
}
