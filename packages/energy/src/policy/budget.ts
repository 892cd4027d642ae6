import { J_PER_KWH, J_PER_WH, invalidInput } from '@verdant/core';
import type { TrackerSnapshot } from '../measurement/tracker.js';

export type OnExceed = 'warn' | 'stop' | 'pause';

/** Units an energy limit can be written in (as @verdant/core's parseEnergy reads them). */
export type EnergyUnit = 'J' | 'kJ' | 'MJ' | 'Wh' | 'kWh' | 'MWh';
/** Units a CO2e limit can be written in (as @verdant/core's parseMass reads them). */
export type MassUnit = 'mg' | 'g' | 'kg' | 't';

const JOULES_PER: Record<EnergyUnit, number> = { J: 1, kJ: 1e3, MJ: 1e6, Wh: J_PER_WH, kWh: J_PER_KWH, MWh: J_PER_KWH * 1e3 };
const GRAMS_PER: Record<MassUnit, number> = { mg: 1e-3, g: 1, kg: 1e3, t: 1e6 };

export interface Budget {
  maxEnergyJ?: number;
  maxEmissionsG?: number;
  onExceed: OnExceed;
  /** Seconds between SIGTERM and SIGKILL when stopping. */
  graceS?: number;
  /** The unit the energy limit was given in; messages use it (default kWh). */
  energyUnit?: EnergyUnit;
  /** The unit the emissions limit was given in; messages use it (default g). */
  emissionsUnit?: MassUnit;
}

export interface BudgetBreach {
  kind: 'energy' | 'emissions';
  /** SI: J or g. */
  limit: number;
  value: number;
  unit: 'J' | 'g';
  /** The unit the limit was given in, used to describe the breach. */
  shownIn?: EnergyUnit | MassUnit;
}

/** The unit of `units` that `input` ends in, whatever its case; `bare` when it names none (a bare number). */
function unitOf<U extends string>(input: string, units: Record<U, number>, bare: U): U {
  const suffix = /([a-z]*)\s*$/i.exec(input.trim())?.[1]?.toLowerCase() ?? '';
  return (Object.keys(units) as U[]).find((u) => u.toLowerCase() === suffix) ?? bare;
}

/** The unit an energy such as "500Wh" or "2 kWh" is written in; a bare number is kWh, as parseEnergy reads it. */
export function energyUnitOf(input: string): EnergyUnit {
  return unitOf(input, JOULES_PER, 'kWh');
}

/** The unit a mass such as "2kg" is written in; a bare number is grams, as parseMass reads it. */
export function massUnitOf(input: string): MassUnit {
  return unitOf(input, GRAMS_PER, 'g');
}

/** What to do past a budget; `field` is the caller's name for it (errors name it). */
export function parseOnExceed(value: string, field = 'onExceed'): OnExceed {
  if (value === 'warn' || value === 'stop' || value === 'pause') return value;
  throw invalidInput(field, `must be warn, stop or pause, got "${value}"`, 'use warn, stop or pause');
}

/** The first limit the run has passed, if any. */
export function checkBudget(snap: Pick<TrackerSnapshot, 'energyJ' | 'emissionsG'>, budget: Budget): BudgetBreach | undefined {
  if (budget.maxEnergyJ !== undefined && snap.energyJ > budget.maxEnergyJ) {
    return { kind: 'energy', limit: budget.maxEnergyJ, value: snap.energyJ, unit: 'J', shownIn: budget.energyUnit ?? 'kWh' };
  }
  if (budget.maxEmissionsG !== undefined && snap.emissionsG > budget.maxEmissionsG) {
    return { kind: 'emissions', limit: budget.maxEmissionsG, value: snap.emissionsG, unit: 'g', shownIn: budget.emissionsUnit ?? 'g' };
  }
  return undefined;
}

/**
 * "energy budget exceeded: 0.000512 kWh > 0.0005 kWh", in the unit the limit was given in: the limit as written,
 * the value with as many digits as it takes to show that it is above the limit.
 */
export function describeBreach(b: BudgetBreach): string {
  if (b.kind === 'energy') {
    const unit = (b.shownIn as EnergyUnit | undefined) ?? 'kWh';
    const [value, limit] = formatPair(b.value / JOULES_PER[unit], b.limit / JOULES_PER[unit]);
    return `energy budget exceeded: ${value} ${unit} > ${limit} ${unit}`;
  }
  const unit = (b.shownIn as MassUnit | undefined) ?? 'g';
  const [value, limit] = formatPair(b.value / GRAMS_PER[unit], b.limit / GRAMS_PER[unit]);
  return `emissions budget exceeded: ${value} ${unit} > ${limit} ${unit} CO2e`;
}

/** The limit to 12 significant digits (as the user wrote it, without float noise); the value to 3 significant digits or more. */
function formatPair(value: number, limit: number): [string, string] {
  const plain = (x: number, digits: { min?: number; max?: number; sig?: number }): string =>
    new Intl.NumberFormat('en-US', {
      useGrouping: false,
      ...(digits.sig !== undefined
        ? { maximumSignificantDigits: digits.sig }
        : { minimumFractionDigits: digits.min ?? 0, maximumFractionDigits: digits.max ?? 0 }),
    }).format(x);
  const limitText = plain(limit, { sig: 12 });
  const limitDecimals = limitText.split('.')[1]?.length ?? 0;
  const magnitude = value > 0 ? Math.floor(Math.log10(value)) : 0;
  let decimals = Math.min(20, Math.max(limitDecimals, 2 - magnitude, 0));
  let text = plain(value, { min: decimals, max: decimals });
  // Never let rounding make the value look equal to (or below) the limit it has passed.
  while (value > limit && Number(text) <= Number(limitText) && decimals < 20) {
    decimals++;
    text = plain(value, { min: decimals, max: decimals });
  }
  return [text, limitText];
}
