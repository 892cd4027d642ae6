import { invalidInput } from './errors.js';
import { parseTime } from './time.js';

/** Internal units are SI: joules, watts, seconds, grams CO2e. These convert at the edges. */
export const J_PER_KWH = 3.6e6;
export const J_PER_WH = 3600;

export const joulesToKwh = (j: number): number => j / J_PER_KWH;
export const kwhToJoules = (kwh: number): number => kwh * J_PER_KWH;
export const joulesToWh = (j: number): number => j / J_PER_WH;

/** Emissions (g) of `energyJ` joules at `gPerKwh` grams CO2e per kWh. */
export const emissionsG = (energyJ: number, gPerKwh: number): number => (energyJ / J_PER_KWH) * gPerKwh;

/** WattTime reports lbs CO2 per MWh; 1 lb/MWh = 0.45359237 g/kWh. */
export const LB_PER_MWH_TO_G_PER_KWH = 0.45359237;

const DURATION_UNITS: Record<string, number> = {
  ms: 1e-3,
  s: 1,
  sec: 1,
  m: 60,
  min: 60,
  h: 3600,
  d: 86400,
  w: 604800,
};

/** Parses "200ms", "1s", "1.5h", "2d" (or a bare number of seconds) into seconds. */
export function parseDuration(input: string | number, field = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw invalidInput(field, `must be a non-negative number of seconds, got ${input}`);
    return input;
  }
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|sec|m|min|h|d|w)?\s*$/i.exec(input);
  if (!m) {
    throw invalidInput(field, `cannot read "${input}" as a duration`, 'write a number with a unit, such as 200ms, 1s, 5m, 2h or 1d');
  }
  const unit = (m[2] ?? 's').toLowerCase();
  return Number(m[1]) * (DURATION_UNITS[unit] as number);
}

/** Parses an energy such as "0.5" (kWh, the default), "500Wh", "2kWh", "3600J", "1MJ" into joules. */
export function parseEnergy(input: string, field = 'energy'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(j|kj|mj|wh|kwh|mwh)?\s*$/i.exec(input);
  if (!m) throw invalidInput(field, `cannot read "${input}" as an energy`, 'write kWh as a number (0.5) or with a unit: 500Wh, 2kWh, 3600J');
  const v = Number(m[1]);
  switch ((m[2] ?? 'kwh').toLowerCase()) {
    case 'j': return v;
    case 'kj': return v * 1e3;
    case 'mj': return v * 1e6;
    case 'wh': return v * J_PER_WH;
    case 'mwh': return v * J_PER_KWH * 1000;
    default: return v * J_PER_KWH;
  }
}

/** Parses a mass of CO2e such as "100g", "2kg", "1t" or "50" (grams) into grams. */
export function parseMass(input: string, field = 'mass'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(mg|g|kg|t)?\s*$/i.exec(input);
  if (!m) throw invalidInput(field, `cannot read "${input}" as a mass of CO2e`, 'write grams or kilograms with a unit, such as 100g or 2kg');
  const v = Number(m[1]);
  switch ((m[2] ?? 'g').toLowerCase()) {
    case 'mg': return v / 1000;
    case 'kg': return v * 1000;
    case 't': return v * 1e6;
    default: return v;
  }
}

/** Parses an average power such as "300", "300W", "1.2kW" or "2MW" (a bare number is watts) into watts. */
export function parsePower(input: string, field = 'power'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(w|kw|mw)?\s*$/i.exec(input);
  if (!m) throw invalidInput(field, `cannot read "${input}" as a power`, 'write watts, e.g. 300 or 300W or 1.2kW');
  const unit = (m[2] ?? 'w').toLowerCase();
  return Number(m[1]) * (unit === 'kw' ? 1e3 : unit === 'mw' ? 1e6 : 1);
}

/**
 * Parses a carbon intensity in grams CO2e per kWh: "300", "300g", "300 gCO2e/kWh", "300 g/kWh". Not negative
 * (0 is allowed: a grid that is all renewables).
 */
export function parseIntensity(input: string, field = 'intensity'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(g(?:co2e?)?(?:\s*\/\s*kwh)?)?\s*$/i.exec(input);
  if (!m) throw invalidInput(field, `must be an intensity in gCO2e/kWh, got "${input}"`, 'write a number of grams per kWh, such as 300 or 300g/kWh');
  return Number(m[1]);
}

/**
 * Parses a deadline: a duration with a unit ("12h", "90m", "2d") counts from `earliestStart`; anything else
 * is an absolute time as `parseTime` reads it (ISO 8601, or epoch seconds for a bare number). A unit makes a
 * duration unambiguous, so it is tried first; a bare number is never a duration here.
 */
export function parseDeadline(input: string, earliestStart: number, field = 'deadline'): number {
  if (/^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|sec|m|min|h|d|w)\s*$/i.test(input)) return earliestStart + parseDuration(input, field);
  try {
    return parseTime(input, field);
  } catch {
    throw invalidInput(
      field,
      `cannot read "${input}" as a time or a duration`,
      'give a time such as 2025-03-01T18:00Z (or epoch seconds), or a duration after the earliest start such as 12h',
    );
  }
}

/** Parses a finite number that is not negative (weights, fractions, counts of hours). */
export function parseNonNegative(input: string, field: string): number {
  const v = Number(input);
  if (input.trim() === '' || !Number.isFinite(v) || v < 0) throw invalidInput(field, `must be a non-negative number, got "${input}"`);
  return v;
}

/** Parses a whole number of at least `min` (limits, counts, seeds, years). */
export function parseWholeNumber(input: string, field: string, min = 0): number {
  const v = Number(input);
  if (!/^\s*[+-]?\d+\s*$/.test(input) || !Number.isSafeInteger(v) || v < min) {
    throw invalidInput(field, `must be a whole number >= ${min}, got "${input}"`);
  }
  return v;
}

/** Parses a positive finite number (for options like --pue). */
export function parsePositive(input: string, field: string, min = 0): number {
  const v = Number(input);
  if (input.trim() === '' || !Number.isFinite(v) || v <= min) {
    throw invalidInput(field, `must be a number greater than ${min}, got "${input}"`);
  }
  return v;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}
