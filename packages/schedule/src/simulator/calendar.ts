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
      });
    } catch {
      throw invalidInput('timeZone', `unknown time zone "${timeZone}"`, 'use an IANA name such as Europe/Madrid or UTC');
    }
  }

  /** Offset at the start of each UTC day and each quarter hour asked about, from Intl (the slow part). */
  private readonly offsets = new Map<number, number>();

  parts(tS: number): LocalParts & { second: number } {
    const d = new Date((tS + this.offsetS(tS)) * 1000);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      weekday: (d.getUTCDay() + 6) % 7,
    };
  }

  /**
   * Local time minus UTC at tS, seconds. Offsets change on quarter-hour boundaries in every modern zone and
   * at most a few times a year, so a day whose start and end agree needs no finer look.
   */
  offsetS(tS: number): number {
    const day = Math.floor(tS / 86400) * 86400;
    const atStart = this.offsetAt(day);
    if (this.offsetAt(day + 86400) === atStart) return atStart;
    return this.offsetAt(Math.floor(tS / 900) * 900);
  }

  private offsetAt(t: number): number {
    let off = this.offsets.get(t);
    if (off === undefined) {
      const p: Record<string, string> = {};
      for (const part of this.fmt.formatToParts(new Date(t * 1000))) p[part.type] = part.value;
      off = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) / 1000 - t;
      this.offsets.set(t, off);
    }
    return off;
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
