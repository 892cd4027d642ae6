import { invalidInput, stepLookup, toIso, type IntensityLookup, type IntensityPoint } from '@verdant/core';
import type { IntensityTrace } from './types.js';

/** The time a trace has data for: [from, to), epoch seconds (`to` is the end of the last point's interval). */
export interface TraceSpan {
  from: number;
  to: number;
}

/** What a trace-backed lookup can say about its own coverage, so a run can refuse or warn instead of guessing. */
export interface TraceCoverage {
  /** The trace's source label, `trace:<file name>`. */
  readonly source: string;
  /** The span of the trace itself (in the trace's own time). */
  readonly span: TraceSpan;
  /** The trace year replayed onto the run's dates, when replaying. */
  readonly replayYear?: number;
  /** The trace time that run time `t` reads: `t` itself, or `t` mapped onto the replay year. */
  traceTime(t: number): number;
  /** Whether the trace has data for run time `t`; outside it the lookup holds the first or last value. */
  covers(t: number): boolean;
  /** "trace:ES_2023_hourly.csv covers 2023-01-01T00:00:00.000Z to 2024-01-01T00:00:00.000Z" */
  describe(): string;
}

/** A step lookup over a trace that also knows what the trace covers. */
export interface TraceLookup extends IntensityLookup {
  readonly coverage: TraceCoverage;
}

export interface TraceLookupOptions {
  /**
   * Replay this year of the trace onto the run's dates: run time t reads the trace at the same month, day and
   * time of day (UTC) in this year; 29 February reads 28 February in a common year. The trace must hold data
   * in that year.
   */
  replayYear?: number;
}

const endOf = (p: IntensityPoint): number => p.t + p.resolutionS;

/** The span a trace covers. */
function traceSpan(trace: Pick<IntensityTrace, 'points'>): TraceSpan {
  const first = trace.points[0];
  const last = trace.points[trace.points.length - 1];
  if (!first || !last) throw new Error('traceSpan: the trace has no points');
  return { from: first.t, to: endOf(last) };
}

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * The same month, day and time of day (UTC) as `t`, in `year`. 29 February maps to 28 February in a common
 * year; sub-second parts are kept.
 */
export function replayTime(t: number, year: number): number {
  const whole = Math.floor(t);
  const d = new Date(whole * 1000);
  const month = d.getUTCMonth();
  const day = month === 1 && d.getUTCDate() === 29 && !isLeap(year) ? 28 : d.getUTCDate();
  const mapped = Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const fixed = year >= 0 && year < 100 ? new Date(mapped).setUTCFullYear(year) : mapped;
  return fixed / 1000 + (t - whole);
}

/**
 * The tracker's step lookup over one trace: the value in force at t; before the start the first holds, after
 * the end the last. `coverage` says what the trace covers, so a run can refuse a time outside it
 * (checkTraceCovers) rather than be charged a held value; `replayYear` maps run times onto that year of the trace.
 */
export function traceLookup(trace: IntensityTrace, opts: TraceLookupOptions = {}): TraceLookup {
  const span = traceSpan(trace);
  const year = opts.replayYear;
  if (year !== undefined) {
    const field = 'replayYear';
    if (!Number.isInteger(year) || year < 1970 || year > 9999) {
      throw invalidInput(field, `must be a four-digit year, got ${year}`, `give a year the trace covers, e.g. ${new Date(span.from * 1000).getUTCFullYear()}`);
    }
    const yearFrom = Date.UTC(year, 0, 1) / 1000;
    const yearTo = Date.UTC(year + 1, 0, 1) / 1000;
    if (span.to <= yearFrom || span.from >= yearTo) {
      throw invalidInput(field, `${describeSpan(trace.source, span)}: it holds no data for ${year}`, `give a year the trace covers (${yearsOf(span).join(', ')})`);
    }
  }
  const traceTime = year === undefined ? (t: number) => t : (t: number) => replayTime(t, year);
  const coverage: TraceCoverage = {
    source: trace.source,
    span,
    ...(year !== undefined ? { replayYear: year } : {}),
    traceTime,
    covers: (t) => {
      const u = traceTime(t);
      return u >= span.from && u < span.to;
    },
    describe: () => describeSpan(trace.source, span),
  };
  return {
    zone: trace.zone,
    source: year === undefined ? trace.source : `${trace.source} (${year} replayed on the run's dates)`,
    at: (t) => stepLookup(trace.points, traceTime(t)).gPerKwh,
    pointAt: (t) => stepLookup(trace.points, traceTime(t)),
    coverage,
  };
}

/**
 * Refuses a time the trace does not cover (a usage error naming the trace and its span), so a run is not
 * silently charged the trace's first or last value throughout.
 */
export function checkTraceCovers(
  coverage: TraceCoverage,
  t: number,
  opts: {
    /** Field named in the error; default "traceFile". */
    field?: string;
    /** What t is, for the message: "the run's start". */
    what?: string;
    /** How the caller spells a replay of year y, for the fix (default `replayYear <y>`). */
    replayHint?: (year: number) => string;
  } = {},
): void {
  if (coverage.covers(t)) return;
  const what = opts.what ?? 'the time asked for';
  const read = coverage.replayYear === undefined ? '' : ` (replayed onto ${coverage.replayYear}: ${toIso(coverage.traceTime(t))})`;
  const years = yearsOf(coverage.span);
  const hint = opts.replayHint ?? ((y: number) => `replayYear ${y}`);
  throw invalidInput(
    opts.field ?? 'traceFile',
    `${coverage.describe()}, not ${what}, ${toIso(t)}${read}`,
    coverage.replayYear === undefined
      ? `use a trace that covers ${toIso(t).slice(0, 10)}, or map the trace's month, day and hour onto the run's dates with ${years.map(hint).join(' or ')}`
      : `replay a year the trace covers in full (${years.join(', ')}), or use a trace that covers ${toIso(coverage.traceTime(t)).slice(0, 10)}`,
  );
}

function describeSpan(source: string, span: TraceSpan): string {
  return `${source} covers ${toIso(span.from)} to ${toIso(span.to)}`;
}

/** Calendar years (UTC) with data in the span. */
function yearsOf(span: TraceSpan): number[] {
  const first = new Date(span.from * 1000).getUTCFullYear();
  const last = new Date((span.to - 1e-3) * 1000).getUTCFullYear();
  const out: number[] = [];
  for (let y = first; y <= last; y++) out.push(y);
  return out;
}
