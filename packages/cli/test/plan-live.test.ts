import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeElectricityMaps } from './fake-electricitymaps.js';
import { assertBuilt, runCli } from './helpers.js';

const H = 3600;
let em: FakeElectricityMaps;
let env: NodeJS.ProcessEnv;

// 500 g/kWh everywhere but a valley of 100 three and four hours after the current hour.
const VALUES = Array.from({ length: 24 }, (_, i) => (i === 3 || i === 4 ? 100 : 500));

beforeAll(async () => {
  assertBuilt();
  em = await FakeElectricityMaps.start(VALUES);
  env = {
    ...process.env,
    VERDANT_OFFLINE: '',
    VERDANT_DATABASE_URL: '',
    VERDANT_HOME: mkdtempSync(join(tmpdir(), 'verdant-plan-live-')),
    ELECTRICITYMAPS_TOKEN: 'test-token',
    VERDANT_ELECTRICITYMAPS_URL: em.url,
  };
});
afterAll(async () => em.close());

describe('verdant plan over a live forecast', () => {
  it("puts the job in the forecast's valley and reports the saving versus starting now", async () => {
    const r = await runCli(['plan', '--region', 'DE', '--duration', '2h', '--deadline', '10h', '--power', '1kW', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(em.requests.some((q) => q.path === '/v3/carbon-intensity/forecast' && q.zone === 'DE')).toBe(true);
    expect(out.best.start).toBe(new Date((em.hour0 + 3 * H) * 1000).toISOString());
    expect(out.best.emissions_g).toBeCloseTo(2 * 100, 9);
    // Starting now, both hours lie before the valley.
    expect(out.best.baseline_emissions_g).toBeCloseTo(2 * 500, 9);
    expect(out.best.source).toMatchObject({ name: 'electricitymaps', link: 'live', provider: 'electricitymaps', age_s: 0 });
  });

  it('shows the forecast with its provenance', async () => {
    const r = await runCli(['forecast', 'DE', '--hours', '6', '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ zone: 'DE', link: 'live', provider: 'electricitymaps', generated_at: new Date((em.hour0 + 60) * 1000).toISOString() });
    expect(out.points.map((p: { g_per_kwh: number }) => p.g_per_kwh)).toEqual(VALUES.slice(0, out.points.length));
    expect(out.points.length).toBeGreaterThanOrEqual(6);
  });
});
