import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '@verdant/core';
import {
  checkTraceCovers,
  loadTrace,
  parseTrace,
  replayTime,
  resolveIntensity,
  shippedTracePath,
  traceLookup,
  type IntensityTrace,
} from '../src/index.js';
import { rejection as rejected, thrown } from '@verdant/core/testing';

const utc = (iso: string): number => Date.parse(iso) / 1000;

describe('trace coverage', () => {
  let es2023: IntensityTrace;
  const file = shippedTracePath('ES', 2023);
  beforeAll(async () => {
    es2023 = await loadTrace(file);
  });

  it("refuses a run time outside the trace, naming the trace and its span (the README's 2023 trace run in 2026)", () => {
    const lookup = traceLookup(es2023);
    expect(lookup.coverage.span).toEqual({ from: utc('2023-01-01T00:00:00Z'), to: utc('2024-01-01T00:00:00Z') });
    expect(lookup.coverage.covers(utc('2023-06-01T12:00:00Z'))).toBe(true);
    expect(lookup.coverage.covers(utc('2024-01-01T00:00:00Z'))).toBe(false);
    expect(lookup.coverage.covers(utc('2022-12-31T23:59:59Z'))).toBe(false);

    const e = thrown(() => checkTraceCovers(lookup.coverage, utc('2026-03-10T09:00:00Z'), { field: '--intensity-trace', what: "the run's start" }));
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.field).toBe('--intensity-trace');
    expect(e.message).toContain('trace:ES_2023_hourly.csv covers 2023-01-01T00:00:00.000Z to 2024-01-01T00:00:00.000Z');
    expect(e.message).toContain("not the run's start, 2026-03-10T09:00:00.000Z");
    expect(e.fix).toMatch(/2023/);
    // inside the span it passes
    checkTraceCovers(lookup.coverage, utc('2023-03-10T09:00:00Z'));
  });

  it('maps run dates onto the replayed year: same month, day and time of day (UTC)', () => {
    expect(replayTime(utc('2026-06-01T12:34:56Z') + 0.25, 2023)).toBe(utc('2023-06-01T12:34:56Z') + 0.25);
    expect(replayTime(utc('2026-12-31T23:00:00Z'), 2023)).toBe(utc('2023-12-31T23:00:00Z'));
    expect(replayTime(utc('2027-01-01T00:30:00Z'), 2023)).toBe(utc('2023-01-01T00:30:00Z'));
    // 29 February has no counterpart in a common year: it reads 28 February, hour for hour
    expect(replayTime(utc('2028-02-29T07:00:00Z'), 2023)).toBe(utc('2023-02-28T07:00:00Z'));
    expect(replayTime(utc('2028-02-29T07:00:00Z'), 2024)).toBe(utc('2024-02-29T07:00:00Z'));
    expect(replayTime(utc('2028-03-01T07:00:00Z'), 2023)).toBe(utc('2023-03-01T07:00:00Z'));
  });

  it("replays the trace's year hour by hour instead of holding its last row", () => {
    const lookup = traceLookup(es2023, { replayYear: 2023 });
    const last = es2023.points[es2023.points.length - 1]!.gPerKwh;
    const hours = ['06-01T03:00', '06-01T13:00', '11-15T20:00', '02-28T07:00'];
    const values = hours.map((h) => lookup.at(utc(`2026-${h}:00Z`) + 1800));
    const truth = hours.map((h) => es2023.points.find((p) => p.t === utc(`2023-${h}:00Z`))!.gPerKwh);
    expect(values).toEqual(truth);
    expect(new Set(values).size).toBeGreaterThan(1);
    expect(values.every((v) => v === last)).toBe(false);
    expect(lookup.coverage.covers(utc('2026-03-10T09:00:00Z'))).toBe(true);
    expect(lookup.coverage.replayYear).toBe(2023);
    expect(lookup.source).toBe("trace:ES_2023_hourly.csv (2023 replayed on the run's dates)");
    expect(lookup.pointAt!(utc('2026-06-01T13:10:00Z')).t).toBe(utc('2023-06-01T13:00:00Z'));
  });

  it('refuses a replay year the trace holds no data for, and a replay without a trace', async () => {
    const e = thrown(() => traceLookup(es2023, { replayYear: 2021 }));
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.field).toBe('replayYear');
    expect(e.message).toMatch(/covers 2023-01-01.*no data for 2021/);
    expect(thrown(() => traceLookup(es2023, { replayYear: 23 })).field).toBe('replayYear');

    const noTrace = await rejected(resolveIntensity({ zone: 'ES', replayYear: 2023 }));
    expect(noTrace.field).toBe('replayYear');
    expect(noTrace.exitCode).toBe(ExitCode.usage);
  });

  it('resolveIntensity returns the coverage and applies the replay', async () => {
    const plain = await resolveIntensity({ traceFile: file });
    expect(plain.coverage?.covers(utc('2026-06-01T12:00:00Z'))).toBe(false);
    const replayed = await resolveIntensity({ traceFile: file, replayYear: 2023 });
    expect(replayed.coverage?.covers(utc('2026-06-01T12:00:00Z'))).toBe(true);
    expect(replayed.at(utc('2026-06-01T12:00:00Z'))).toBe(plain.at(utc('2023-06-01T12:00:00Z')));
    expect((await resolveIntensity({ zone: 'DE' })).coverage).toBeUndefined();
  });

  it('a partial-year trace replayed onto dates it lacks is refused at that time', () => {
    const june = parseTrace(['time,gco2_per_kwh', ...[0, 1, 2].map((h) => `2023-06-01T0${h}:00:00Z,${100 + h}`)].join('\n'), { name: 'june.csv', zone: 'ES' });
    const lookup = traceLookup(june, { replayYear: 2023 });
    expect(lookup.at(utc('2026-06-01T01:30:00Z'))).toBe(101);
    const e = thrown(() => checkTraceCovers(lookup.coverage, utc('2026-07-01T00:00:00Z')));
    expect(e.message).toContain('replayed onto 2023: 2023-07-01T00:00:00.000Z');
  });
});
