import { invalidInput, nowS, type IntensityLookup, type IntensityPoint, type IntensitySignal } from '@verdant/core';
import type { IntensityProvider, IntensityQueryOptions, ZoneInfo } from '../provider.js';
import { matchStaticZone, staticFigure, type StaticMatch } from './resolve-static.js';
import { staticTable } from './static-table.js';

export interface StaticOptions {
  /** Use this year's figures whatever the time asked about (default: the year of each time). */
  year?: number;
  /** Seconds since the epoch; injectable for tests and replays. */
  clock?: () => number;
}

/** Calendar year (UTC) containing t, with its start and length in seconds. */
function yearOf(t: number): { year: number; start: number; lengthS: number } {
  const year = new Date(t * 1000).getUTCFullYear();
  const start = Date.UTC(year, 0, 1) / 1000;
  return { year, start, lengthS: Date.UTC(year + 1, 0, 1) / 1000 - start };
}

function yearPoint(match: StaticMatch, t: number, signal: IntensitySignal, fixedYear: number | undefined): IntensityPoint {
  const y = yearOf(t);
  const figure = staticFigure(match, signal, fixedYear ?? y.year);
  return { zone: match.zone, t: y.start, resolutionS: y.lengthS, gPerKwh: figure.gPerKwh, signal, source: figure.source };
}

/**
 * Yearly averages shipped with @tgwf/co2 (Electricity Maps 2021–2025 per zone, Ember per country and
 * region, UNFCCC marginal factors). Works offline; every point covers one calendar year.
 */
export class StaticProvider implements IntensityProvider {
  readonly name = 'static';
  private readonly clock: () => number;

  constructor(private readonly opts: StaticOptions = {}) {
    this.clock = opts.clock ?? nowS;
  }

  async zones(): Promise<ZoneInfo[]> {
    return staticZoneInfos();
  }

  async current(zone: string, opts: IntensityQueryOptions = {}): Promise<IntensityPoint> {
    return yearPoint(matchStaticZone(zone), this.clock(), opts.signal ?? 'average', this.opts.year);
  }

  async history(zone: string, from: number, to: number, opts: IntensityQueryOptions = {}): Promise<IntensityPoint[]> {
    if (!(to > from)) throw invalidInput('to', `must be after from (from=${from}, to=${to})`);
    const match = matchStaticZone(zone);
    const points: IntensityPoint[] = [];
    for (let t = yearOf(from).start; t < to; t += yearOf(t).lengthS) {
      points.push(yearPoint(match, t, opts.signal ?? 'average', this.opts.year));
    }
    return points;
  }

  /** Synchronous lookup for the tracker. */
  lookup(zone: string, signal: IntensitySignal = 'average'): IntensityLookup {
    const match = matchStaticZone(zone);
    const fixedYear = this.opts.year;
    // Validate now, so a missing figure fails at setup rather than mid-run.
    const first = yearPoint(match, this.clock(), signal, fixedYear);
    return {
      zone: match.zone,
      source: first.source,
      at: (t) => yearPoint(match, t, signal, fixedYear).gPerKwh,
      pointAt: (t) => yearPoint(match, t, signal, fixedYear),
    };
  }
}

/** The tracker's lookup for a zone's static yearly average (or marginal factor). */
export function staticLookup(zone: string, opts: StaticOptions & { signal?: IntensitySignal } = {}): IntensityLookup {
  return new StaticProvider(opts).lookup(zone, opts.signal);
}

/** Every zone with a static figure. */
export function staticZoneInfos(): ZoneInfo[] {
  const out: ZoneInfo[] = [];
  for (const r of staticTable().zones.values()) {
    const sources: string[] = [];
    if (r.electricityMaps.size > 0) sources.push('static:tgwf-co2/electricitymaps');
    if (r.ember !== undefined) sources.push('static:tgwf-co2/ember');
    if (r.marginal !== undefined) sources.push('static:tgwf-co2/unfccc-marginal-2021');
    if (sources.length === 0) continue;
    const info: ZoneInfo = { zone: r.zone, name: r.name, sources };
    if (r.country) info.country = r.country;
    out.push(info);
  }
  return out.sort((a, b) => a.zone.localeCompare(b.zone));
}
