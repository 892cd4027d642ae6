import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSimulation } from '@verdant/schedule';
import { assertBuilt, runCli } from './helpers.js';

beforeAll(assertBuilt);

describe('verdant simulate', () => {
  it('replays a shipped trace and writes JSON, CSV and SVG that agree with the library', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdant-sim-cli-'));
    const csv = join(dir, 'out.csv');
    const svg = join(dir, 'out.svg');
    const r = await runCli(['simulate', '--scenario', 'periodic', '--zone', 'ES', '--year', '2022', '--window', '2', '--window', '8', '--csv', csv, '--svg', svg, '--json'], process.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const lib = await runSimulation({ scenario: 'periodic', zones: ['ES'], years: [2022], windowsH: [2, 8] });
    expect(out.rows).toEqual(lib.rows);
    expect(out.rows.map((x: { variant: string }) => x.variant)).toEqual(['±2h', '±8h']);
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[\s\S]*±8h[\s\S]*<\/svg>$/);
  });

  it('prints a table by default', async () => {
    const r = await runCli(['simulate', '--zone', 'NO', '--year', '2023', '--window', '4'], process.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^zone\s+year\s+jobs\s+±4h\n/);
    expect(r.stdout).toMatch(/\nNO\s+2023\s+\d+\s+\d+\.\d%\n/);
  });

  it('exits 2 and names the option on bad input', async () => {
    const bad = await runCli(['simulate', '--scenario', 'hourly'], process.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--scenario: unknown scenario "hourly"/);
    const noise = await runCli(['simulate', '--zone', 'ES', '--year', '2022', '--noise', 'lots'], process.env);
    expect(noise.code).toBe(2);
    expect(noise.stderr).toMatch(/--noise: must be a number/);
  });
});
