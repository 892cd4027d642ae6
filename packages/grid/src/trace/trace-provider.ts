import { ExitCode, VerdantError, invalidInput, nowS, stepLookup, toIso, type IntensityPoint } from '@verdant/core';
import type { IntensityProvider, IntensityQueryOptions, ZoneInfo } from '../provider.js';
import { closestMatches } from '../zones/suggest.js';
import type { IntensityTrace } from './types.js';

export interface TraceProviderOptions {
  /** Seconds since the epoch for current()/forecast(); set it to replay a past trace as if live. */
  clock?: () => number;
  /** Field named in errors about the traces themselves (none given, overlapping). Default "traces". */
  field?: string;
}

interface ZoneSeries {
  points: IntensityPoint[];
  sources: string[];
}

const end = (p: IntensityPoint): number => p.t + p.resolutionS;

/**
 * Serves one or more traces as a provider. Several traces of one zone (e.g. one file per year) are
 * merged; overlapping ones are rejected. current() and forecast() read the trace at clock(): they
 * answer only inside the trace's span, since holding a 2022 value as "now" would be a silent guess.
 * forecast() is a perfect-foresight forecast (the recorded future), meant for simulations.
 */
export class TraceProvider implements IntensityProvider {
  readonly name = 'trace';
  private readonly series = new Map<string, ZoneSeries>();
  private readonly clock: () => number;

  constructor(traces: readonly IntensityTrace[], opts: TraceProviderOptions = {}) {
    const field = opts.field ?? 'traces';
    if (traces.length === 0) throw invalidInput(field, 'no traces given', 'load at least one trace file');
    this.clock = opts.clock ?? nowS;
    const byZone = new Map<string, IntensityTrace[]>();
    for (const trace of traces) byZone.set(trace.zone, [...(byZone.get(trace.zone) ?? []), trace]);
    for (const [zone, list] of byZone) {
      list.sort((a, b) => (a.points[0]?.t ?? 0) - (b.points[0]?.t ?? 0));
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1] as IntensityTrace;
        const cur = list[i] as IntensityTrace;
        const prevLast = prev.points[prev.points.length - 1] as IntensityPoint;
        if ((cur.points[0] as IntensityPoint).t < end(prevLast)) {
          throw invalidInput(field, `traces ${prev.source} and ${cur.source} overlap for zone ${zone}`, 'give each time span of a zone once');
        }
      }
      this.series.set(zone, { points: list.flatMap((t) => t.points), sources: list.map((t) => t.source) });
    }
  }

  async zones(): Promise<ZoneInfo[]> {
    return [...this.series].map(([zone, s]) => ({ zone, name: zone, sources: s.sources }));
  }

  async current(zone: string, opts: IntensityQueryOptions = {}): Promise<IntensityPoint> {
    const points = this.pointsFor(zone, opts);
    const now = this.clock();
    const first = points[0] as IntensityPoint;
    const last = points[points.length - 1] as IntensityPoint;
    if (now < first.t || now >= end(last)) {
      throw new VerdantError(`the trace for ${zone} covers ${toIso(first.t)} to ${toIso(end(last))}, not now (${toIso(now)})`, {
        field: 'clock',
        fix: 'use history() for past spans, or give the provider a clock inside the trace to replay it',
        exitCode: ExitCode.provider,
      });
    }
    return stepLookup(points, now);
  }

  async history(zone: string, from: number, to: number, opts: IntensityQueryOptions = {}): Promise<IntensityPoint[]> {
    if (!(to > from)) throw invalidInput('to', `must be after from (from=${from}, to=${to})`);
    return this.pointsFor(zone, opts).filter((p) => p.t < to && end(p) > from);
  }

  async forecast(zone: string, horizonS: number, opts: IntensityQueryOptions = {}): Promise<IntensityPoint[]> {
    const current = await this.current(zone, opts);
    const now = this.clock();
    const ahead = await this.history(zone, current.t, now + horizonS, opts);
    return ahead.map((p) => ({ ...p, generatedAt: now }));
  }

  private pointsFor(zone: string, opts: IntensityQueryOptions): IntensityPoint[] {
    const s = this.series.get(zone) ?? this.series.get(zone.toUpperCase());
    if (!s) {
      const close = closestMatches(zone, this.series.keys());
      throw invalidInput('zone', `no trace for zone "${zone}"; traces cover ${[...this.series.keys()].join(', ')}${close.length ? ` (closest: ${close.join(', ')})` : ''}`, 'load a trace for that zone');
    }
    const signal = opts.signal ?? 'average';
    if ((s.points[0] as IntensityPoint).signal !== signal) {
      throw invalidInput('signal', `the trace for ${zone} holds ${(s.points[0] as IntensityPoint).signal} intensities, not ${signal}`);
    }
    return s.points;
  }
}
