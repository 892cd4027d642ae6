import type { IntensityPoint, IntensitySignal } from '@verdant/core';

/** A stretch with no data that was bridged by holding the previous value. */
export interface TraceGap {
  /** First missing instant, epoch seconds. */
  from: number;
  /** The next sample's time, epoch seconds. */
  to: number;
  /** File line (CSV) or 1-based entry number (JSON) of the sample after the gap. */
  line: number;
}

/** A validated intensity time series read from a file. */
export interface IntensityTrace {
  zone: string;
  /** Sorted by time, strictly increasing; each point's resolutionS covers up to the next point. */
  points: IntensityPoint[];
  /** The sampling interval, seconds (the smallest step between samples unless given). */
  resolutionS: number;
  /** "trace:<file name>" */
  source: string;
  signal: IntensitySignal;
  /** Gaps bridged by holding the previous value (each no longer than maxGapS). */
  gaps: TraceGap[];
}

export type TraceFormat = 'electricitymaps' | 'csv' | 'json';

export interface LoadTraceOptions {
  /** Default "auto": .json or a leading { or [ → json; an Electricity Maps portal header → electricitymaps; else csv. */
  format?: TraceFormat | 'auto';
  /** Zone label for files that do not name one (default: a zone column, else the file name's stem). */
  zone?: string;
  /** Electricity Maps portal files carry both; default "lifecycle" (LCA), as Electricity Maps' API does. */
  emissions?: 'lifecycle' | 'direct';
  /** Default "average"; label a file of marginal (e.g. WattTime MOER) values as "marginal". */
  signal?: IntensitySignal;
  /** Sampling interval, seconds; default: the smallest step between consecutive samples (3600 for one sample). */
  resolutionS?: number;
  /** Longest gap (missing time beyond one interval) bridged by holding the last value; longer is an error. Default 6 h. */
  maxGapS?: number;
  /** Field named in error messages (callers name their own option or flag). Default "trace". */
  field?: string;
}

/** One sample as read from a file, before validation. `line` is the file line (or JSON entry number). */
export interface RawSample {
  line: number;
  t: number;
  /** undefined: the file has the row but no value (a missing sample, handled like a gap). */
  gPerKwh: number | undefined;
  /** True when the time had no offset and was read as UTC. */
  naive: boolean;
}

export const DEFAULT_MAX_GAP_S = 6 * 3600;
export const DEFAULT_SINGLE_SAMPLE_RESOLUTION_S = 3600;
