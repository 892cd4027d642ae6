import { invalidInput } from '@verdant/core';

/** Local wall-clock fields of an instant in a time zone. weekday: 0 = Monday … 6 = Sunday. */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/**
 * Converts between epoch seconds and local wall-clock time in an IANA time zone (DST included), with
 * Intl so no tz database has to ship. Office hours and "daily at 01:00" are local notions; traces are UTC.
 */
export class LocalCalendar {
  private readonly fmt: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    try {
      this.fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        weekday: 'short',
      });
    } catch (e) {
      throw invalidInput('--time-zone', `unknown time zone "${timeZone}"`, 'use an IANA name such as Europe/Madrid or UTC');
    }
  }

  parts(tS: number): LocalParts & { second: number } {
    const out: Record<string, string> = {};
    for (const p of this.fmt.formatToParts(new Date(tS * 1000))) out[p.type] = p.value;
    return {
      year: Number(out.year),
      month: Number(out.month),
      day: Number(out.day),
      hour: Number(out.hour),
      minute: Number(out.minute),
      second: Number(out.second),
      weekday: WEEKDAYS[out.weekday as string] as number,
    };
  }

  /** Local time minus UTC at tS, seconds. */
  offsetS(tS: number): number {
    const p = this.parts(Math.floor(tS));
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) / 1000;
    return asUtc - Math.floor(tS);
  }

  /** Epoch seconds of a local wall-clock time (month 1-12; day may overflow, Date.UTC normalises it). */
  toEpoch(year: number, month: number, day: number, hour = 0, minute = 0): number {
    const naive = Date.UTC(year, month - 1, day, hour, minute) / 1000;
    let t = naive - this.offsetS(naive);
    // Re-check once: the offset at the guess may differ from the offset at the answer across a DST change.
    t = naive - this.offsetS(t);
    return t;
  }

  /** Local midnight of the day containing tS, plus `days` days. */
  midnight(tS: number, days = 0): number {
    const p = this.parts(tS);
    return this.toEpoch(p.year, p.month, p.day + days);
  }
}
