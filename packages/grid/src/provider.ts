import type { IntensityPoint, IntensitySignal } from '@verdant/core';

/** Options every provider call accepts; providers ignore what they cannot honour. */
export interface IntensityQueryOptions {
  /**
   * Average or marginal emissions; providers that cannot serve a signal throw. Left out, each provider uses
   * its own default: average everywhere except WattTime, whose default is marginal (co2_moer).
   */
  signal?: IntensitySignal;
  /** Cancels an in-flight network request. */
  abortSignal?: AbortSignal;
}

/** A grid zone a provider can answer for. */
export interface ZoneInfo {
  /** Zone id as the provider names it: ISO country code ("DE") or grid zone ("US-CAL-CISO"). */
  zone: string;
  name: string;
  /** ISO 3166-1 alpha-2 country code, when the zone lies in one country. */
  country?: string;
  /** Which providers or datasets know this zone ("static:tgwf-co2", "trace:DE-2022", ...). */
  sources: string[];
}

/** One source of carbon intensity: static averages, trace files or an HTTP API. Times are epoch seconds. */
export interface IntensityProvider {
  /** "static", "trace", "electricitymaps", "watttime", "ukgrid". */
  readonly name: string;
  zones(): Promise<ZoneInfo[]>;
  current(zone: string, opts?: IntensityQueryOptions): Promise<IntensityPoint>;
  /** Points whose interval overlaps [from, to), sorted by time. */
  history(zone: string, from: number, to: number, opts?: IntensityQueryOptions): Promise<IntensityPoint[]>;
  /** Points from now to now + horizonS, sorted by time; each carries generatedAt. */
  forecast?(zone: string, horizonS: number, opts?: IntensityQueryOptions): Promise<IntensityPoint[]>;
}
