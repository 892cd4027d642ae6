import { describe, expect, it } from 'vitest';
import { isVerdantError, type IntensityPoint } from '@verdant/core';
import { evaluateForecasts, forecast, loadTrace, persistenceForecast, seasonalNaiveForecast, shippedTracePath } from '../src/index.js';

const H = 3600;
const T0 = Date.UTC(2024, 0, 1) / 1000;

/** Deterministic noise so the synthetic grid is reproducible. */
function noise(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 1664525 + 1013904223) % 4294967296;
    return a / 4294967296 - 0.5;
  };
}

/** A grid with a solar dip at midday, cleaner weekends and a drifting level. */
function synthetic(days: number, seed = 1): IntensityPoint[] {
  const rand = noise(seed);
  return Array.from({ length: days * 24 }, (_, i) => {
    const hour = i % 24;
    const weekend = Math.floor(i / 24) % 7 >= 5;
    const value = 300 - 120 * Math.max(0, Math.sin(((hour - 6) * Math.PI) / 12)) - (weekend ? 40 : 0) + 20 * Math.sin(i / 200) + 15 * rand();
    return { zone: 'SYN', t: T0 + i * H, resolutionS: H, gPerKwh: value, signal: 'average' as const, source: 'test' };
  });
}

const mape = (fc: IntensityPoint[], actual: IntensityPoint[]): number =>
  (fc.reduce((a, p, i) => a + Math.abs(p.gPerKwh - actual[i]!.gPerKwh) / actual[i]!.gPerKwh, 0) / fc.length) * 100;

describe('seasonal forecast', () => {
  it('returns stamped points on the history grid', () => {
    const hist = synthetic(30);
    const fc = forecast(hist, 36 * H);
    expect(fc).toHaveLength(36);
    const end = hist[hist.length - 1]!.t + H;
    fc.forEach((p, i) => {
      expect(p.t).toBe(end + i * H);
      expect(p).toMatchObject({ zone: 'SYN', resolutionS: H, signal: 'average', source: 'model:seasonal', generatedAt: end });
      expect(Number.isFinite(p.gPerKwh) && p.gPerKwh >= 0).toBe(true);
    });
    expect(forecast(hist, 2 * H, { generatedAt: 123 })[0]!.generatedAt).toBe(123);
  });

  it('learns daily and weekly shape and beats persistence and seasonal naive on a seasonal grid', () => {
    const all = synthetic(70, 5);
    let model = 0;
    let persist = 0;
    let naive = 0;
    for (let day = 42; day < 66; day += 3) {
      const hist = all.slice(0, day * 24);
      const actual = all.slice(day * 24, day * 24 + 72);
      model += mape(forecast(hist, 72 * H), actual);
      persist += mape(persistenceForecast(hist, 72 * H), actual);
      naive += mape(seasonalNaiveForecast(hist, 72 * H), actual);
    }
    expect(model).toBeLessThan(persist * 0.6);
    expect(model).toBeLessThan(naive);
  });

  it('bridges gaps in the history', () => {
    const hist = synthetic(21).filter((_, i) => i % 24 !== 3 && !(i > 300 && i < 320));
    const fc = forecast(hist, 48 * H);
    expect(fc.every((p) => Number.isFinite(p.gPerKwh))).toBe(true);
    expect(fc[0]!.t).toBe(hist[hist.length - 1]!.t + H);
  });

  it('rejects empty or short history, bad horizons and mixed resolutions', () => {
    const field = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        if (isVerdantError(e)) return e.field;
        throw e;
      }
      return 'no error';
    };
    expect(field(() => forecast([], 24 * H))).toBe('history');
    expect(field(() => forecast(synthetic(1).slice(0, 10), 24 * H))).toBe('history');
    expect(field(() => forecast(synthetic(3), 0))).toBe('horizonS');
    const mixed = synthetic(3);
    mixed[5] = { ...mixed[5]!, resolutionS: 1800 };
    expect(field(() => forecast(mixed, 24 * H))).toBe('history');
  });
});

describe('rolling-origin evaluation', () => {
  it('on a shipped trace, the seasonal model beats persistence at 24 h and 72 h', async () => {
    const { points } = await loadTrace(shippedTracePath('US-CAL-CISO', 2023));
    const scores = evaluateForecasts(points, { originStepS: 14 * 86400 });
    expect(scores.map((s) => s.horizonS)).toEqual([86400, 3 * 86400]);
    for (const s of scores) {
      expect(s.origins).toBeGreaterThan(20);
      expect(s.mape.seasonal!).toBeLessThan(s.mape.persistence!);
      expect(s.mape.seasonal!).toBeGreaterThan(0);
    }
  });
});
