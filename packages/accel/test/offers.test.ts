import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { thrown } from '@verdant/core/testing';
import { matchDevice, loadDevices, parseOffers, parsePythonLiteral, sampleOffers, stalePriceWarning, PRECISIONS } from '../src/index.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const T = Date.UTC(2026, 11, 1) / 1000;

describe('device catalog', () => {
  it('lists every device the issue names, each with a datasheet URL and date, dense and sparse kept apart', () => {
    const ids = loadDevices().map((d) => d.id);
    for (const id of ['a100-40gb', 'a100-80gb', 'h100-sxm', 'h100-pcie', 'h200', 'b200', 'l4', 'l40s', 'a10g', 'gaudi2', 'gaudi3', 'mi250x', 'mi300x', 'mi325x', 'cpu']) expect(ids).toContain(id);
    for (const d of loadDevices()) {
      expect(d.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (d.kind !== 'cpu') expect(d.sourceUrl).toMatch(/^https:\/\//);
      for (const p of PRECISIONS) if (p !== 'fp32' && d.densePeakFlops[p] !== null && d.sparsePeakFlops[p] !== null) expect(d.sparsePeakFlops[p]!).toBeGreaterThan(d.densePeakFlops[p]!);
      // A figure left out is explained in the note.
      if (d.densePeakFlops.bf16 === null) expect(d.note).not.toBe('');
    }
  });

  it('resolves aliases and settles a family name by memory', () => {
    expect(matchDevice('H100')?.id).toBe('h100-sxm');
    expect(matchDevice('h100-80gb')?.id).toBe('h100-sxm');
    expect(matchDevice('Gaudi HL-225')?.id).toBe('gaudi2');
    expect(matchDevice('NVIDIA A100', 80 * 2 ** 30)?.id).toBe('a100-80gb');
    expect(matchDevice('A100', 40 * 2 ** 30)?.id).toBe('a100-40gb');
    expect(matchDevice('TPU-v5')).toBeUndefined();
  });
});

describe('python literals (GpuInfo)', () => {
  it('reads dicts, lists, tuples, strings, numbers and constants without evaluating', () => {
    expect(parsePythonLiteral("{'Gpus': [{'Name': 'A100', 'Count': 8.0, 'x': (1, 2), 'ok': True, 'n': None}], 'T': 1e3}")).toEqual({ Gpus: [{ Name: 'A100', Count: 8, x: [1, 2], ok: true, n: null }], T: 1000 });
    expect(() => parsePythonLiteral("__import__('os').system('x')")).toThrow(/unexpected/);
    expect(() => parsePythonLiteral("{'a': 1")).toThrow();
  });
});

describe('SkyPilot vms.csv import', () => {
  it('loads every good row, maps each region to its grid zone, reports the malformed row by line and keeps the others', () => {
    const r = parseOffers(fixture('aws-vms.csv'), { format: 'skypilot', provider: 'aws', retrievedAt: T });
    expect(r.rows).toBe(8);
    expect(r.offers.map((o) => `${o.instanceType}@${o.region}`)).toEqual(['p5.48xlarge@us-east-1', 'p4d.24xlarge@us-east-1', 'p4de.24xlarge@us-east-1', 'g6.xlarge@eu-north-1', 'g6e.xlarge@eu-north-1']);
    const p4 = r.offers.filter((o) => o.instanceType.startsWith('p4'));
    expect(p4.map((o) => o.deviceId)).toEqual(['a100-40gb', 'a100-80gb']); // told apart by GpuInfo memory
    expect(r.offers[0]).toMatchObject({ deviceId: 'h100-sxm', deviceCount: 8, onDemandUsdPerH: 98.32, spotUsdPerH: 35.1, availabilityZone: 'us-east-1a', gridZone: 'US-MIDA-PJM', retrievedAt: T });
    expect(r.offers[1]!.spotUsdPerH).toBeNull();
    expect(r.offers.find((o) => o.region === 'eu-north-1')!.gridZone).toBe('SE-SE3');
    const errors = r.issues.filter((i) => i.kind === 'error');
    expect(errors).toEqual([{ line: 6, kind: 'error', message: 'Price must be a non-negative number, got "not-a-price"' }]);
    expect(r.issues.filter((i) => i.kind === 'skipped').map((i) => i.line)).toEqual([7, 8]); // no accelerator; T4 not in the catalog
  });

  it('reads a file whose columns are in another order, with GpuInfo as a bare string', () => {
    const r = parseOffers(fixture('lambda-vms.csv'), { format: 'skypilot', provider: 'lambda', retrievedAt: T });
    expect(r.offers).toHaveLength(2);
    expect(r.offers[0]).toMatchObject({ deviceId: 'h100-sxm', deviceCount: 8, onDemandUsdPerH: 23.92, spotUsdPerH: null, gridZone: null });
    expect(r.offers[1]!.deviceId).toBe('a10g');
  });

  it('needs the cloud, and a header of the format', () => {
    expect(thrown(() => parseOffers(fixture('aws-vms.csv'), { format: 'skypilot', retrievedAt: T })).field).toBe('provider');
    expect(thrown(() => parseOffers('a,b\n1,2', { format: 'skypilot', provider: 'aws', retrievedAt: T })).message).toMatch(/lacks column\(s\) InstanceType/);
  });
});

describe('gpuhunt CSV import', () => {
  it('merges on-demand and spot rows into one offer, maps zone-like locations to regions, reports a bad row by line', () => {
    const r = parseOffers(fixture('gpuhunt-gcp.csv'), { format: 'gpuhunt', provider: 'gcp', retrievedAt: T });
    expect(r.offers).toHaveLength(2);
    expect(r.offers[0]).toMatchObject({ instanceType: 'a3-highgpu-8g', region: 'us-central1', availabilityZone: 'us-central1-a', onDemandUsdPerH: 88.25, spotUsdPerH: 29.9, gridZone: 'US-MIDW-MISO', deviceId: 'h100-sxm' });
    expect(r.offers[1]).toMatchObject({ deviceId: 'a100-40gb', onDemandUsdPerH: 3.67, spotUsdPerH: null, gridZone: 'NL' });
    expect(r.issues).toEqual([
      { line: 5, kind: 'error', message: 'spot must be true or false, got "maybe"' },
      { line: 6, kind: 'skipped', message: 'n1-standard-4: no accelerator' },
    ]);
  });
});

describe('the illustrative sample', () => {
  it('is marked illustrative and draws a warning; old prices draw the 30-day warning', () => {
    const s = sampleOffers();
    expect(s.length).toBeGreaterThan(5);
    expect(s.every((o) => o.illustrative)).toBe(true);
    expect(stalePriceWarning(s, T)).toMatch(/illustrative/);
    const old = parseOffers(fixture('aws-vms.csv'), { format: 'skypilot', provider: 'aws', retrievedAt: T }).offers;
    expect(stalePriceWarning(old, T + 10 * 86400)).toBeUndefined();
    expect(stalePriceWarning(old, T + 31 * 86400)).toMatch(/older than 30 days \(oldest 31 days\)/);
  });
});
