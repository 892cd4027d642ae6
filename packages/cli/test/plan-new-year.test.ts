import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchStaticZone, staticFigure } from '@verdant/grid';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './helpers.js';

beforeAll(assertBuilt);

/** Offline with a fresh home: nothing cached, so the static yearly averages answer (a point per calendar year). */
const env = { ...process.env, VERDANT_OFFLINE: '1', VERDANT_HOME: mkdtempSync(join(tmpdir(), 'verdant-newyear-')), VERDANT_DATABASE_URL: '' };
const iso = (t: number): string => new Date(t * 1000).toISOString();

describe('verdant plan across a New Year, offline', () => {
  it.each(['2027-12-31T20:00Z', '2028-12-31T20:00Z', '2023-12-31T20:00Z'])('--earliest %s --duration 2h --deadline 24h --region DE', async (earliest) => {
    const r = await runCli(['plan', '--earliest', earliest, '--duration', '2h', '--deadline', '24h', '--region', 'DE', '--power', '1kW', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const start = Date.parse(earliest) / 1000;
    const year = new Date(start * 1000).getUTCFullYear();
    const newYear = Date.UTC(year + 1, 0, 1) / 1000;
    const [before, after] = [year, year + 1].map((y) => staticFigure(matchStaticZone('DE'), 'average', y).gPerKwh) as [number, number];
    expect(out.earliest_start).toBe(iso(start));
    expect(out.deadline).toBe(iso(start + 24 * 3600));
    expect(out.best.start).toBe(iso(after < before ? newYear : start));
    expect(out.best.emissions_g).toBeCloseTo(2 * Math.min(before, after), 6);
  });

  it('--deadline 400d from now, and the human form names no series', async () => {
    const r = await runCli(['plan', '--duration', '2h', '--deadline', '400d', '--region', 'DE'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^best\s+DE\s+start /m);
    expect(r.stdout).toMatch(/^source\s+static:tgwf-co2\/\S+ via static$/m);
    expect(r.stdout).not.toMatch(/series/);
  });
});
