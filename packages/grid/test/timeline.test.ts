import { describe, expect, it } from 'vitest';
import { TraceProvider, intensityTimeline, parseTrace } from '../src/index.js';

const start = Date.parse('2024-03-01T00:00:00Z') / 1000;
const trace = parseTrace(['time,gco2_per_kwh', ...Array.from({ length: 10 }, (_, i) => `${start + i * 3600},${100 + i}`)].join('\n'), { name: 'XX.csv', zone: 'XX' });

describe('intensityTimeline', () => {
  it('reports the span each part covers, not the span asked for', async () => {
    const now = start + 4 * 3600;
    const provider = new TraceProvider([trace], { clock: () => now });
    // Asked for 2 h before the trace starts to 10 h after it ends: both parts end where their points do.
    const r = await intensityTimeline(provider, 'XX', start - 2 * 3600, start + 20 * 3600, { now: () => now });
    expect(r.from).toBe(start - 2 * 3600);
    expect(r.to).toBe(start + 20 * 3600);
    const history = r.parts.find((p) => !p.forecast)!;
    const forecast = r.parts.find((p) => p.forecast)!;
    expect(history).toMatchObject({ from: start, to: now });
    expect(forecast.to).toBe(start + 10 * 3600);
    expect(forecast.from).toBe(now);
    const last = r.points.at(-1)!;
    expect(last.t + last.resolution_s).toBe(forecast.to);
  });
});
