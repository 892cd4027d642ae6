import { mkdtempSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VerdantError } from '@verdant/core';
import {
  CLOUDS,
  DEFAULT_ZONE,
  closestMatches,
  cloudRegions,
  listCloudRegions,
  listZones,
  lookupCloudRegion,
  matchStaticZone,
  resolveIntensity,
  resolveZone,
  shippedTracePath,
  staticLookup,
} from '../src/index.js';
import { thrown } from '@verdant/core/testing';

describe('cloud regions', () => {
  it.each([
    ['aws:eu-west-1', 'IE'],
    ['aws:us-west-1', 'US-CAL-CISO'],
    ['aws:us-east-1', 'US-MIDA-PJM'],
    ['gcp:europe-west4', 'NL'],
    ['gcp:us-central1', 'US-MIDW-MISO'],
    ['azure:westeurope', 'NL'],
    ['azure:northeurope', 'IE'],
  ])('%s → %s', (region, zone) => {
    expect(resolveZone(region)).toBe(zone);
  });

  it('accepts other spellings: upper case, availability zones, Azure display names', () => {
    expect(resolveZone('AWS:EU-WEST-1')).toBe('IE');
    expect(resolveZone('aws:eu-west-1b')).toBe('IE');
    expect(resolveZone('gcp:europe-west4-a')).toBe('NL');
    expect(resolveZone('azure:West Europe')).toBe('NL');
  });

  it('covers at least 15 regions of each cloud, each with a location and a source', () => {
    for (const cloud of CLOUDS) {
      const regions = listCloudRegions(cloud);
      expect(regions.length, cloud).toBeGreaterThanOrEqual(15);
      for (const r of regions) {
        expect(r.location, r.id).not.toBe('');
        expect(r.source, r.id).toMatch(/^https:\/\//);
      }
    }
  });

  it('maps every region to a zone with its own static figure (no country fallback)', () => {
    for (const r of cloudRegions().values()) {
      const match = matchStaticZone(r.zone);
      expect(match.zone, r.id).toBe(r.zone);
      expect(match.countryFallback, r.id).toBeUndefined();
    }
  });

  it('rejects an unknown region listing close ones from the same cloud', () => {
    const e = thrown(() => lookupCloudRegion('aws:eu-west-9'));
    expect(e.field).toBe('zone');
    expect(e.message).toMatch(/unknown cloud region "aws:eu-west-9"; closest known: aws:eu-west-1, aws:eu-west-2, aws:eu-west-3/);
    expect(thrown(() => resolveZone('gcp:europe-wset4')).message).toMatch(/closest known: gcp:europe-west4/);
    expect(thrown(() => resolveZone('ibm:eu-de')).message).toMatch(/unknown cloud "ibm"/);
  });

  it('reads the table from VERDANT_GRID_DATA-style directories and names bad lines', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'verdant-grid-'));
    writeFileSync(path.join(dir, 'cloud-regions.csv'), '# test\nregion,zone,location,source\naws:xx-1,DE,"Somewhere, DE",test\nnot-a-region,DE,x,y\n');
    expect(() => cloudRegions(dir)).toThrow(/cloud-regions\.csv line 4: expected/);
    const ok = mkdtempSync(path.join(os.tmpdir(), 'verdant-grid-'));
    writeFileSync(path.join(ok, 'cloud-regions.csv'), 'region,zone,location,source\naws:xx-1,DE,"Somewhere, DE",test\n');
    expect(lookupCloudRegion('aws:xx-1', 'zone', ok)).toMatchObject({ zone: 'DE', location: 'Somewhere, DE' });
  });
});

describe('resolveZone and listZones', () => {
  it('canonicalises zones and country codes', () => {
    expect(resolveZone('deu')).toBe('DE');
    expect(resolveZone('us-cal-ciso')).toBe('US-CAL-CISO');
    expect(resolveZone('world')).toBe('WORLD');
  });

  it('rejects unknown and empty zones with suggestions', () => {
    expect(thrown(() => resolveZone('ESP-X')).message).toMatch(/unknown grid zone "ESP-X"; closest known: .*ESP/);
    expect(thrown(() => resolveZone('  ')).message).toMatch(/is empty/);
  });

  it('lists static zones and the shipped traces', () => {
    const zones = new Map(listZones().map((z) => [z.zone, z]));
    expect(zones.get('US-CAL-CISO')?.sources).toEqual([
      'static:tgwf-co2/electricitymaps',
      'trace:electricitymaps/US-CAL-CISO_2021_hourly.csv',
      'trace:electricitymaps/US-CAL-CISO_2022_hourly.csv',
      'trace:electricitymaps/US-CAL-CISO_2023_hourly.csv',
    ]);
    expect(zones.get('WORLD')?.sources).toEqual(['static:tgwf-co2/ember']);
  });

  it('ranks prefix matches (either way, nearest length first) before edit-distance ones', () => {
    expect(closestMatches('us-cal', ['US-CAL-CISO', 'US-CAL-BANC', 'US', 'UY'])).toEqual(['US', 'US-CAL-BANC', 'US-CAL-CISO']);
    expect(closestMatches('zzzz', ['DE', 'FR'])).toEqual([]);
    expect(closestMatches('FRANCE', ['FR', 'FRA', 'GR'])).toEqual(['FRA', 'FR']);
    expect(closestMatches('GRE', ['GRC', 'GB', 'DE'])).toEqual(['GRC', 'DE', 'GB']);
  });
});

describe('shippedTracePath', () => {
  it('finds shipped files and lists them when asked for one that is not shipped', () => {
    expect(existsSync(shippedTracePath('us-cal-ciso', 2023))).toBe(true);
    expect(thrown(() => shippedTracePath('ES', 2019)).fix).toMatch(/BR 2021, .*US-CAL-CISO 2023/);
  });

  it('follows VERDANT_GRID_DATA', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'verdant-grid-'));
    mkdirSync(path.join(dir, 'electricitymaps'));
    writeFileSync(path.join(dir, 'electricitymaps', 'FR_2030_hourly.csv'), '');
    expect(shippedTracePath('FR', 2030, dir)).toBe(path.join(dir, 'electricitymaps', 'FR_2030_hourly.csv'));
  });
});

describe('resolveIntensity', () => {
  const t2023 = Date.UTC(2023, 5, 1) / 1000;

  it('uses the trace file when given, whatever the zone', async () => {
    const l = await resolveIntensity({ traceFile: shippedTracePath('NO', 2023), env: {} });
    expect(l.zone).toBe('NO');
    expect(l.source).toBe('trace:NO_2023_hourly.csv');
    expect(l.zoneFrom).toBe('trace');
    expect(l.at(t2023)).toBe(l.pointAt?.(t2023).gPerKwh);
    await expect(resolveIntensity({ zone: 'DE', traceFile: shippedTracePath('NO', 2023), env: {} })).rejects.toThrow(/for zone "NO", not "DE"/);
  });

  it('falls back from --region to VERDANT_REGION to the world average', async () => {
    const option = await resolveIntensity({ zone: 'aws:eu-west-1', env: { VERDANT_REGION: 'FR' } });
    expect([option.zone, option.zoneFrom]).toEqual(['IE', 'option']);
    expect(option.at(t2023)).toBe(staticLookup('IE').at(t2023));
    const env = await resolveIntensity({ env: { VERDANT_REGION: 'FRA' } });
    expect([env.zone, env.zoneFrom]).toEqual(['FR', 'env']);
    const fallback = await resolveIntensity({ env: {} });
    expect([fallback.zone, fallback.zoneFrom, DEFAULT_ZONE]).toEqual(['WORLD', 'default', 'WORLD']);
  });

  it('names VERDANT_REGION when that is what is wrong', async () => {
    const e = await resolveIntensity({ env: { VERDANT_REGION: 'Atlantis' } }).catch((err: unknown) => err);
    expect((e as VerdantError).field).toBe('VERDANT_REGION');
  });
});
