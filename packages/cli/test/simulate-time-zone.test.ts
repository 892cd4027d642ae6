import { loadShippedTrace, simulate } from '@verdant/schedule';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './helpers.js';

beforeAll(assertBuilt);

const env = { ...process.env, VERDANT_OFFLINE: '1' };
const args = ['simulate', '--scenario', 'periodic', '--zone', 'ES', '--year', '2023', '--window', '4', '--json'];

describe('verdant simulate --time-zone', () => {
  it('UTC puts the nightly job and its window on the trace\'s UTC clock (the paper\'s), not Madrid\'s', async () => {
    const [utc, local] = await Promise.all([runCli([...args, '--time-zone', 'UTC'], env), runCli(args, env)]);
    expect(utc.code).toBe(0);
    expect(local.code).toBe(0);
    const row = JSON.parse(utc.stdout).rows[0];
    const localRow = JSON.parse(local.stdout).rows[0];
    // The same replay done through the library on a trace read on the UTC clock.
    const expected = simulate({ scenario: { kind: 'periodic', windowsS: [4 * 3600] }, traces: [await loadShippedTrace('ES', 2023, { timeZone: 'UTC' })] }).rows[0]!;
    expect(row.baselineKg).toBeCloseTo(expected.baselineKg, 9);
    expect(row.savingsPct).toBeCloseTo(expected.savingsPct, 9);
    // 01:00 UTC is 02:00 or 03:00 in Madrid: other hours, other emissions.
    expect(Math.abs(row.baselineKg - localRow.baselineKg)).toBeGreaterThan(1e-6);
  });

  it('an unknown time zone is bad input naming --time-zone', async () => {
    const r = await runCli([...args, '--time-zone', 'Mars/Olympus_Mons'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--time-zone/);
    expect(r.stdout).toBe('');
  });
});
