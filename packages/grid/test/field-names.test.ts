import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { IntensityPoint } from '@verdant/core';
import { rejection } from '@verdant/core/testing';
import {
  TraceProvider,
  loadTrace,
  lookupCloudRegion,
  parseTrace,
  resolveIntensity,
  resolveZone,
  shippedTracePath,
  staticLookup,
  traceProviderFromSpecs,
  forecast,
} from '../src/index.js';

// The grid library names its own fields (its parameters and options); only the CLI and HTTP faces turn
// them into flags or body fields.

const fieldOf = async (fn: () => unknown): Promise<string | undefined> => (await rejection(fn)).field;

const H = 3600;
const T0 = Date.UTC(2024, 0, 1) / 1000;
const csv = ['time,gco2_per_kwh', ...Array.from({ length: 24 }, (_, i) => `${new Date((T0 + i * H) * 1000).toISOString()},${100 + i}`)].join('\n');

describe('grid errors name library fields, never CLI flags', () => {
  it('zones and cloud regions: zone', async () => {
    expect(await fieldOf(() => resolveZone('ATLANTIS'))).toBe('zone');
    expect(await fieldOf(() => resolveZone(' '))).toBe('zone');
    expect(await fieldOf(() => lookupCloudRegion('aws:nowhere-1'))).toBe('zone');
    expect(await fieldOf(() => staticLookup('ATLANTIS'))).toBe('zone');
    // A caller may still name its own field.
    expect(await fieldOf(() => resolveZone('ATLANTIS', 'regions.0'))).toBe('regions.0');
  });

  it('resolveIntensity: zone and traceFile, as its options are called; VERDANT_REGION when that is what is wrong', async () => {
    expect(await fieldOf(() => resolveIntensity({ zone: 'ATLANTIS', env: {} }))).toBe('zone');
    expect(await fieldOf(() => resolveIntensity({ traceFile: path.join('no', 'such', 'trace.csv'), env: {} }))).toBe('traceFile');
    expect(await fieldOf(() => resolveIntensity({ env: { VERDANT_REGION: 'ATLANTIS' } }))).toBe('VERDANT_REGION');
  });

  it('traces: trace by default, traces for a set, zone for a zone the traces lack, clock for a now outside them', async () => {
    expect(await fieldOf(() => loadTrace(path.join('no', 'such', 'trace.csv')))).toBe('trace');
    expect(await fieldOf(() => parseTrace('time,gco2_per_kwh\nyesterday,1\n', { name: 'bad.csv' }))).toBe('trace');
    expect(await fieldOf(() => new TraceProvider([]))).toBe('traces');
    const trace = parseTrace(csv, { name: 'test.csv', zone: 'TEST' });
    expect(await fieldOf(() => new TraceProvider([trace, trace]))).toBe('traces');
    const provider = new TraceProvider([trace], { clock: () => T0 + 48 * H });
    expect(await fieldOf(() => provider.history('DE', T0, T0 + H))).toBe('zone');
    expect(await fieldOf(() => provider.current('TEST'))).toBe('clock');
  });

  it('shipped traces: year when the zone has other years, else zone; specs: traces, or the field the caller names', async () => {
    expect(await fieldOf(() => shippedTracePath('ES', 1999))).toBe('year');
    expect(await fieldOf(() => shippedTracePath('ATLANTIS', 2023))).toBe('zone');
    expect(await fieldOf(() => traceProviderFromSpecs(['ES:1999']))).toBe('traces');
    expect(await fieldOf(() => traceProviderFromSpecs(['ES:1999'], { field: 'trace_specs' }))).toBe('trace_specs');
    // Overlapping traces are found by the provider; they too are reported under the caller's field.
    expect(await fieldOf(() => traceProviderFromSpecs(['ES:2023', 'ES:2023'], { field: 'trace_specs' }))).toBe('trace_specs');
    expect(await fieldOf(() => traceProviderFromSpecs(['ES:2023', 'ES:2023']))).toBe('traces');
  });

  it('the seasonal model: horizonS', async () => {
    const history: IntensityPoint[] = Array.from({ length: 72 }, (_, i) => ({ zone: 'TEST', t: T0 + i * H, resolutionS: H, gPerKwh: 100, signal: 'average', source: 'test' }));
    expect(await fieldOf(() => forecast(history, 0))).toBe('horizonS');
  });

  it('no string in the grid sources starts with a CLI flag', () => {
    const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir).flatMap((name) => {
        const p = path.join(dir, name);
        return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
      });
    })(src);
    expect(files.length).toBeGreaterThan(20);
    const flags = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (/['"`]--[a-z]/.test(line) ? [`${path.relative(src, f)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(flags).toEqual([]);
  });
});
