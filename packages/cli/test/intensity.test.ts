import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTrace, shippedTracePath } from '@verdant/grid';
import { assertBuilt, constantTrace, runCli } from './helpers.js';

beforeAll(assertBuilt);

const offline = (): NodeJS.ProcessEnv => ({ ...process.env, VERDANT_OFFLINE: '1', VERDANT_DATABASE_URL: '', VERDANT_HOME: mkdtempSync(join(tmpdir(), 'verdant-int-')) });

describe('verdant intensity', () => {
  it('reads a shipped trace at a given time, naming the source', async () => {
    const r = await runCli(['intensity', 'ES', '--trace', 'ES:2023', '--at', '2023-03-01T12:30Z', '--json'], offline());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const t = Date.UTC(2023, 2, 1, 12) / 1000;
    const expected = (await loadTrace(shippedTracePath('ES', 2023))).points.find((p) => p.t === t)!.gPerKwh;
    expect(out).toMatchObject({ zone: 'ES', at: '2023-03-01T12:30:00.000Z', g_per_kwh: expected, signal: 'average', interval_start: '2023-03-01T12:00:00.000Z', resolution_s: 3600, source: 'trace:ES_2023_hourly.csv', link: 'trace', age_s: null });
  });

  it('reads a trace file of the user around now', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdant-int-trace-'));
    const r = await runCli(['intensity', 'DE', '--trace', constantTrace(dir, 123), '--json'], offline());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ zone: 'DE', g_per_kwh: 123, source: 'trace:trace.csv' });
  });

  it('falls back to the static yearly average offline and says which links failed', async () => {
    const r = await runCli(['intensity', 'aws:eu-central-1', '--json'], offline());
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ zone: 'DE', link: 'static', age_s: null, resolution_s: expect.any(Number) });
    expect(out.source).toMatch(/^static:tgwf-co2/);
    expect(out.failures.map((f: { link: string }) => f.link)).toEqual(['cache', 'model']);
    const human = await runCli(['intensity', 'DE'], offline());
    expect(human.stdout).toMatch(/^DE\s+\d+\.\d gCO2e\/kWh \(average\) at /);
    expect(human.stdout).toMatch(/\nsource static:tgwf-co2\S* via static \(static\), age n\/a\n/);
  });

  it('exits 2 naming the option when the time lies outside the trace or the zone is unknown', async () => {
    const outside = await runCli(['intensity', 'ES', '--trace', 'ES:2023'], offline());
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/--at: the trace for ES covers 2023-01-01/);
    const unknown = await runCli(['intensity', 'ATLANTIS'], offline());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/<zone>: unknown grid zone "ATLANTIS"/);
    const signal = await runCli(['intensity', 'ES', '--signal', 'best'], offline());
    expect(signal.code).toBe(2);
    expect(signal.stderr).toMatch(/--signal: unknown signal "best"/);
  });
});
