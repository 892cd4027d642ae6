import { createRequire } from 'node:module';

/** The slices of @tgwf/co2's bundled data that we read (the package ships no type declarations). */
export interface EmYearlyEntry {
  zone: { zoneName: string; displayName?: string; countryName?: string };
  carbonIntensity: { value: number; unit: string };
}
export interface TgwfData {
  /** Ember yearly averages, gCO2e/kWh, keyed by ISO alpha-3 or an aggregate ("WORLD", "EU", ...). */
  averageIntensity: { data: Record<string, number> };
  /** UNFCCC-derived marginal factors (2021), gCO2e/kWh as strings, keyed by ISO alpha-3. */
  marginalIntensity: { data: Record<string, string | number> };
  /** Electricity Maps yearly averages keyed "yearly2021" … "yearly2025", each keyed by zone id. */
  electricityMaps: Record<string, { data: Record<string, EmYearlyEntry> }>;
}

let cached: TgwfData | undefined;

/**
 * Loads the data on first use: the modules are ~500 kB of JavaScript that most CLI invocations never
 * touch, so a lazy synchronous require keeps startup cheap while lookups stay synchronous.
 */
export function tgwfData(): TgwfData {
  if (!cached) {
    const require = createRequire(import.meta.url);
    cached = require('@tgwf/co2/data') as TgwfData;
  }
  return cached;
}
