import { describe, expect, it } from 'vitest';
import type { SampleRow } from '@verdant/core';
import { renderRunReport } from '../src/outputs/report-html.js';
import type { RunSummary } from '../src/outputs/summary.js';

const START = Date.parse('2026-03-10T09:00:11.800Z') / 1000;

function run(durationS: number, intervalS: number, meta: Record<string, unknown> = {}): { summary: RunSummary; samples: SampleRow[] } {
  const samples: SampleRow[] = [];
  for (let i = 1; i * intervalS <= durationS + 1e-9; i++) {
    samples.push({ run_id: 'r1', sensor_id: 'gpu:0', t: START + i * intervalS, dt: intervalS, energy_j: 250 * intervalS, power_w: 250, intensity_g_per_kwh: 120, emissions_g: 0 });
  }
  const summary: RunSummary = {
    run_id: 'r1', name: 'train', status: 'succeeded', exit_code: 0, command: ['./train.sh'], cwd: '/tmp',
    started_at: new Date(START * 1000).toISOString(), ended_at: new Date((START + durationS) * 1000).toISOString(), duration_s: durationS,
    energy_j: 250 * durationS, energy_kwh: (250 * durationS) / 3.6e6, emissions_g: 0, intensity_g_per_kwh: 120, zone: 'ES', intensity_source: 'test',
    pue: 1, interval_s: intervalS, host: 'h', pid: 1, child_pid: 2,
    sensors: [{ id: 'gpu:0', kind: 'gpu', method: 'fixture', energy_j: 250 * durationS, emissions_g: 0, estimate: false, description: '' }],
    meta,
  };
  return { summary, samples };
}

/** The text of every <text> element of the report's SVGs: tick labels, titles, legend entries. */
const labels = (html: string): string[] => [...html.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

describe('HTML report time axis', () => {
  it('labels a 4.6 s run in elapsed seconds, not ".800 .800 .800"', async () => {
    const { summary, samples } = run(4.6, 0.2);
    const text = labels(await renderRunReport(summary, samples));
    expect(text.filter((t) => t === 'elapsed (s)')).toHaveLength(2); // power and intensity charts
    expect(text.some((t) => /^\.\d+$/.test(t) || /^:\d\d$/.test(t))).toBe(false);
    const ticks = text.filter((t) => /^\d+(\.\d+)?$/.test(t)).map(Number);
    expect(ticks).toContain(0);
    expect(Math.max(...ticks.filter((x) => x < 10))).toBeGreaterThanOrEqual(4);
    expect(new Set(text.filter((t) => /^\d+(\.\d+)?$/.test(t))).size).toBeGreaterThan(4); // distinct, readable ticks
  });

  it('labels a 70 s run in seconds and a 3 h run in hours', async () => {
    const short = labels(await renderRunReport(...Object.values(run(70, 1)) as [RunSummary, SampleRow[]]));
    expect(short.some((t) => /^:\d\d$/.test(t))).toBe(false);
    expect(short).toContain('elapsed (s)');
    expect(short).toContain('60');
    const long = labels(await renderRunReport(...Object.values(run(3 * 3600, 60)) as [RunSummary, SampleRow[]]));
    expect(long).toContain('elapsed (h)');
    expect(long).toContain('1.0');
    expect(long).toContain('3.0');
    expect(long).not.toContain('10800');
  });

  it('shades and lists the periods the run was paused', async () => {
    const meta = { pauses: [{ from: START + 20, to: START + 35, reason: 'carbon: intensity 500 g/kWh' }, { from: START + 50, to: null, reason: 'energy budget exceeded' }] };
    const { summary, samples } = run(70, 1, meta);
    const html = await renderRunReport(summary, samples);
    expect(labels(html).filter((t) => t === 'paused').length).toBe(4); // two periods, two charts
    expect(html).toContain('<dt>Paused</dt>');
    expect(html).toContain('2 periods, 35.0 s in all');
    expect(html).toContain('20.0–35.0 s (carbon: intensity 500 g/kWh)');
    expect(html).toContain('50.0–70.0 s (energy budget exceeded)'); // still paused at the end: shaded to the end
    const unpaused = await renderRunReport(...Object.values(run(70, 1)) as [RunSummary, SampleRow[]]);
    expect(unpaused).not.toContain('<dt>Paused</dt>');
    expect(labels(unpaused)).not.toContain('paused');
  });
});
