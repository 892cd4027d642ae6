import { describe, expect, it } from 'vitest';
import {
  ExitCode,
  LB_PER_MWH_TO_G_PER_KWH,
  VerdantError,
  emissionsG,
  formatDuration,
  joulesToKwh,
  joulesToWh,
  kwhToJoules,
  parseDeadline,
  parseDuration,
  parseEnergy,
  parseIntensity,
  parseMass,
  parseNonNegative,
  parsePositive,
  parsePower,
  parseTime,
  parseWholeNumber,
  readRegion,
  readZones,
} from '../src/index.js';
import { thrown as caught } from '../src/testing.js';

/** Every parser refuses with exit 2 (bad input), naming the field its caller gave. */
function refuses(fn: (field: string) => unknown, message: RegExp): VerdantError {
  const e = caught(() => fn('someField'));
  expect(e.field).toBe('someField');
  expect(e.exitCode).toBe(ExitCode.usage);
  expect(e.message).toMatch(message);
  return e;
}

const T0 = Date.UTC(2025, 2, 1, 12) / 1000;

describe('parseDuration', () => {
  it.each<[string | number, number]>([
    ['200ms', 0.2],
    ['1s', 1],
    ['10sec', 10],
    ['5m', 300],
    ['5 min', 300],
    ['1.5h', 5400],
    ['2d', 172800],
    ['1w', 604800],
    ['.5h', 1800],
    ['45', 45],
    [' 2H ', 7200],
    [90, 90],
    [0, 0],
  ])('%s is %s s', (input, seconds) => {
    expect(parseDuration(input)).toBeCloseTo(seconds, 12);
  });

  it.each(['', 'abc', '5 years', '-1s', '1e3s', '5mm'])('refuses "%s"', (input) => {
    refuses((f) => parseDuration(input, f), /cannot read .* as a duration/);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses the number %s', (input) => {
    refuses((f) => parseDuration(input, f), /non-negative number of seconds/);
  });

  it('names the field "duration" when the caller gives none', () => {
    expect(caught(() => parseDuration('x')).field).toBe('duration');
  });
});

describe('parseEnergy', () => {
  it.each<[string, number]>([
    ['0.5', 0.5 * 3.6e6],
    ['2kWh', 7.2e6],
    ['500Wh', 1.8e6],
    ['500 wh', 1.8e6],
    ['3600J', 3600],
    ['2kJ', 2000],
    ['1MJ', 1e6],
    ['1MWh', 3.6e9],
  ])('%s is %s J', (input, joules) => {
    expect(parseEnergy(input)).toBeCloseTo(joules, 6);
  });

  it.each(['', 'lots', '-1kWh', '5 kcal'])('refuses "%s"', (input) => {
    refuses((f) => parseEnergy(input, f), /as an energy/);
  });
});

describe('parseMass', () => {
  it.each<[string, number]>([
    ['50', 50],
    ['100g', 100],
    ['2kg', 2000],
    ['1t', 1e6],
    ['500mg', 0.5],
    [' 1.5 KG ', 1500],
  ])('%s is %s g', (input, grams) => {
    expect(parseMass(input)).toBeCloseTo(grams, 9);
  });

  it.each(['', '2 lb', '-3g', 'g'])('refuses "%s"', (input) => {
    refuses((f) => parseMass(input, f), /as a mass of CO2e/);
  });
});

describe('parsePower', () => {
  it.each<[string, number]>([
    ['300', 300],
    ['300W', 300],
    ['300 w', 300],
    ['1.2kW', 1200],
    ['2MW', 2e6],
    ['.5kw', 500],
    ['0', 0],
  ])('%s is %s W', (input, watts) => {
    expect(parsePower(input)).toBeCloseTo(watts, 9);
  });

  it.each(['', 'fast', '-300', '300 hp', '300kWh', '1e3'])('refuses "%s"', (input) => {
    const e = refuses((f) => parsePower(input, f), /cannot read .* as a power/);
    expect(e.fix).toMatch(/1\.2kW/);
  });

  it('names the field "power" when the caller gives none', () => {
    expect(caught(() => parsePower('x')).field).toBe('power');
  });
});

describe('parseIntensity', () => {
  it.each<[string, number]>([
    ['300', 300],
    ['300g', 300],
    ['300 gCO2e/kWh', 300],
    ['300gco2/kwh', 300],
    ['120.5 g/kWh', 120.5],
    ['0', 0],
  ])('%s is %s g/kWh', (input, g) => {
    expect(parseIntensity(input)).toBe(g);
  });

  it.each(['', '-5', 'dirty', '300 kg', '300 g/MWh', 'g'])('refuses "%s"', (input) => {
    refuses((f) => parseIntensity(input, f), /must be an intensity in gCO2e\/kWh/);
  });
});

describe('parseDeadline: a duration with a unit counts from the earliest start, anything else is a time', () => {
  it.each<[string, number]>([
    ['12h', T0 + 12 * 3600],
    ['90m', T0 + 5400],
    ['2d', T0 + 2 * 86400],
    [' 30 min ', T0 + 1800],
  ])('%s after the earliest start', (input, t) => {
    expect(parseDeadline(input, T0)).toBe(t);
  });

  it.each<[string, number]>([
    ['2025-03-02T06:00Z', Date.UTC(2025, 2, 2, 6) / 1000],
    ['2025-03-02 06:00', Date.UTC(2025, 2, 2, 6) / 1000],
    ['2025-03-02T07:00+01:00', Date.UTC(2025, 2, 2, 6) / 1000],
    // A bare number is epoch seconds (as everywhere a time is read), never a duration.
    ['1740902400', 1740902400],
  ])('%s is an absolute time', (input, t) => {
    expect(parseDeadline(input, T0)).toBe(t);
  });

  it.each(['', 'tomorrow', '12 parsecs', '-3h'])('refuses "%s", saying both forms', (input) => {
    const e = refuses((f) => parseDeadline(input, T0, f), /cannot read .* as a time or a duration/);
    expect(e.fix).toMatch(/12h/);
  });
});

describe('parseTime', () => {
  it('reads ISO 8601 (offset-less is UTC), "date time" and epoch seconds', () => {
    expect(parseTime('2025-03-01T12:00Z')).toBe(T0);
    expect(parseTime('2025-03-01T12:00')).toBe(T0);
    expect(parseTime('2025-03-01 12:00')).toBe(T0);
    expect(parseTime(String(T0))).toBe(T0);
  });

  it('refuses what is not a time', () => {
    refuses((f) => parseTime('soon', f), /cannot read "soon" as a time/);
  });
});

describe('parsePositive, parseNonNegative, parseWholeNumber', () => {
  it('parsePositive takes numbers above the minimum only', () => {
    expect(parsePositive('0.8', 'u')).toBe(0.8);
    expect(parsePositive('2', 'u', 1)).toBe(2);
    for (const v of ['0', '-1', '', 'x', 'Infinity']) refuses((f) => parsePositive(v, f), /must be a number greater than 0/);
    refuses((f) => parsePositive('1', f, 1), /greater than 1/);
  });

  it('parseNonNegative takes 0 and above', () => {
    expect(parseNonNegative('0', 'w')).toBe(0);
    expect(parseNonNegative(' 2.5 ', 'w')).toBe(2.5);
    for (const v of ['-0.1', '', ' ', 'one', 'NaN', '1e400']) refuses((f) => parseNonNegative(v, f), /must be a non-negative number, got/);
  });

  it('parseWholeNumber takes whole numbers of at least the minimum', () => {
    expect(parseWholeNumber('20', 'n', 1)).toBe(20);
    expect(parseWholeNumber(' 0 ', 'n')).toBe(0);
    for (const v of ['0', '1.5', '', 'ten', '1e3', '99999999999999999999']) refuses((f) => parseWholeNumber(v, f, 1), /must be a whole number >= 1/);
  });
});

describe('SI conversions at the edges', () => {
  it('joules, Wh and kWh; grams from joules and g/kWh', () => {
    expect(joulesToKwh(3.6e6)).toBe(1);
    expect(kwhToJoules(2)).toBe(7.2e6);
    expect(joulesToWh(5400)).toBe(1.5);
    expect(emissionsG(7.2e6, 400)).toBe(800);
    expect(1000 * LB_PER_MWH_TO_G_PER_KWH).toBeCloseTo(453.59237, 9);
  });
});

describe('formatDuration', () => {
  it('prints m:ss below an hour and h:mm:ss above', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3599)).toBe('59:59');
    expect(formatDuration(3600 * 26 + 61)).toBe('26:01:01');
    expect(formatDuration(-5)).toBe('0:00');
  });
});

describe('readRegion: the given value, else VERDANT_REGION', () => {
  it('prefers the given value and says where it came from', () => {
    expect(readRegion('DE', { VERDANT_REGION: 'FR' })).toEqual({ region: 'DE', from: 'given' });
    expect(readRegion(undefined, { VERDANT_REGION: ' FR ' })).toEqual({ region: 'FR', from: 'env' });
    expect(readRegion('  ', { VERDANT_REGION: 'FR' })).toEqual({ region: 'FR', from: 'env' });
  });

  it('is undefined when neither says, blank counting as unset', () => {
    expect(readRegion(undefined, {})).toBeUndefined();
    expect(readRegion('', { VERDANT_REGION: '   ' })).toBeUndefined();
  });
});

describe('readZones: VERDANT_ZONES, else VERDANT_REGION alone', () => {
  it('reads a comma-separated list, skipping blanks and repeats, in order', () => {
    expect(readZones({ VERDANT_ZONES: ' DE, FR,,aws:eu-west-1 ,DE ', VERDANT_REGION: 'ES' })).toEqual(['DE', 'FR', 'aws:eu-west-1']);
    expect(readZones({ VERDANT_REGION: ' ES ' })).toEqual(['ES']);
    expect(readZones({ VERDANT_ZONES: ' , ', VERDANT_REGION: 'ES' })).toEqual(['ES']);
    expect(readZones({})).toEqual([]);
  });
});
