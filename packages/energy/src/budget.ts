import { invalidInput } from '@verdant/core';
import type { TrackerSnapshot } from './tracker.js';

export type OnExceed = 'warn' | 'stop' | 'pause';

export interface Budget {
  maxEnergyJ?: number;
  maxEmissionsG?: number;
  onExceed: OnExceed;
  /** Seconds between SIGTERM and SIGKILL when stopping. */
  graceS?: number;
}

export interface BudgetBreach {
  kind: 'energy' | 'emissions';
  limit: number;
  value: number;
  unit: 'J' | 'g';
}

export function parseOnExceed(value: string): OnExceed {
  if (value === 'warn' || value === 'stop' || value === 'pause') return value;
  throw invalidInput('--on-exceed', `must be warn, stop or pause, got "${value}"`);
}

/** The first limit the run has passed, if any. */
export function checkBudget(snap: Pick<TrackerSnapshot, 'energyJ' | 'emissionsG'>, budget: Budget): BudgetBreach | undefined {
  if (budget.maxEnergyJ !== undefined && snap.energyJ > budget.maxEnergyJ) {
    return { kind: 'energy', limit: budget.maxEnergyJ, value: snap.energyJ, unit: 'J' };
  }
  if (budget.maxEmissionsG !== undefined && snap.emissionsG > budget.maxEmissionsG) {
    return { kind: 'emissions', limit: budget.maxEmissionsG, value: snap.emissionsG, unit: 'g' };
  }
  return undefined;
}

export function describeBreach(b: BudgetBreach): string {
  return b.kind === 'energy'
    ? `energy budget exceeded: ${(b.value / 3.6e6).toFixed(4)} kWh > ${(b.limit / 3.6e6).toFixed(4)} kWh`
    : `emissions budget exceeded: ${b.value.toFixed(2)} g > ${b.limit.toFixed(2)} g CO2e`;
}
