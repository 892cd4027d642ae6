import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { StaticProvider, loadTrace, shippedTracePath, staticLookup } from '../src/index.js';
import { thrown } from '@verdant/core/testing';

// The package's own data, read independently, is the oracle for the figures we serve.
const tgwf = createRequire(import.meta.url)('@tgwf/co2/data');
const em = (year: number, zone: string): number => tgwf.electricityMaps[`yearly${year}`].data[zone].carbonIntensity.value;
const ember = (iso3: string): number => tgwf.averageIntensity.data[iso3];

const at = (y: number, m = 5, d = 1): number => Date.UTC(y, m, d) / 1000;
const providerIn = (year: number) => new StaticProvider({ clock: () => at(year) });

describe('StaticProvider', () => {
  it('answers ISO alpha-2, alpha-3 and lower-case spellings with the same canonical zone', async () => {
    const p = providerIn(2023);
    const [a, b, c] = await Promise.all([p.current('DE'), p.current('DEU'), p.current(' deu ')]);
    expect(a.zone).toBe('DE');
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a.gPerKwh).toBe(em(2023, 'DE'));
    expect(a.source).toBe('static:tgwf-co2/electricitymaps-2023');
    expect(a.signal).toBe('average');
  });

  it('picks the Electricity Maps figure of the year asked about, else the nearest year shipped', async () => {
    expect((await providerIn(2021).current('ES')).gPerKwh).toBe(em(2021, 'ES'));
    expect((await providerIn(2022).current('ES')).gPerKwh).toBe(em(2022, 'ES'));
    const future = await providerIn(2040).current('ES');
    expect(future.gPerKwh).toBe(em(2025, 'ES'));
    expect(future.source).toContain('electricitymaps-2025');
    expect((await providerIn(2010).current('ES')).source).toContain('electricitymaps-2021');
    const pinned = new StaticProvider({ year: 2022, clock: () => at(2024) });
    expect((await pinned.current('ES')).gPerKwh).toBe(em(2022, 'ES'));
  });

  it('serves grid subzones such as US-CAL-CISO from their own figure', async () => {
    const p = await providerIn(2024).current('us-cal-ciso');
    expect(p.zone).toBe('US-CAL-CISO');
    expect(p.gPerKwh).toBe(em(2024, 'US-CAL-CISO'));
    expect(p.gPerKwh).not.toBe(em(2024, 'US'));
  });

  it('falls back to the country average for an unknown subzone and says so in source', async () => {
    const p = await providerIn(2024).current('US-CAL-NOPE');
    expect(p.zone).toBe('US-CAL-NOPE');
    expect(p.gPerKwh).toBe(em(2024, 'US'));
    expect(p.source).toMatch(/country average of US; no figure for US-CAL-NOPE/);
  });

  it('uses Ember for countries Electricity Maps lacks and for world/regional aggregates', async () => {
    const p = providerIn(2024);
    const chile = await p.current('CHL');
    expect(chile.zone).toBe('CL');
    expect(chile.gPerKwh).toBe(ember('CHL'));
    expect(chile.source).toBe('static:tgwf-co2/ember');
    expect((await p.current('WORLD')).gPerKwh).toBe(ember('WORLD'));
    expect((await p.current('north america')).gPerKwh).toBe(ember('NORTH AMERICA'));
  });

  it('serves the marginal signal per country and refuses it where there is none', async () => {
    const p = providerIn(2024);
    const m = await p.current('DE', { signal: 'marginal' });
    expect(m.signal).toBe('marginal');
    expect(m.gPerKwh).toBe(Number(tgwf.marginalIntensity.data.DEU));
    await expect(p.current('WORLD', { signal: 'marginal' })).rejects.toThrow(/no static marginal intensity/);
  });

  it('accepts cloud regions', async () => {
    expect((await providerIn(2024).current('aws:eu-west-1')).zone).toBe('IE');
  });

  it('rejects unknown zones listing the closest known ones', () => {
    const e = thrown(() => staticLookup('DEX'));
    expect(e.field).toBe('zone');
    expect(e.message).toMatch(/unknown grid zone "DEX"; closest known: .*\bDE\b/);
    expect(e.fix).toMatch(/listZones/);
    expect(thrown(() => staticLookup('Germany-ish')).message).toMatch(/unknown grid zone/);
    // Aggregates are not countries: no subzone fallback to the EU average.
    expect(thrown(() => staticLookup('EU-WEST')).message).toMatch(/unknown grid zone "EU-WEST"/);
  });

  it('returns one point per calendar year for history, leap years included', async () => {
    const pts = await providerIn(2024).history('NO', at(2022, 6), at(2024, 2));
    expect(pts.map((p) => new Date(p.t * 1000).toISOString().slice(0, 10))).toEqual(['2022-01-01', '2023-01-01', '2024-01-01']);
    expect(pts.map((p) => p.gPerKwh)).toEqual([em(2022, 'NO'), em(2023, 'NO'), em(2024, 'NO')]);
    expect(pts[2]?.resolutionS).toBe(366 * 86400);
    expect(pts[0]?.resolutionS).toBe(365 * 86400);
    await expect(providerIn(2024).history('NO', at(2024), at(2023))).rejects.toThrow(/must be after from/);
  });

  it('gives the tracker a synchronous lookup whose value follows the year of each time', () => {
    const l = staticLookup('ES', { clock: () => at(2023) });
    expect(l.zone).toBe('ES');
    expect(l.at(at(2021))).toBe(em(2021, 'ES'));
    expect(l.at(at(2023))).toBe(em(2023, 'ES'));
    expect(l.pointAt?.(at(2022)).source).toBe('static:tgwf-co2/electricitymaps-2022');
  });

  it('lists its zones with names and sources', async () => {
    const zones = await new StaticProvider().zones();
    const byId = new Map(zones.map((z) => [z.zone, z]));
    expect(byId.get('DE')).toMatchObject({ name: 'Germany', country: 'DE' });
    expect(byId.get('DE')?.sources).toContain('static:tgwf-co2/ember');
    expect(byId.get('US-CAL-CISO')?.sources).toEqual(['static:tgwf-co2/electricitymaps']);
    expect(byId.get('WORLD')?.country).toBeUndefined();
    expect(zones.length).toBeGreaterThan(350);
  });
});

describe('static figures and shipped traces agree on basis', () => {
  it.each(['ES', 'NO', 'BR', 'US-CAL-CISO'])('%s 2022: the yearly figure is the mean of the hourly LCA trace', async (zone) => {
    const trace = await loadTrace(shippedTracePath(zone, 2022));
    const mean = trace.points.reduce((sum, p) => sum + p.gPerKwh, 0) / trace.points.length;
    const yearly = (await providerIn(2022).current(zone)).gPerKwh;
    expect(Math.abs(yearly - mean) / mean).toBeLessThan(0.02);
    const direct = await loadTrace(shippedTracePath(zone, 2022), { emissions: 'direct' });
    const directMean = direct.points.reduce((sum, p) => sum + p.gPerKwh, 0) / direct.points.length;
    expect(Math.abs(yearly - directMean) / directMean).toBeGreaterThan(0.1);
  });
});
