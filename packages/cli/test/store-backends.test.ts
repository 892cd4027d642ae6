import { beforeAll, describe, expect, it } from 'vitest';
import { serviceUrl } from '@verdant/core/testing';
import { assertBuilt, runCli, sandbox } from './helpers.js';

beforeAll(assertBuilt);

const SENSORS = [{ id: 'gpu:0', kind: 'gpu', powerW: 100 }];

describe('several verdant run processes at once', () => {
  it('all write to one SQLite store without losing a run or a sample', async () => {
    const { env } = sandbox(SENSORS);
    const results = await Promise.all(
      [0, 1, 2].map((i) => runCli(['run', '--json', '--name', `job-${i}`, '--interval', '100ms', '--region', 'FR', '--', 'sleep', '2'], env)),
    );
    const ids = results.map((r) => {
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).run_id as string;
    });
    const listed = JSON.parse((await runCli(['runs', 'list', '--json'], env)).stdout);
    expect(listed.runs.map((r: { run_id: string }) => r.run_id).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const exported = JSON.parse((await runCli(['runs', 'export', id, '--json'], env)).stdout);
      expect(exported.samples.length).toBeGreaterThan(10);
      const sum = exported.samples.reduce((a: number, s: { energy_j: number }) => a + s.energy_j, 0);
      expect(sum).toBeCloseTo(exported.energy_j, 6); // totals match the samples written
    }
  }, 90_000);
});

const pg = serviceUrl('postgres');
describe.skipIf(!pg)('verdant run on PostgreSQL (VERDANT_DATABASE_URL)', () => {
  it('records the run in PostgreSQL with the same shape', async () => {
    const { env } = sandbox(SENSORS);
    const pgEnv = { ...env, VERDANT_DATABASE_URL: pg! };
    const r = await runCli(['run', '--json', '--region', 'FR', '--', 'sleep', '1'], pgEnv);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    // `runs show` adds the what-if (computed when shown) to the fields the run printed.
    const { what_if: whatIf, ...shown } = JSON.parse((await runCli(['runs', 'show', s.run_id, '--json'], pgEnv)).stdout);
    expect(shown).toEqual(s);
    expect(whatIf).toMatchObject({ window_s: 86400, sources: expect.any(Array) });
    expect(Math.abs(s.sensors[0].energy_j - 100 * s.duration_s)).toBeLessThan(0.02 * 100 * s.duration_s);
  }, 60_000);
});
