import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTrace, parseTrace, shippedTracePath, shippedTraces, traceLookup } from '../src/index.js';
import { rejection } from '@verdant/core/testing';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const utc = (iso: string): number => Date.parse(iso) / 1000;

describe('loadTrace: shipped Electricity Maps portal CSVs', () => {
  const shipped = shippedTraces();

  it('ships the twelve hourly files (BR, ES, NO, US-CAL-CISO × 2021–2023)', () => {
    expect(shipped.map((t) => `${t.zone}:${t.year}`)).toEqual(
      ['BR', 'ES', 'NO', 'US-CAL-CISO'].flatMap((z) => [2021, 2022, 2023].map((y) => `${z}:${y}`)),
    );
  });

  it.each(shippedTraces().map((t) => [t.zone, t.year] as const))('reads %s %i: a full hourly year, LCA values', async (zone, year) => {
    const file = shippedTracePath(zone, year);
    const trace = await loadTrace(file);
    expect(trace.zone).toBe(zone);
    expect(trace.resolutionS).toBe(3600);
    expect(trace.points).toHaveLength(8760);
    expect(trace.gaps).toEqual([]);
    expect(trace.source).toBe(`trace:${path.basename(file)}`);
    expect(trace.points[0]?.t).toBe(Date.UTC(year, 0, 1) / 1000);
    expect(trace.points.at(-1)?.t).toBe(Date.UTC(year, 11, 31, 23) / 1000);
    // Row 2 of the file, split by hand, is the oracle for the first point.
    const firstRow = readFileSync(file, 'utf8').split('\n')[1]!.split(',');
    expect(trace.points[0]?.gPerKwh).toBe(Number(firstRow[5]));
  });

  it('reads the direct column when asked', async () => {
    const file = shippedTracePath('ES', 2022);
    const lca = await loadTrace(file);
    const direct = await loadTrace(file, { emissions: 'direct' });
    const row = readFileSync(file, 'utf8').split('\n')[100]!.split(','); // file line 101 = data row 99
    expect(direct.points[99]?.gPerKwh).toBe(Number(row[4]));
    expect(lca.points[99]?.gPerKwh).toBe(Number(row[5]));
    expect(direct.points[99]!.gPerKwh).toBeLessThan(lca.points[99]!.gPerKwh);
  });
});

describe('loadTrace: malformed files name the file and the line', () => {
  it('names missing columns', async () => {
    const e = await rejection(loadTrace(fixture('em-missing-lca.csv')));
    expect(e.field).toBe('trace');
    expect(e.message).toContain('em-missing-lca.csv line 1: missing column(s) "Carbon Intensity gCO₂eq/kWh (LCA)"');
    // The direct column is there, so asking for it works.
    expect((await loadTrace(fixture('em-missing-lca.csv'), { emissions: 'direct' })).points[0]?.gPerKwh).toBe(133.64);
  });

  it('names the missing columns of a plain CSV and the columns it found', async () => {
    const e = await rejection(loadTrace(fixture('wrong-columns.csv')));
    expect(e.message).toMatch(/wrong-columns\.csv line 1: missing column\(s\) time, gco2_per_kwh; found "timestamp_utc", "intensity"/);
  });

  it('names the line of an unreadable value', async () => {
    const e = await rejection(loadTrace(fixture('em-bad-value.csv')));
    expect(e.message).toMatch(/em-bad-value\.csv line 4: cannot read "n\/a" in column/);
  });

  it('rejects a second zone in one file', async () => {
    const e = await rejection(loadTrace(fixture('em-two-zones.csv')));
    expect(e.message).toMatch(/line 3: zone "PT" differs from "ES" on line 2/);
  });

  it('reports a daylight-saving repeat in local-time files with its line', async () => {
    const e = await rejection(loadTrace(fixture('local-time-dst-repeat.csv')));
    expect(e.message).toMatch(/local-time-dst-repeat\.csv line 5: time 2022-10-30T02:00:00\.000Z repeats line 4 .*daylight-saving/);
    expect(e.fix).toMatch(/UTC or with their offset/);
  });

  it('accepts the same wall-clock hour twice when the offsets tell them apart', async () => {
    const trace = await loadTrace(fixture('offset-times-across-dst.csv'), { zone: 'DE' });
    expect(trace.points.map((p) => p.t)).toEqual(
      ['2022-10-29T23:00:00Z', '2022-10-30T00:00:00Z', '2022-10-30T01:00:00Z', '2022-10-30T02:00:00Z'].map(utc),
    );
    expect(trace.zone).toBe('DE');
    expect(trace.gaps).toEqual([]);
  });

  it('rejects rows out of time order', async () => {
    const e = await rejection(loadTrace(fixture('unsorted.csv')));
    expect(e.message).toMatch(/unsorted\.csv line 4: time 2023-01-01T01:00:00\.000Z is earlier than line 3/);
  });

  it('rejects impossible dates, millisecond epochs and negative values with their line', () => {
    const parse = (body: string) => () => parseTrace(`time,gco2_per_kwh\n${body}`, { name: 'inline.csv' });
    expect(parse('2023-01-01T00:00Z,1\n2023-02-30T00:00Z,2')).toThrow(/inline\.csv line 3: cannot read "2023-02-30T00:00Z" as a time/);
    expect(parse('1672531200000,5')).toThrow(/line 2: time 1672531200000 looks like epoch milliseconds/);
    expect(parse('1672531200,-5')).toThrow(/line 2: cannot read "-5"/);
    expect(parse('')).toThrow(/no samples with a value/);
  });

  it('names a file it cannot read', async () => {
    const e = await rejection(loadTrace(fixture('does-not-exist.csv')));
    expect(e.message).toMatch(/does-not-exist\.csv: cannot read the trace file \(ENOENT\)/);
  });

  it('rejects a zone option that contradicts the file', async () => {
    const e = await rejection(loadTrace(shippedTracePath('ES', 2021), { zone: 'PT' }));
    expect(e.message).toMatch(/the file is for zone "ES", not "PT"/);
  });
});

describe('loadTrace: gaps', () => {
  it('holds the last value across gaps up to the limit and reports them', async () => {
    const trace = await loadTrace(fixture('epoch-with-gap.csv'));
    expect(trace.zone).toBe('DE');
    expect(trace.resolutionS).toBe(3600);
    expect(trace.points.map((p) => p.gPerKwh)).toEqual([300, 310, 290, 280, 270]);
    expect(trace.gaps).toEqual([
      { from: utc('2023-01-01T02:00:00Z'), to: utc('2023-01-01T03:00:00Z'), line: 6 },
      { from: utc('2023-01-01T04:00:00Z'), to: utc('2023-01-01T06:00:00Z'), line: 7 },
    ]);
    // The point before each gap stretches to the next sample.
    expect(trace.points.map((p) => p.resolutionS)).toEqual([3600, 7200, 10800, 3600, 3600]);
    const lookup = traceLookup(trace);
    expect(lookup.at(utc('2023-01-01T02:30:00Z'))).toBe(310);
    expect(lookup.at(utc('2023-01-01T05:59:59Z'))).toBe(290);
  });

  it('rejects a gap longer than maxGapS, naming the line after it', async () => {
    const e = await rejection(loadTrace(fixture('epoch-with-gap.csv'), { maxGapS: 3600 }));
    expect(e.message).toMatch(/epoch-with-gap\.csv line 7: 2 h of data missing after line 6 \(2023-01-01T04:00:00\.000Z to 2023-01-01T06:00:00\.000Z\), more than the 1 h allowed/);
    await expect(loadTrace(fixture('epoch-with-gap.csv'), { maxGapS: 0 })).rejects.toThrow(/line 6: 1 h of data missing/);
  });
});

describe('loadTrace: JSON', () => {
  it('reads the Electricity Maps history shape, null values as missing samples', async () => {
    const trace = await loadTrace(fixture('em-api-history.json'));
    expect(trace.zone).toBe('DE');
    expect(trace.points.map((p) => [p.t, p.gPerKwh])).toEqual([
      [utc('2023-05-21T00:00:00Z'), 302],
      [utc('2023-05-21T01:00:00Z'), 288],
      [utc('2023-05-21T03:00:00Z'), 275],
    ]);
    expect(trace.gaps).toEqual([{ from: utc('2023-05-21T02:00:00Z'), to: utc('2023-05-21T03:00:00Z'), line: 4 }]);
  });

  it('reads an array of {time, gco2_per_kwh} with ISO and epoch times', async () => {
    const trace = await loadTrace(fixture('plain.json'), { zone: 'FR' });
    expect(trace.zone).toBe('FR');
    expect(trace.resolutionS).toBe(1800);
    expect(trace.points.map((p) => p.gPerKwh)).toEqual([120.5, 118, 131.25]);
  });

  it('labels a file without a zone by its name', async () => {
    expect((await loadTrace(fixture('plain.json'))).zone).toBe('plain');
  });

  it('names the line of a JSON syntax error and the entry of a bad value', async () => {
    const e = await rejection(loadTrace(fixture('broken.json')));
    expect(e.message).toMatch(/broken\.json line 4: not valid JSON/);
    expect(() => parseTrace('[{"time": "2024-01-01T00:00Z", "gco2_per_kwh": "high"}]', { name: 'x.json' })).toThrow(
      /x\.json entry 1: gco2_per_kwh: /,
    );
    expect(() => parseTrace('[{"time": "2024-01-01T00:00Z"}]', { name: 'x.json' })).toThrow(/entry 1: missing "gco2_per_kwh"/);
    expect(() => parseTrace('{"rows": []}', { name: 'x.json' })).toThrow(/expected an array/);
  });
});
