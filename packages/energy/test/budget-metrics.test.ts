import { describe, expect, it } from 'vitest';
import { testRunRow } from '@verdant/core/testing';
import type { RunRow } from '@verdant/core';
import { createRunMetrics, observeRun } from '../src/outputs/metrics.js';

function row(meta: unknown, energyJ: number, emissionsG: number): RunRow {
  return { group_id: null, task: null, ...testRunRow({ name: 'train', energy_j: energyJ, emissions_g: emissionsG, meta: typeof meta === 'string' ? meta : JSON.stringify(meta) }) };
}

async function budgetSeries(r: RunRow): Promise<Array<{ kind: string; value: number }>> {
  const m = createRunMetrics();
  observeRun(m, r);
  const got = await m.budget.get();
  return got.values.map((v) => ({ kind: String(v.labels.kind), value: v.value })).sort((a, b) => a.kind.localeCompare(b.kind));
}

describe('verdant_run_budget_used_ratio', () => {
  it('is the share of each budget limit the run has used (1 is the limit), from the budget verdant run keeps in meta', async () => {
    const r = row({ budget: { maxEnergyJ: 3.6e6, maxEmissionsG: 200, onExceed: 'warn' } }, 4.5e6, 50);
    expect(await budgetSeries(r)).toEqual([
      { kind: 'emissions', value: 0.25 },
      { kind: 'energy', value: 1.25 },
    ]);
  });

  it('has a series only for the limits the run set', async () => {
    expect(await budgetSeries(row({ budget: { maxEmissionsG: 100, onExceed: 'stop' } }, 1e6, 20))).toEqual([{ kind: 'emissions', value: 0.2 }]);
  });

  it('has no series for a run without a budget, with a malformed one, or with unreadable meta', async () => {
    expect(await budgetSeries(row({}, 1e6, 20))).toEqual([]);
    expect(await budgetSeries(row({ budget: { maxEnergyJ: 0, maxEmissionsG: 'x' } }, 1e6, 20))).toEqual([]);
    expect(await budgetSeries(row('not json', 1e6, 20))).toEqual([]);
  });
});
