import { z } from 'zod';

/** An ISO 8601 timestamp in a response, read as epoch seconds (a bad one fails validation). */
export const isoSeconds = z.string().transform((s, ctx) => {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `not an ISO 8601 time: "${s.slice(0, 40)}"` });
    return z.NEVER;
  }
  return ms / 1000;
});

/** "2024-05-01T12:00Z": minute precision, the form the UK API wants in its paths. */
export const isoMinute = (tS: number): string => new Date(Math.floor(tS / 60) * 60_000).toISOString().slice(0, 16) + 'Z';

/** Full ISO 8601 with seconds, for query parameters. */
export const isoFull = (tS: number): string => new Date(Math.round(tS * 1000)).toISOString();

/** Splits [from, to) into consecutive windows no longer than maxS (APIs cap the range of one request). */
export function windows(from: number, to: number, maxS: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let a = from; a < to; a += maxS) out.push([a, Math.min(to, a + maxS)]);
  return out;
}

/** Keeps points whose interval overlaps [from, to), sorted by time, one per start time. */
export function overlapping<P extends { t: number; resolutionS: number }>(points: readonly P[], from: number, to: number): P[] {
  const seen = new Set<number>();
  return points
    .filter((p) => p.t < to && p.t + p.resolutionS > from)
    .sort((a, b) => a.t - b.t)
    .filter((p) => (seen.has(p.t) ? false : (seen.add(p.t), true)));
}
