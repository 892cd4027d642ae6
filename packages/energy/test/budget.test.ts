import { describe, expect, it } from 'vitest';
import { checkBudget, describeBreach, energyUnitOf, massUnitOf, type Budget } from '../src/policy/budget.js';

const breach = (snap: { energyJ?: number; emissionsG?: number }, budget: Omit<Budget, 'onExceed'>): string => {
  const b = checkBudget({ energyJ: snap.energyJ ?? 0, emissionsG: snap.emissionsG ?? 0 }, { onExceed: 'warn', ...budget });
  expect(b).toBeDefined();
  return describeBreach(b!);
};

describe('budget messages', () => {
  it('reads the unit a limit was written in', () => {
    expect(['0.5', '500Wh', '2 kWh', '3600J', '5kJ', '1MJ', '1mwh', ' 7 WH '].map(energyUnitOf)).toEqual(['kWh', 'Wh', 'kWh', 'J', 'kJ', 'MJ', 'MWh', 'Wh']);
    expect(['50', '100g', '2kg', '1t', '300 mg'].map(massUnitOf)).toEqual(['g', 'g', 'kg', 't', 'mg']);
  });

  it('never shows a passed limit as equal to the value (0.0005 kWh > 0.0005 kWh)', () => {
    // 0.0005 kWh = 1800 J; the run is just past it
    expect(breach({ energyJ: 1800.36 }, { maxEnergyJ: 1800, energyUnit: 'kWh' })).toBe('energy budget exceeded: 0.0005001 kWh > 0.0005 kWh');
    expect(breach({ energyJ: 1843 }, { maxEnergyJ: 1800, energyUnit: 'kWh' })).toBe('energy budget exceeded: 0.000512 kWh > 0.0005 kWh');
  });

  it('speaks the unit the user gave', () => {
    // --max-energy 2Wh, passed at 2.004 Wh
    expect(breach({ energyJ: 2.004 * 3600 }, { maxEnergyJ: 7200, energyUnit: 'Wh' })).toBe('energy budget exceeded: 2.004 Wh > 2 Wh');
    expect(breach({ energyJ: 13.5 * 3.6e6 }, { maxEnergyJ: 12 * 3.6e6, energyUnit: 'kWh' })).toBe('energy budget exceeded: 13.5 kWh > 12 kWh');
    expect(breach({ energyJ: 3700 }, { maxEnergyJ: 3600, energyUnit: 'J' })).toBe('energy budget exceeded: 3700 J > 3600 J');
    // --max-co2 2kg, passed at 2.0004 kg
    expect(breach({ emissionsG: 2000.4 }, { maxEmissionsG: 2000, emissionsUnit: 'kg' })).toBe('emissions budget exceeded: 2.0004 kg > 2 kg CO2e');
    expect(breach({ emissionsG: 0.1234 }, { maxEmissionsG: 0.1, emissionsUnit: 'g' })).toBe('emissions budget exceeded: 0.123 g > 0.1 g CO2e');
    // a limit with float noise in SI is shown as written
    expect(breach({ emissionsG: 301 }, { maxEmissionsG: 0.3 * 1000, emissionsUnit: 'kg' })).toBe('emissions budget exceeded: 0.301 kg > 0.3 kg CO2e');
  });

  it('defaults to kWh and grams when the unit is not known', () => {
    expect(breach({ energyJ: 7.2e6 }, { maxEnergyJ: 3.6e6 })).toBe('energy budget exceeded: 2.00 kWh > 1 kWh');
    expect(breach({ emissionsG: 12 }, { maxEmissionsG: 10 })).toBe('emissions budget exceeded: 12.0 g > 10 g CO2e');
  });
});

describe('checkBudget', () => {
  it('names the limit passed', () => {
    expect(checkBudget({ energyJ: 10, emissionsG: 1 }, { onExceed: 'warn', maxEnergyJ: 20 })).toBeUndefined();
    expect(checkBudget({ energyJ: 30, emissionsG: 1 }, { onExceed: 'warn', maxEnergyJ: 20 })?.kind).toBe('energy');
    expect(checkBudget({ energyJ: 30, emissionsG: 5 }, { onExceed: 'stop', maxEmissionsG: 2 })?.kind).toBe('emissions');
  });
});
