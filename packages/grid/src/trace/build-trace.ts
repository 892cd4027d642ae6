import { toIso, type IntensityPoint, type IntensitySignal } from '@verdant/core';
import { traceError, type TraceContext } from './trace-error.js';
import {
  DEFAULT_MAX_GAP_S,
  DEFAULT_SINGLE_SAMPLE_RESOLUTION_S,
  type IntensityTrace,
  type RawSample,
  type TraceGap,
} from './types.js';

export interface BuildOptions {
  zone: string;
  source: string;
  signal: IntensitySignal;
  resolutionS?: number;
  maxGapS?: number;
}

/**
 * Validates samples in file order and turns them into a trace: times must strictly increase (a repeat
 * is reported with both lines, and flagged as a likely daylight-saving repeat when the times carry no
 * offset); rows without a value are dropped and bridged like any other gap; a gap up to maxGapS holds
 * the previous value (that point's resolutionS is stretched to the next sample), a longer one is an error.
 */
export function buildTrace(samples: readonly RawSample[], ctx: TraceContext, opts: BuildOptions): IntensityTrace {
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1] as RawSample;
    const cur = samples[i] as RawSample;
    if (cur.t === prev.t) {
      const dst = cur.naive
        ? ' — times without an offset that repeat are usually local time around a daylight-saving change'
        : '';
      throw traceError(ctx, cur.line, `time ${toIso(cur.t)} repeats ${ctx.unit} ${prev.line}${dst}`,
        'write times in UTC or with their offset (2022-10-30T02:00:00+01:00), one row per time');
    }
    if (cur.t < prev.t) {
      throw traceError(ctx, cur.line, `time ${toIso(cur.t)} is earlier than ${ctx.unit} ${prev.line} (${toIso(prev.t)})`,
        'sort the rows by time');
    }
  }

  const present = samples.filter((s): s is RawSample & { gPerKwh: number } => s.gPerKwh !== undefined);
  if (present.length === 0) throw traceError(ctx, undefined, 'no samples with a value', 'the file needs at least one row with a time and an intensity');

  const resolutionS = opts.resolutionS ?? inferResolution(samples);
  if (!(resolutionS > 0)) throw traceError(ctx, undefined, `resolution must be positive, got ${resolutionS}`);
  const maxGapS = opts.maxGapS ?? DEFAULT_MAX_GAP_S;

  const points: IntensityPoint[] = [];
  const gaps: TraceGap[] = [];
  for (let i = 0; i < present.length; i++) {
    const s = present[i] as RawSample & { gPerKwh: number };
    const next = present[i + 1];
    let span = resolutionS;
    if (next && next.t - s.t > resolutionS) {
      const missing = next.t - s.t - resolutionS;
      if (missing > maxGapS) {
        throw traceError(ctx, next.line,
          `${humanDuration(missing)} of data missing after ${ctx.unit} ${s.line} (${toIso(s.t + resolutionS)} to ${toIso(next.t)}), more than the ${humanDuration(maxGapS)} allowed`,
          'fill the missing rows, or raise the gap limit (maxGapS) to hold the last value across it');
      }
      gaps.push({ from: s.t + resolutionS, to: next.t, line: next.line });
      span = next.t - s.t;
    }
    points.push({ zone: opts.zone, t: s.t, resolutionS: span, gPerKwh: s.gPerKwh, signal: opts.signal, source: opts.source });
  }
  return { zone: opts.zone, points, resolutionS, source: opts.source, signal: opts.signal, gaps };
}

/** The smallest step between consecutive sample times (rows without a value still mark the grid). */
function inferResolution(samples: readonly RawSample[]): number {
  let min = Infinity;
  for (let i = 1; i < samples.length; i++) min = Math.min(min, (samples[i] as RawSample).t - (samples[i - 1] as RawSample).t);
  return Number.isFinite(min) ? min : DEFAULT_SINGLE_SAMPLE_RESOLUTION_S;
}

/** "7 h", "30 min", "90 s": durations as people write them in messages. */
export function humanDuration(s: number): string {
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600} h`;
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}
