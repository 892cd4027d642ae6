import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './helpers.js';

beforeAll(assertBuilt);

const DATA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'data', 'grid');

/** Region → zone pairs read straight from the shipped table (first two CSV columns). */
function tableRows(cloud: string): Array<[string, string]> {
  return readFileSync(join(DATA, 'cloud-regions.csv'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${cloud}:`))
    .map((l) => l.split(',').slice(0, 2) as [string, string])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

describe('verdant zones', () => {
  it("lists a cloud's regions with the grid zone each draws from", async () => {
    for (const cloud of ['aws', 'gcp', 'azure']) {
      const r = await runCli(['zones', '--cloud', cloud, '--json'], process.env);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.cloud).toBe(cloud);
      expect(out.regions.map((x: { id: string; zone: string }) => [x.id, x.zone])).toEqual(tableRows(cloud));
    }
  });

  it('lists the zones known offline, marking the ones with shipped hourly traces', async () => {
    const r = await runCli(['zones', '--json'], process.env);
    expect(r.code).toBe(0);
    const zones: Array<{ zone: string; sources: string[] }> = JSON.parse(r.stdout).zones;
    expect(zones.length).toBeGreaterThan(100);
    expect(zones.map((z) => z.zone)).toEqual([...zones.map((z) => z.zone)].sort((a, b) => a.localeCompare(b)));
    const files = readdirSync(join(DATA, 'electricitymaps')).filter((f) => f.endsWith('_hourly.csv'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const zone = f.replace(/_\d{4}_hourly\.csv$/, '');
      expect(zones.find((x) => x.zone === zone)?.sources).toContain(`trace:electricitymaps/${f}`);
    }
    const human = await runCli(['zones'], process.env);
    expect(human.stdout).toMatch(/\nES\s+Spain\s+\[hourly traces\]\n/);
  });

  it('rejects an unknown cloud', async () => {
    const r = await runCli(['zones', '--cloud', 'ibm'], process.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--cloud: unknown cloud "ibm"/);
  });
});
