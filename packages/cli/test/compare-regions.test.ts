import { beforeAll, describe, expect, it } from 'vitest';
import { loadTrace, shippedTracePath } from '@verdant/grid';
import { assertBuilt, runCli } from './helpers.js';

beforeAll(assertBuilt);

const H = 3600;
const DAY = Date.UTC(2023, 6, 15) / 1000;
const iso = (t: number): string => new Date(t * 1000).toISOString();
const env = { ...process.env, VERDANT_OFFLINE: '1' };

/** The cheapest whole-hour start of a `len`-hour run in the first `hours` of the day, by brute force. */
async function bruteForce(zone: string, hours: number, len: number): Promise<{ zone: string; start: number; sum: number }> {
  const points = (await loadTrace(shippedTracePath(zone, 2023))).points;
  const values = Array.from({ length: hours }, (_, h) => points.find((p) => p.t === DAY + h * H)!.gPerKwh);
  let best = { zone, start: 0, sum: Infinity };
  for (let s = 0; s + len <= values.length; s++) {
    const sum = values.slice(s, s + len).reduce((a, b) => a + b, 0);
    if (sum < best.sum - 1e-9) best = { zone, start: s, sum };
  }
  return best;
}

describe('verdant compare-regions', () => {
  it("lists each region's best window and emissions, best first", async () => {
    const zones = ['ES', 'NO', 'BR', 'US-CAL-CISO'];
    const args = ['compare-regions', '--duration', '2h', '--earliest', iso(DAY), '--deadline', '12h', '--power', '1kW', '--json'];
    for (const z of zones) args.push('--region', z, '--trace', `${z}:2023`);
    const r = await runCli(args, env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const expected = (await Promise.all(zones.map((z) => bruteForce(z, 12, 2)))).sort((a, b) => a.sum - b.sum);
    expect(out.best).toBe(expected[0]!.zone);
    expect(out.regions.map((x: { zone: string }) => x.zone)).toEqual(expected.map((e) => e.zone));
    for (const [i, e] of expected.entries()) {
      expect(out.regions[i].start).toBe(iso(DAY + e.start * H));
      expect(out.regions[i].emissions_g).toBeCloseTo(e.sum, 6);
    }
  });

  it('prints a table, and accepts cloud regions', async () => {
    const r = await runCli(['compare-regions', '--duration', '1h', '--earliest', iso(DAY), '--deadline', '6h', '--region', 'aws:eu-south-2', '--region', 'NO', '--trace', 'ES:2023', '--trace', 'NO:2023'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^zone\s+best start\s+g\/kWh\s+now g\/kWh\s+emissions g\s+saving$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual(['ES', 'NO']);
  });

  it('needs at least two regions', async () => {
    const r = await runCli(['compare-regions', '--duration', '1h', '--region', 'ES', '--trace', 'ES:2023'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--region: give at least two regions to compare/);
  });
});
