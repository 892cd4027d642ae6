import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { forecast, loadTrace, shippedTracePath } from '@verdant/grid';
import { assertBuilt, runCli } from './helpers.js';

beforeAll(assertBuilt);

const H = 3600;
const offline = (): NodeJS.ProcessEnv => ({ ...process.env, VERDANT_OFFLINE: '1', VERDANT_DATABASE_URL: '', VERDANT_HOME: mkdtempSync(join(tmpdir(), 'verdant-fc-')) });

describe('verdant forecast', () => {
  it("forecasts from a trace's history with the seasonal model, seeing nothing after the origin", async () => {
    const origin = Date.UTC(2023, 4, 10) / 1000;
    const r = await runCli(['forecast', 'NO', '--trace', 'NO:2023', '--at', '2023-05-10T00:00Z', '--hours', '12', '--json'], offline());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ zone: 'NO', generated_at: '2023-05-10T00:00:00.000Z', horizon_s: 12 * H, link: 'model', provider: 'model:seasonal' });
    expect(out.points.map((p: { time: string }) => Date.parse(p.time) / 1000)).toEqual(Array.from({ length: 12 }, (_, i) => origin + i * H));
    // The model fed the 28 days before the origin, and only those, gives the same numbers.
    const points = (await loadTrace(shippedTracePath('NO', 2023))).points.filter((p) => p.t >= origin - 28 * 86400 && p.t < origin);
    const expected = forecast(points, 12 * H, { generatedAt: origin });
    expect(out.points.map((p: { g_per_kwh: number }) => p.g_per_kwh)).toEqual(expected.map((p) => p.gPerKwh));
    // A forecast, not a replay: it differs from what the trace recorded.
    const actual = (await loadTrace(shippedTracePath('NO', 2023))).points.filter((p) => p.t >= origin && p.t < origin + 12 * H).map((p) => p.gPerKwh);
    expect(out.points.map((p: { g_per_kwh: number }) => p.g_per_kwh)).not.toEqual(actual);
  });

  it('offline without a cache, the chain answers with the static average for the horizon', async () => {
    const r = await runCli(['forecast', 'ES', '--hours', '6', '--json'], offline());
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.link).toBe('static');
    expect(out.failures.map((f: { link: string }) => f.link)).toEqual(['cache', 'model']);
    expect(out.points[0].source).toMatch(/^static:tgwf-co2/);
  });

  it('prints a bar per hour for a human, and rejects bad options', async () => {
    const r = await runCli(['forecast', 'ES', '--trace', 'ES:2023', '--at', '2023-09-01T00:00Z', '--hours', '3'], offline());
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(4);
    expect(r.stdout).toMatch(/\n2023-09-01T00:00Z\s+\d+\.\d\s+#+\n/);
    const early = await runCli(['forecast', 'ES', '--trace', 'ES:2023', '--at', '2022-01-01T00:00Z'], offline());
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/--at: the trace has no history for ES before 2022-01-01/);
    const hours = await runCli(['forecast', 'ES', '--hours', '0'], offline());
    expect(hours.code).toBe(2);
    expect(hours.stderr).toMatch(/--hours: must be a number greater than 0/);
  });
});
