import { invalidInput } from '@verdant/core';
import type { LocalCalendar } from './calendar.js';
import { DEFAULT_OFFICE_HOURS, deadlineFor, type DeadlinePolicy, type OfficeHours } from './deadlines.js';
import { createRng } from './prng.js';

/** One job to replay: the baseline runs it at `nominalStartS`; a shifted plan keeps it within [earliestS, deadlineS]. */
export interface SimJob {
  id: number;
  nominalStartS: number;
  durationS: number;
  earliestS: number;
  deadlineS: number;
}

const HOUR = 3600;
const DAY = 86400;

/** Scenario I: a job that runs every period at a local time of day, shiftable by ±windowS around it. */
export interface PeriodicWorkload {
  /** Local time of day of the nominal start, seconds after midnight (default 01:00). */
  timeOfDayS: number;
  /** Run length, seconds (default 30 min). */
  durationS: number;
  /** Seconds between runs (default one day; whole days follow the local calendar across DST). */
  periodS: number;
}

export const DEFAULT_PERIODIC: PeriodicWorkload = { timeOfDayS: 1 * HOUR, durationS: 30 * 60, periodS: DAY };

/** Nominal starts of a periodic job from the first local day of [fromS, toS). */
export function periodicStarts(w: PeriodicWorkload, cal: LocalCalendar, fromS: number, toS: number): number[] {
  if (!(w.durationS > 0)) throw invalidInput('duration', `must be positive, got ${w.durationS}s`);
  if (!(w.periodS > 0)) throw invalidInput('period', `must be positive, got ${w.periodS}s`);
  const base = cal.midnight(fromS);
  const p = cal.parts(base);
  const wholeDays = w.periodS % DAY === 0;
  const starts: number[] = [];
  for (let k = 0; ; k++) {
    const t = wholeDays
      ? cal.toEpoch(p.year, p.month, p.day + (k * w.periodS) / DAY) + w.timeOfDayS
      : base + w.timeOfDayS + k * w.periodS;
    if (t >= toS) break;
    if (t >= fromS) starts.push(t);
  }
  return starts;
}

/**
 * Scenario I jobs for one flexibility window: start anywhere in [nominal - W, nominal + W]. Only runs whose
 * widest window (`maxWindowS`, the largest W of the study) fits in [fromS, toS) are kept, so every W
 * compares the same set of runs.
 */
export function periodicJobs(w: PeriodicWorkload, windowS: number, maxWindowS: number, cal: LocalCalendar, fromS: number, toS: number): SimJob[] {
  return periodicStarts(w, cal, fromS, toS)
    .filter((t) => t - maxWindowS >= fromS && t + maxWindowS + w.durationS <= toS)
    .map((t, id) => ({ id, nominalStartS: t, durationS: w.durationS, earliestS: t - windowS, deadlineS: t + windowS + w.durationS }));
}

/**
 * Scenario II: ML training jobs submitted on workdays during office hours. Defaults follow Wiesner et al.
 * (2021): 3387 jobs a year, each on a uniformly drawn workday at a uniformly drawn half hour in
 * [09:00, 17:00) local, running a uniformly drawn whole number of half hours in [4 h, 90 h).
 */
export interface MlWorkload {
  count: number;
  /** Seed of the job set (fixed across forecast-noise seeds so they compare the same jobs). */
  seed: number;
  office: OfficeHours;
  minDurationS: number;
  maxDurationS: number;
  /** Arrival times and durations are multiples of this, seconds. */
  granularityS: number;
  deadline: DeadlinePolicy;
}

export const DEFAULT_ML: MlWorkload = {
  count: 3387,
  seed: 1,
  office: DEFAULT_OFFICE_HOURS,
  minDurationS: 4 * HOUR,
  maxDurationS: 90 * HOUR,
  granularityS: 30 * 60,
  deadline: { kind: 'next-workday' },
};

/** Local midnights of the workdays whose office hours start within [fromS, toS). */
function workdays(cal: LocalCalendar, fromS: number, toS: number, office: OfficeHours): number[] {
  const days: number[] = [];
  for (let k = 0; ; k++) {
    const midnight = cal.midnight(fromS, k);
    if (midnight >= toS) break;
    if (cal.parts(midnight).weekday < 5 && midnight + office.startH * HOUR >= fromS) days.push(midnight);
  }
  return days;
}

/**
 * Draws the ML jobs arriving in [fromS, toS). Jobs that could not finish (baseline) before `toS` are dropped;
 * deadlines past `toS` are cut to `toS` (the trace ends there), never below the baseline finish.
 */
export function mlJobs(w: MlWorkload, cal: LocalCalendar, fromS: number, toS: number): SimJob[] {
  if (!Number.isInteger(w.count) || w.count < 1) throw invalidInput('ml.count', `must be a positive integer, got ${w.count}`);
  if (!(w.minDurationS > 0 && w.maxDurationS > w.minDurationS)) {
    throw invalidInput('duration', `need 0 < min < max, got ${w.minDurationS}s and ${w.maxDurationS}s`);
  }
  const rng = createRng(w.seed);
  const days = workdays(cal, fromS, toS, w.office);
  if (days.length === 0) throw invalidInput('traceFiles', 'the trace covers no workday', 'use a trace of at least a week');
  const slots = Math.max(1, Math.floor(((w.office.endH - w.office.startH) * HOUR) / w.granularityS));
  const durations = Math.max(1, Math.floor((w.maxDurationS - w.minDurationS) / w.granularityS));
  const drawn: { arrival: number; durationS: number }[] = [];
  for (let i = 0; i < w.count; i++) {
    const day = days[rng.int(days.length)] as number;
    const p = cal.parts(day);
    const minutes = w.office.startH * 60 + (rng.int(slots) * w.granularityS) / 60;
    const arrival = cal.toEpoch(p.year, p.month, p.day, 0, minutes);
    const durationS = w.minDurationS + rng.int(durations) * w.granularityS;
    drawn.push({ arrival, durationS });
  }
  drawn.sort((a, b) => a.arrival - b.arrival || a.durationS - b.durationS);
  const jobs: SimJob[] = [];
  for (const d of drawn) {
    const finish = d.arrival + d.durationS;
    if (d.arrival < fromS || finish > toS) continue;
    const deadline = Math.min(toS, deadlineFor(finish, w.deadline, cal, w.office));
    jobs.push({ id: jobs.length, nominalStartS: d.arrival, durationS: d.durationS, earliestS: d.arrival, deadlineS: Math.max(finish, deadline) });
  }
  return jobs;
}
