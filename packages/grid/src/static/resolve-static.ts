import { invalidInput, type IntensitySignal } from '@verdant/core';
import { closestMatches } from '../zones/suggest.js';
import { isCloudRegionId, lookupCloudRegion } from '../zones/cloud-regions.js';
import { normalizeZoneId, staticTable, type StaticZoneRecord } from './static-table.js';

/** A requested zone matched to the record whose figures answer it. */
export interface StaticMatch {
  /** The zone id points carry: canonical for known zones, the requested id for subzone fallbacks. */
  zone: string;
  record: StaticZoneRecord;
  /** Set when a subzone we have no figure for is answered with its country's average. */
  countryFallback?: boolean;
}

/** One static figure with its provenance. */
export interface StaticFigure {
  gPerKwh: number;
  /** "static:tgwf-co2/electricitymaps-2024", "static:tgwf-co2/ember", ... */
  source: string;
}

const SOURCE = 'static:tgwf-co2';

/**
 * Matches ISO alpha-2 / alpha-3 codes, Electricity Maps zones, Ember aggregates ("WORLD") and cloud
 * regions ("aws:eu-west-1") to a record. An Electricity-Maps-style subzone we have no figure for
 * ("US-CAL-XYZ") falls back to its country; anything else unknown is an error naming the closest zones.
 */
export function matchStaticZone(input: string, field = 'zone'): StaticMatch {
  if (isCloudRegionId(input)) return matchStaticZone(lookupCloudRegion(input, field).zone, field);
  const { zones, aliases } = staticTable();
  const id = normalizeZoneId(input);
  const canonical = aliases.get(id) ?? id;
  const record = zones.get(canonical);
  if (record) return { zone: record.zone, record };
  const subzone = /^([A-Z]{2})-[A-Z0-9-]+$/.exec(id);
  const country = subzone ? zones.get(subzone[1] as string) : undefined;
  // Only real countries stand in for subzones: "EU-X" must not become the EU aggregate.
  if (country?.country) return { zone: id, record: country, countryFallback: true };
  const close = closestMatches(id, [...zones.keys(), ...aliases.keys()]);
  throw invalidInput(
    field,
    `unknown grid zone "${input}"${close.length ? `; closest known: ${close.join(', ')}` : ''}`,
    'give an ISO country code (DE or DEU), an Electricity Maps zone (US-CAL-CISO), WORLD, or a cloud region (aws:eu-west-1); listZones() lists them all',
  );
}

/**
 * The figure for a matched zone in a given year. Average: the Electricity Maps yearly value for that
 * year (or the nearest year the package has), else Ember's. Marginal: the UNFCCC factor.
 */
export function staticFigure(match: StaticMatch, signal: IntensitySignal, year: number, field = 'zone'): StaticFigure {
  const { record } = match;
  const note = match.countryFallback ? ` (country average of ${record.zone}; no figure for ${match.zone})` : '';
  if (signal === 'marginal') {
    if (record.marginal === undefined) {
      throw invalidInput(field, `no static marginal intensity for "${match.zone}"`, 'static marginal factors exist per country only; use the average signal or a marginal provider such as WattTime');
    }
    return { gPerKwh: record.marginal, source: `${SOURCE}/unfccc-marginal-2021${note}` };
  }
  const years = [...record.electricityMaps.keys()].sort((a, b) => a - b);
  if (years.length > 0) {
    const chosen = years.filter((y) => y <= year).pop() ?? (years[0] as number);
    return { gPerKwh: record.electricityMaps.get(chosen) as number, source: `${SOURCE}/electricitymaps-${chosen}${note}` };
  }
  if (record.ember !== undefined) return { gPerKwh: record.ember, source: `${SOURCE}/ember${note}` };
  throw invalidInput(field, `no static average intensity for "${match.zone}"`, 'pick the country or a neighbouring zone');
}
