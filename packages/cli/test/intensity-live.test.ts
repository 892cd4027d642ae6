import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeElectricityMaps } from './fake-electricitymaps.js';
import { assertBuilt, runCli } from './helpers.js';

let em: FakeElectricityMaps;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  assertBuilt();
  em = await FakeElectricityMaps.start(Array.from({ length: 24 }, (_, i) => 300 + 10 * i));
  env = {
    ...process.env,
    VERDANT_OFFLINE: '',
    VERDANT_DATABASE_URL: '',
    VERDANT_HOME: mkdtempSync(join(tmpdir(), 'verdant-int-live-')),
    ELECTRICITYMAPS_TOKEN: 'test-token-123',
    VERDANT_ELECTRICITYMAPS_URL: em.url,
  };
});
afterAll(async () => em.close());

describe('verdant intensity against a live provider', () => {
  it('answers from Electricity Maps, then from the cache when the provider refuses', async () => {
    const live = await runCli(['intensity', 'DE', '--json'], env);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const a = JSON.parse(live.stdout);
    expect(a).toMatchObject({ zone: 'DE', g_per_kwh: 300, link: 'live', provider: 'electricitymaps', source: 'electricitymaps', age_s: 0, interval_start: new Date(em.hour0 * 1000).toISOString() });
    // The fake's latest value is an estimate, as Electricity Maps flags the most recent hours.
    expect(a).toMatchObject({ estimated: true, estimation_method: 'TIME_SLICER_AVERAGE' });
    const seen = em.requests.find((r) => r.path === '/v3/carbon-intensity/latest')!;
    expect(seen.zone).toBe('DE');
    expect(seen.headers['auth-token']).toBe('test-token-123');

    em.failWith = 401;
    const cached = await runCli(['intensity', 'DE', '--json'], env);
    em.failWith = undefined;
    expect(cached.code).toBe(0);
    const b = JSON.parse(cached.stdout);
    expect(b).toMatchObject({ zone: 'DE', g_per_kwh: 300, link: 'cache', provider: 'store' });
    expect(b.age_s).toBeGreaterThanOrEqual(0);
    expect(b.failures[0]).toMatchObject({ link: 'live', provider: 'electricitymaps' });
    // The token never reaches the output.
    expect(cached.stdout + cached.stderr).not.toContain('test-token-123');
  });

  it('marks an estimated value in the human output', async () => {
    const r = await runCli(['intensity', 'DE'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^DE {2}300\.0 gCO2e\/kWh \(average, estimated by TIME_SLICER_AVERAGE\) at /);
  });
});
