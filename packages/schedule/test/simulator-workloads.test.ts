import { describe, expect, it } from 'vitest';
import { DEFAULT_ML, LocalCalendar, deadlineFor, mlJobs, periodicJobs, periodicStarts, type DeadlinePolicy } from '../src/simulator/index.js';

const HOUR = 3600;
const iso = (s: string): number => Date.parse(s) / 1000;
const madrid = new LocalCalendar('Europe/Madrid');

describe('LocalCalendar', () => {
  it('converts local wall-clock times across daylight saving changes', () => {
    // Madrid is UTC+1 in winter and UTC+2 from the last Sunday of March (2022-03-27).
    expect(madrid.toEpoch(2022, 3, 26, 9)).toBe(iso('2022-03-26T08:00Z'));
    expect(madrid.toEpoch(2022, 3, 27, 9)).toBe(iso('2022-03-27T07:00Z'));
    expect(madrid.parts(iso('2022-03-28T07:30Z'))).toMatchObject({ year: 2022, month: 3, day: 28, hour: 9, minute: 30, weekday: 0 });
    expect(madrid.midnight(iso('2022-03-27T12:00Z'))).toBe(iso('2022-03-26T23:00Z'));
  });

  it('gets the hours right on the day the clocks go back', () => {
    // 2022-10-30 01:00 UTC: Madrid goes from 03:00 CEST back to 02:00 CET, so 02:30 local happens twice.
    expect(madrid.parts(iso('2022-10-30T00:30Z'))).toMatchObject({ day: 30, hour: 2, minute: 30, weekday: 6 });
    expect(madrid.parts(iso('2022-10-30T01:30Z'))).toMatchObject({ day: 30, hour: 2, minute: 30 });
    expect(madrid.parts(iso('2022-10-30T23:30Z'))).toMatchObject({ day: 31, hour: 0, minute: 30, weekday: 0 });
    expect(madrid.toEpoch(2022, 10, 30, 9)).toBe(iso('2022-10-30T08:00Z'));
    const la = new LocalCalendar('America/Los_Angeles');
    expect(la.parts(iso('2022-11-06T08:30Z'))).toMatchObject({ hour: 1, minute: 30 }); // PDT
    expect(la.parts(iso('2022-11-06T10:30Z'))).toMatchObject({ hour: 2, minute: 30 }); // PST
    expect(la.toEpoch(2022, 11, 7, 9)).toBe(iso('2022-11-07T17:00Z'));
  });

  it('rejects an unknown time zone naming the option', () => {
    expect(() => new LocalCalendar('Mars/Olympus')).toThrow(/unknown time zone/);
  });
});

describe('deadlines', () => {
  const at = (local: string): number => {
    const [d, t] = local.split(' ') as [string, string];
    const [y, m, day] = d.split('-').map(Number) as [number, number, number];
    const [h, min] = t.split(':').map(Number) as [number, number];
    return madrid.toEpoch(y, m, day, h, min);
  };
  const nw: DeadlinePolicy = { kind: 'next-workday' };
  const sw: DeadlinePolicy = { kind: 'semi-weekly' };
  // 2022-06-06 is a Monday.
  it.each([
    ['2022-06-07 12:00', nw, '2022-06-07 12:00'], // Tuesday in office hours: no slack
    ['2022-06-07 18:30', nw, '2022-06-08 09:00'], // Tuesday evening: Wednesday morning
    ['2022-06-08 06:00', nw, '2022-06-08 09:00'], // Wednesday before 9: same morning
    ['2022-06-10 17:30', nw, '2022-06-13 09:00'], // Friday evening: Monday
    ['2022-06-11 10:00', nw, '2022-06-13 09:00'], // Saturday: Monday
    ['2022-06-07 10:00', sw, '2022-06-09 09:00'], // Tuesday: Thursday
    ['2022-06-09 09:00', sw, '2022-06-09 09:00'], // exactly Thursday 9:00
    ['2022-06-09 09:30', sw, '2022-06-13 09:00'], // just after: Monday
    ['2022-06-12 23:00', sw, '2022-06-13 09:00'], // Sunday night: Monday
  ])('finishing %s local, %o → %s', (finish, policy, expected) => {
    expect(deadlineFor(at(finish), policy, madrid)).toBe(at(expected));
  });

  it('slack adds a fixed number of seconds', () => {
    expect(deadlineFor(1000, { kind: 'slack', slackS: 7200 }, madrid)).toBe(8200);
  });
});

describe('periodic workload', () => {
  const from = iso('2022-01-01T00:00Z');
  const to = iso('2023-01-01T00:00Z');

  it('starts daily at the local time of day, following daylight saving', () => {
    const starts = periodicStarts({ timeOfDayS: HOUR, durationS: 1800, periodS: 86400 }, madrid, from, to);
    expect(starts).toHaveLength(365);
    expect(starts[0]).toBe(iso('2022-01-01T00:00Z')); // 01:00 CET
    expect(starts[200]).toBe(iso('2022-07-19T23:00Z')); // 01:00 CEST on 20 July, day 201
    for (const t of starts) expect(madrid.parts(t)).toMatchObject({ hour: 1, minute: 0 });
  });

  it('keeps only runs whose widest window fits the trace, and spans ±W around each', () => {
    const w = { timeOfDayS: HOUR, durationS: 1800, periodS: 86400 };
    const jobs = periodicJobs(w, 2 * HOUR, 8 * HOUR, madrid, from, to);
    expect(jobs).toHaveLength(364); // 1 January 01:00 CET minus 8 h lies before the trace
    for (const j of jobs) {
      expect(j.earliestS).toBe(j.nominalStartS - 2 * HOUR);
      expect(j.deadlineS).toBe(j.nominalStartS + 2 * HOUR + 1800);
    }
  });

  it('supports periods that are not whole days', () => {
    const starts = periodicStarts({ timeOfDayS: 0, durationS: 600, periodS: 6 * HOUR }, new LocalCalendar('UTC'), from, from + 86400);
    expect(starts.map((t) => t - from)).toEqual([0, 6, 12, 18].map((h) => h * HOUR));
  });
});

describe('ML workload', () => {
  const from = iso('2022-01-01T00:00Z');
  const to = iso('2023-01-01T00:00Z');
  const jobs = mlJobs(DEFAULT_ML, madrid, from, to);

  it('draws about 3,387 jobs on workdays during office hours with half-hour durations in [4 h, 90 h)', () => {
    expect(jobs.length).toBeGreaterThan(3300);
    expect(jobs.length).toBeLessThanOrEqual(3387);
    for (const j of jobs) {
      const p = madrid.parts(j.nominalStartS);
      expect(p.weekday).toBeLessThan(5);
      expect(p.hour * 60 + p.minute).toBeGreaterThanOrEqual(9 * 60);
      expect(p.hour * 60 + p.minute).toBeLessThan(17 * 60);
      expect(p.minute % 30).toBe(0);
      expect(j.durationS).toBeGreaterThanOrEqual(4 * HOUR);
      expect(j.durationS).toBeLessThan(90 * HOUR);
      expect(j.durationS % 1800).toBe(0);
      expect(j.earliestS).toBe(j.nominalStartS);
      expect(j.deadlineS).toBeGreaterThanOrEqual(j.nominalStartS + j.durationS);
      expect(j.deadlineS).toBeLessThanOrEqual(to);
    }
    // Sorted by arrival, and spread over the year (every month has jobs).
    for (let i = 1; i < jobs.length; i++) expect(jobs[i]!.nominalStartS).toBeGreaterThanOrEqual(jobs[i - 1]!.nominalStartS);
    expect(new Set(jobs.map((j) => madrid.parts(j.nominalStartS).month)).size).toBe(12);
  });

  it('is reproducible from its seed and differs across seeds', () => {
    expect(mlJobs(DEFAULT_ML, madrid, from, to)).toEqual(jobs);
    const other = mlJobs({ ...DEFAULT_ML, seed: 2 }, madrid, from, to);
    expect(other.slice(0, 20)).not.toEqual(jobs.slice(0, 20));
  });

  it('durations cover the range roughly uniformly (mean near 47 h)', () => {
    const meanH = jobs.reduce((a, j) => a + j.durationS, 0) / jobs.length / HOUR;
    expect(meanH).toBeGreaterThan(44);
    expect(meanH).toBeLessThan(50);
  });

  it('rejects a bad job count naming the option', () => {
    expect(() => mlJobs({ ...DEFAULT_ML, count: 0 }, madrid, from, to)).toThrow(/must be a positive integer/);
  });
});
