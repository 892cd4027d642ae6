import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, VerdantError } from '@verdant/core';
import { TraceProvider, loadTrace, parseTrace, shippedTracePath, traceLookup, type IntensityTrace } from '../src/index.js';

const utc = (iso: string): number => Date.parse(iso) / 1000;
const hourly = (zone: string, start: string, values: number[]): IntensityTrace =>
  parseTrace(['time,gco2_per_kwh', ...values.map((v, i) => `${utc(start) + i * 3600},${v}`)].join('\n'), { name: `${zone}.csv`, zone });

describe('TraceProvider over the shipped ES traces', () => {
  let es2021: IntensityTrace;
  let es2022: IntensityTrace;
  beforeAll(async () => {
    [es2021, es2022] = await Promise.all([loadTrace(shippedTracePath('ES', 2021)), loadTrace(shippedTracePath('ES', 2022))]);
  });

  it('merges consecutive years of one zone and serves history across the boundary', async () => {
    const p = new TraceProvider([es2022, es2021]);
    const pts = await p.history('ES', utc('2021-12-31T22:00:00Z'), utc('2022-01-01T02:00:00Z'));
    expect(pts.map((x) => x.t)).toEqual([22, 23, 24, 25].map((h) => utc('2021-12-31T00:00:00Z') + h * 3600));
    expect(pts[0]?.source).toBe('trace:ES_2021_hourly.csv');
    expect(pts[2]?.source).toBe('trace:ES_2022_hourly.csv');
    expect(pts[2]?.gPerKwh).toBe(es2022.points[0]?.gPerKwh);
    expect(await p.zones()).toEqual([{ zone: 'ES', name: 'ES', sources: ['trace:ES_2021_hourly.csv', 'trace:ES_2022_hourly.csv'] }]);
  });

  it('includes the point already in force at the start of a history window', async () => {
    const p = new TraceProvider([es2022]);
    const pts = await p.history('ES', utc('2022-03-01T10:30:00Z'), utc('2022-03-01T11:00:00Z'));
    expect(pts.map((x) => x.t)).toEqual([utc('2022-03-01T10:00:00Z')]);
  });

  it('answers current() at its clock inside the trace and refuses outside it', async () => {
    const t = utc('2022-07-01T12:20:00Z');
    const inside = new TraceProvider([es2022], { clock: () => t });
    const point = await inside.current('es');
    expect(point.t).toBe(utc('2022-07-01T12:00:00Z'));
    expect(point.gPerKwh).toBe(traceLookup(es2022).at(t));
    const outside = new TraceProvider([es2022], { clock: () => utc('2025-01-01T00:00:00Z') });
    const e = await outside.current('ES').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(VerdantError);
    expect((e as VerdantError).exitCode).toBe(ExitCode.provider);
    expect((e as VerdantError).message).toMatch(/covers 2022-01-01T00:00:00.000Z to 2023-01-01T00:00:00.000Z, not now/);
  });

  it('forecasts with perfect foresight: the recorded future, stamped with when it was asked', async () => {
    const now = utc('2022-07-01T12:20:00Z');
    const pts = await new TraceProvider([es2022], { clock: () => now }).forecast('ES', 3 * 3600);
    expect(pts.map((x) => x.t)).toEqual([12, 13, 14, 15].map((h) => utc('2022-07-01T00:00:00Z') + h * 3600));
    expect(pts.every((x) => x.generatedAt === now)).toBe(true);
  });

  it('rejects overlapping traces of one zone', () => {
    expect(() => new TraceProvider([es2022, es2022])).toThrow(/trace:ES_2022_hourly.csv and trace:ES_2022_hourly.csv overlap for zone ES/);
  });
});

describe('TraceProvider errors', () => {
  const a = hourly('AA', '2023-01-01T00:00:00Z', [100, 200, 300]);
  const b = hourly('BB', '2023-01-01T00:00:00Z', [10, 20]);

  it('names the zones it has when asked for another', async () => {
    const p = new TraceProvider([a, b]);
    await expect(p.history('AB', 0, 1e10)).rejects.toThrow(/no trace for zone "AB"; traces cover AA, BB/);
  });

  it('refuses a signal its traces do not hold', async () => {
    const p = new TraceProvider([a]);
    await expect(p.history('AA', 0, 1e10, { signal: 'marginal' })).rejects.toThrow(/holds average intensities, not marginal/);
    const marginal = parseTrace('time,gco2_per_kwh\n1672531200,450', { name: 'm.csv', zone: 'CC', signal: 'marginal' });
    expect((await new TraceProvider([marginal]).history('CC', 0, 1e10, { signal: 'marginal' }))[0]?.gPerKwh).toBe(450);
  });

  it('needs at least one trace', () => {
    expect(() => new TraceProvider([])).toThrow(/no traces given/);
  });
});

describe('traceLookup', () => {
  const trace = hourly('AA', '2023-01-01T00:00:00Z', [100, 200, 300]);
  const lookup = traceLookup(trace);

  it('steps: the value of the hour in force, the first before the start, the last after the end', () => {
    expect(lookup.zone).toBe('AA');
    expect(lookup.source).toBe('trace:AA.csv');
    expect(lookup.at(utc('2023-01-01T01:59:59Z'))).toBe(200);
    expect(lookup.at(utc('2023-01-01T02:00:00Z'))).toBe(300);
    expect(lookup.at(utc('2022-12-31T00:00:00Z'))).toBe(100);
    expect(lookup.at(utc('2023-06-01T00:00:00Z'))).toBe(300);
    expect(lookup.pointAt?.(utc('2023-01-01T00:30:00Z'))).toMatchObject({ t: utc('2023-01-01T00:00:00Z'), resolutionS: 3600, gPerKwh: 100 });
  });
});
