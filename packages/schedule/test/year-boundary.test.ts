import { ExitCode, type IntensityPoint, type Store } from '@verdant/core';
import { FallbackChain, StaticProvider, matchStaticZone, staticFigure, type IntensityProvider } from '@verdant/grid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intensityCurve, JobQueue, planFromProvider, planJob, parseJobRequest, providerSource, submitJob } from '../src/index.js';
import { planSubmission } from '../src/executor/plan-job.js';
import { closeQueueStore, openQueueStore } from './helpers.js';
import { slowIntegral } from './planner-helpers.js';
import { rejection } from '@verdant/core/testing';

const H = 3600;
const utc = (iso: string): number => Date.parse(iso) / 1000;
/** Offline, with an empty store: the chain answers from its static yearly averages, as `VERDANT_OFFLINE=1` does. */
const offlineChain = (now: number): FallbackChain => new FallbackChain({ live: [], model: null, static: new StaticProvider({ clock: () => now }), now: () => now });
const figure = (zone: string, year: number): number => staticFigure(matchStaticZone(zone), 'average', year).gPerKwh;

describe('series whose steps differ in length', () => {
  it('static yearly points of 365 and 366 days make one curve with the same integrals', async () => {
    const pts = await new StaticProvider().history('DE', utc('2023-06-01T00:00Z'), utc('2025-02-01T00:00Z'));
    expect(pts.map((p) => p.resolutionS)).toEqual([365 * 86400, 366 * 86400, 365 * 86400]);
    const curve = intensityCurve(pts);
    expect(curve.t0).toBe(utc('2023-01-01T00:00Z'));
    expect(curve.end).toBe(utc('2026-01-01T00:00Z'));
    for (const [a, b] of [
      ['2023-12-31T20:00Z', '2024-01-01T04:00Z'],
      ['2023-03-01T00:00Z', '2025-12-31T23:30Z'],
      ['2024-12-31T23:59Z', '2025-01-01T00:01Z'],
    ] as const) {
      expect(curve.integral(utc(a), utc(b))).toBeCloseTo(slowIntegral(pts, utc(a), utc(b)), 3);
    }
  });

  it('a trace with missing hours merged into longer points plans as brute force over its hours does', () => {
    const t0 = utc('2023-03-01T00:00Z');
    // 1 h, 2 h (a gap merged), 1 h, 3 h, 1 h, 1 h
    const spans: Array<[number, number]> = [[1, 500], [2, 90], [1, 400], [3, 120], [1, 60], [1, 700]];
    const pts: IntensityPoint[] = [];
    let t = t0;
    for (const [hours, g] of spans) {
      pts.push({ zone: 'X', t, resolutionS: hours * H, gPerKwh: g, signal: 'average', source: 'test' });
      t += hours * H;
    }
    const hourly = pts.flatMap((p) => Array.from({ length: p.resolutionS / H }, () => p.gPerKwh));
    let best = { start: 0, sum: Infinity };
    for (let s = 0; s + 2 <= hourly.length; s++) {
      const sum = hourly[s]! + hourly[s + 1]!;
      if (sum < best.sum) best = { start: s, sum };
    }
    const plan = planJob({ durationS: 2 * H, earliestStart: t0, deadline: t, powerW: 1000 }, pts);
    expect(plan.start).toBe(t0 + best.start * H);
    expect(plan.emissionsG).toBeCloseTo(best.sum, 6);
  });

  it('still refuses steps with no common whole-second grid, naming the series', () => {
    const pts: IntensityPoint[] = [
      { zone: 'X', t: 0, resolutionS: 3600, gPerKwh: 1, signal: 'average', source: 't' },
      { zone: 'X', t: 3600, resolutionS: 1800.5, gPerKwh: 1, signal: 'average', source: 't' },
    ];
    expect(() => intensityCurve(pts)).toThrow(expect.objectContaining({ field: 'series', message: expect.stringMatching(/mixed resolutions/) }));
  });
});

describe('planning across a New Year offline (static yearly averages)', () => {
  it.each([
    ['2027-12-31T20:00Z', '2026-12-06T00:00Z'],
    ['2028-12-31T20:00Z', '2026-12-06T00:00Z'],
    ['2023-12-31T20:00Z', '2026-12-06T00:00Z'], // a past window: history
  ])('plans a 2 h job from %s with a 24 h deadline (now %s)', async (earliest, now) => {
    const start = utc(earliest);
    const r = await planFromProvider({ zones: ['DE'], durationS: 2 * H, earliestStart: start, deadline: start + 24 * H, powerW: 1000 }, offlineChain(utc(now)), { now: () => utc(now) });
    const before = figure('DE', new Date(start * 1000).getUTCFullYear());
    const after = figure('DE', new Date(start * 1000).getUTCFullYear() + 1);
    // Cheaper to wait for the new year's figure when it is lower; otherwise start at once.
    expect(r.best.start).toBe(after < before ? utc(`${new Date(start * 1000).getUTCFullYear() + 1}-01-01T00:00Z`) : start);
    expect(r.best.meanIntensityGPerKwh).toBeCloseTo(Math.min(before, after), 9);
    expect(r.best.baselineIntensityGPerKwh).toBeCloseTo(before, 9);
    expect(r.best.source.link).toBe('static');
    expect(r.best.source.name).toMatch(/^static:tgwf-co2\//);
  });

  it('a 400-day deadline from now spans two New Years', async () => {
    const now = utc('2026-12-05T23:00Z');
    const r = await planFromProvider({ zones: ['DE'], durationS: 2 * H, earliestStart: now, deadline: now + 400 * 86400 }, offlineChain(now), { now: () => now });
    expect(r.deadline).toBe(now + 400 * 86400);
    expect(r.best.start).toBeGreaterThanOrEqual(now);
    expect(r.best.emissionsG).toBeNull();
  });

  it('data a provider sends that cannot be planned over is reported as the provider\'s, not as a series the user gave', async () => {
    const t0 = utc('2030-01-01T00:00Z');
    const gappy: IntensityProvider = {
      name: 'gappy',
      zones: async () => [],
      current: async () => ({ zone: 'DE', t: t0, resolutionS: H, gPerKwh: 1, signal: 'average', source: 'gappy' }),
      history: async () => [0, 1, 3, 4].map((i) => ({ zone: 'DE', t: t0 + i * H, resolutionS: H, gPerKwh: 100, signal: 'average', source: 'gappy' })),
    };
    const e = await rejection(planFromProvider({ zones: ['DE'], durationS: H, earliestStart: t0, deadline: t0 + 5 * H }, gappy, { now: () => t0 + 10 * H }));
    expect(e.field).toBe('zone');
    expect(e.exitCode).toBe(ExitCode.provider);
    expect(e.message).toMatch(/intensity data for DE from gappy.*not contiguous at 2030-01-01T03:00/);
    expect(e.describe()).not.toMatch(/series/);
  });
});

describe('submit across a New Year', () => {
  let store: Store;
  beforeAll(async () => ({ store } = await openQueueStore('verdant-newyear-')));
  afterAll(() => closeQueueStore(store));
  const request = (start: number) => parseJobRequest({ name: 'ny', argv: ['true'], cwd: '/tmp', zone: 'DE', durationS: 2 * H, earliestStart: start, deadline: start + 24 * H });

  it('plans over the static averages instead of giving up', async () => {
    const now = utc('2026-12-05T23:00Z');
    const start = utc('2027-12-31T20:00Z');
    const plan = await planSubmission(request(start), providerSource(offlineChain(now)), now);
    expect(plan.note).toBeUndefined();
    expect(plan.source).toMatch(/^static:tgwf-co2\//);
    expect(plan.plannedStart).toBeGreaterThanOrEqual(start);
    expect(plan.plannedEnd).toBeLessThanOrEqual(start + 24 * H);
  });

  it('says why when it cannot plan: in the plan and in the job\'s own message and history', async () => {
    const start = utc('2031-06-01T00:00Z');
    const source = { name: 'gappy', series: async () => [0, 2].map((i) => ({ zone: 'DE', t: start + i * H, resolutionS: H, gPerKwh: 100, signal: 'average' as const, source: 'gappy' })), current: async () => 100 };
    const { job, plan } = await submitJob(store, { name: 'ny', argv: ['true'], cwd: '/tmp', zone: 'DE', durationS: H, earliestStart: start, deadline: start + 3 * H }, { source, now: start - 60 });
    expect(plan).toMatchObject({ source: 'none', plannedStart: start });
    expect(plan.note).toMatch(/^not planned: the intensity data for DE from gappy cannot be planned over \(not contiguous at 2031-06-01T02:00:00.000Z/);
    expect(job.message).toContain(plan.note!);
    expect((await JobQueue.of(store).events(job.id))[0]!.message).toContain('not planned');
  });
});
