import { beforeAll, describe, expect, it } from 'vitest';
import type { IntensityPoint } from '@verdant/core';
import { loadTrace, shippedTracePath } from '@verdant/grid';
import { assertBuilt, runCli } from './helpers.js';

beforeAll(assertBuilt);

const H = 3600;
const DAY = Date.UTC(2023, 2, 1) / 1000;
const iso = (t: number): string => new Date(t * 1000).toISOString();
const env = { ...process.env, VERDANT_OFFLINE: '1' };

async function hourly(zone: string, from: number, hours: number): Promise<number[]> {
  const points: IntensityPoint[] = (await loadTrace(shippedTracePath(zone, 2023))).points;
  return Array.from({ length: hours }, (_, h) => points.find((p) => p.t === from + h * H)!.gPerKwh);
}

/** Brute force over whole-hour starts (with hourly steps and whole-hour runs, the optimum is on the hour). */
function bestStart(values: number[], len: number): { start: number; sum: number } {
  let best = { start: 0, sum: Infinity };
  for (let s = 0; s + len <= values.length; s++) {
    const sum = values.slice(s, s + len).reduce((a, b) => a + b, 0);
    if (sum < best.sum - 1e-9) best = { start: s, sum };
  }
  return best;
}

describe('verdant plan', () => {
  it('finds the cheapest window in a shipped trace, with emissions and the saving versus the earliest start', async () => {
    const r = await runCli(['plan', '--trace', 'ES:2023', '--region', 'ES', '--duration', '3h', '--earliest', '2023-03-01T00:00Z', '--deadline', '24h', '--power', '2kW', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const values = await hourly('ES', DAY, 24);
    const b = bestStart(values, 3);
    const baseline = 2 * values.slice(0, 3).reduce((a, v) => a + v, 0);
    expect(out.earliest_start).toBe(iso(DAY));
    expect(out.deadline).toBe(iso(DAY + 24 * H));
    expect(out.best.zone).toBe('ES');
    expect(out.best.start).toBe(iso(DAY + b.start * H));
    expect(out.best.end).toBe(iso(DAY + (b.start + 3) * H));
    expect(out.best.emissions_g).toBeCloseTo(2 * b.sum, 6); // 2 kW for an hour = 2 kWh
    expect(out.best.baseline_emissions_g).toBeCloseTo(baseline, 6);
    expect(out.best.saving_fraction).toBeCloseTo((baseline - 2 * b.sum) / baseline, 9);
    expect(out.best.energy_j).toBe(2000 * 3 * H);
    expect(out.best.source.link).toBe('trace');
  });

  it('plans an interruptible job in chunks no shorter than --min-chunk', async () => {
    const r = await runCli(['plan', '--trace', 'ES:2023', '--duration', '4h', '--earliest', '2023-03-01T00:00Z', '--deadline', '2023-03-02T00:00Z', '--power', '1000', '--interruptible', '--min-chunk', '2h', '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const values = await hourly('ES', DAY, 24);
    // Brute force: every pair of non-overlapping 2 h chunks, and every single 4 h run.
    let best = bestStart(values, 4).sum;
    for (let a = 0; a + 2 <= 24; a++) for (let b = a + 2; b + 2 <= 24; b++) best = Math.min(best, values[a]! + values[a + 1]! + values[b]! + values[b + 1]!);
    expect(out.best.emissions_g).toBeCloseTo(best, 6);
    for (const c of out.best.chunks) expect(Date.parse(c.end) - Date.parse(c.start)).toBeGreaterThanOrEqual(2 * H * 1000);
  });

  it('prints a summary for a human', async () => {
    const r = await runCli(['plan', '--trace', 'NO:2023', '--duration', '1h', '--earliest', '2023-06-01T00:00Z', '--deadline', '6h', '--power', '500W'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^best\s+NO\s+start 2023-06-01T0\d:00:00\.000Z/);
    expect(r.stdout).toMatch(/\nemissions\s+\d+\.\d gCO2e, saving/);
  });

  it('exits 2 naming the option on bad input', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--duration', 'long'], /--duration: cannot read "long" as a duration/],
      [['--duration', '3h', '--deadline', '1h'], /--deadline: the deadline .* is before the earliest start plus the duration/],
      [['--duration', '1h', '--power', 'lots'], /--power: cannot read "lots"/],
      [['--duration', '1h', '--objective', 'speed'], /--objective: unknown objective "speed"/],
      [['--duration', '1h', '--objective', 'cost'], /prices: the cost objective needs a price series/],
      [['--duration', '1h', '--min-chunk', '1h'], /--min-chunk: only applies to interruptible jobs/],
      [['--duration', '1h', '--region', 'ATLANTIS'], /--region: unknown grid zone "ATLANTIS"/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['plan', '--trace', 'ES:2023', '--earliest', '2023-03-01T00:00Z', ...args], env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const outside = await runCli(['plan', '--trace', 'ES:2023', '--duration', '1h'], env);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/--earliest: no intensity data for ES between/);
  });

  it('plans with the cost objective from a price file', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'verdant-prices-')), 'prices.csv');
    // Cheapest at 03:00-05:00, whatever the carbon says.
    const prices = Array.from({ length: 24 }, (_, h) => (h === 3 || h === 4 ? 0.05 : 0.3));
    writeFileSync(file, ['time,price_per_kwh', ...prices.map((p, h) => `${iso(DAY + h * H)},${p}`)].join('\n'));
    const r = await runCli(['plan', '--trace', 'ES:2023', '--duration', '2h', '--earliest', '2023-03-01T00:00Z', '--deadline', '2023-03-02T00:00Z', '--power', '1kW', '--objective', 'cost', '--prices', file, '--json'], env);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.best.start).toBe(iso(DAY + 3 * H));
    expect(out.best.cost).toBeCloseTo(2 * 0.05, 9);
  });
});
