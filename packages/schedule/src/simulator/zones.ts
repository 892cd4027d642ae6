/**
 * IANA time zones of the shipped trace zones, for local office hours and local "daily at 01:00".
 * A zone not listed here falls back to UTC unless the caller names a time zone.
 */
export const ZONE_TIME_ZONES: Readonly<Record<string, string>> = {
  BR: 'America/Sao_Paulo',
  ES: 'Europe/Madrid',
  NO: 'Europe/Oslo',
  'US-CAL-CISO': 'America/Los_Angeles',
  DE: 'Europe/Berlin',
  FR: 'Europe/Paris',
  GB: 'Europe/London',
};

export const SHIPPED_ZONES = ['BR', 'ES', 'NO', 'US-CAL-CISO'] as const;
export const SHIPPED_YEARS = [2021, 2022, 2023] as const;

export const timeZoneOf = (zone: string): string => ZONE_TIME_ZONES[zone] ?? 'UTC';
