import { tgwfData } from './tgwf-data.js';
import { ISO2_TO_ISO3, ISO3_TO_ISO2, countryName } from './iso-countries.js';

/** Everything @tgwf/co2 knows about one zone. */
export interface StaticZoneRecord {
  /** Canonical id: Electricity Maps zone ("DE", "US-CAL-CISO") or Ember aggregate ("WORLD", "EU"). */
  zone: string;
  name: string;
  /** ISO alpha-2 country, when the zone lies in one. */
  country?: string;
  /** Electricity Maps yearly averages (lifecycle), gCO2e/kWh by year. */
  electricityMaps: Map<number, number>;
  /** Ember yearly average, gCO2e/kWh (one year; the package does not say which). */
  ember?: number;
  /** UNFCCC-derived marginal factor (2021), gCO2e/kWh. */
  marginal?: number;
}

export interface StaticTable {
  zones: ReadonlyMap<string, StaticZoneRecord>;
  /** Other spellings (ISO alpha-3 codes) → canonical zone id. */
  aliases: ReadonlyMap<string, string>;
}

/** Upper case, with spaces and underscores as hyphens: "north america" → "NORTH-AMERICA". */
export const normalizeZoneId = (input: string): string => input.trim().toUpperCase().replace(/[\s_]+/g, '-');

const titleCase = (s: string): string => s.toLowerCase().replace(/(^|[\s-])\p{L}/gu, (m) => m.toUpperCase());

let table: StaticTable | undefined;

export function staticTable(): StaticTable {
  if (table) return table;
  const data = tgwfData();
  const zones = new Map<string, StaticZoneRecord>();
  const record = (zone: string, name: string, country: string | undefined): StaticZoneRecord => {
    let r = zones.get(zone);
    if (!r) {
      r = { zone, name, electricityMaps: new Map() };
      if (country) r.country = country;
      zones.set(zone, r);
    }
    return r;
  };

  for (const [key, yearly] of Object.entries(data.electricityMaps)) {
    const year = Number(/^yearly(\d{4})$/.exec(key)?.[1]);
    if (!Number.isInteger(year)) continue;
    for (const [zone, entry] of Object.entries(yearly.data)) {
      const value = entry.carbonIntensity?.value;
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const prefix = zone.split('-')[0] as string;
      const country = ISO2_TO_ISO3.has(prefix) ? prefix : undefined;
      const name = entry.zone.displayName ?? entry.zone.zoneName;
      record(zone, name, country).electricityMaps.set(year, value);
    }
  }

  for (const [key, value] of Object.entries(data.averageIntensity.data)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const iso2 = ISO3_TO_ISO2.get(key);
    if (iso2) record(iso2, countryName(iso2) ?? iso2, iso2).ember = value;
    else record(normalizeZoneId(key), titleCase(key), undefined).ember = value;
  }

  for (const [key, raw] of Object.entries(data.marginalIntensity.data)) {
    const iso2 = ISO3_TO_ISO2.get(key);
    const value = Number(raw);
    const r = iso2 ? zones.get(iso2) : undefined;
    if (r && Number.isFinite(value)) r.marginal = value;
  }

  const aliases = new Map<string, string>();
  for (const [iso3, iso2] of ISO3_TO_ISO2) if (zones.has(iso2)) aliases.set(iso3, iso2);
  table = { zones, aliases };
  return table;
}
