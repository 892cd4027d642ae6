import { Store, type IntensityPoint } from '@verdant/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Registry } from 'prom-client';
import type { IntensityProvider } from '../../src/provider.js';
import { StaticProvider } from '../../src/static/static-provider.js';
import { FallbackChain, createGridMetrics } from '../../src/providers/index.js';

const NOW = 1_740_830_400; // 2025-03-01T12:00:00Z

/** A live provider that answers 250 g/kWh, or fails while `failing`. */
function live(state: { failing: boolean }): IntensityProvider {
  const point = (t: number): IntensityPoint => ({ zone: 'DE', t, resolutionS: 3600, gPerKwh: 250, signal: 'average', source: 'fake' });
  const check = () => {
    if (state.failing) throw new Error('HTTP 503');
  };
  return {
    name: 'fake',
    zones: async () => [],
    current: async () => (check(), point(NOW - 600)),
    history: async (_z, from) => (check(), [point(from)]),
  };
}

async function samples(registry: Registry): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of await registry.getMetricsAsJSON()) {
    for (const v of m.values) out.set(`${m.name}{${Object.entries(v.labels).map(([k, x]) => `${k}=${String(x)}`).sort().join(',')}}`, v.value);
  }
  return out;
}

describe('createGridMetrics', () => {
  let store: Store;
  beforeEach(async () => (store = await Store.open({ url: 'sqlite::memory:' })));
  afterEach(() => store.close());

  it('records which link answered each zone and query, how many live providers failed first, when, and how old the data is', async () => {
    const state = { failing: false };
    let clock = NOW;
    const metrics = createGridMetrics(undefined, () => clock);
    const chain = new FallbackChain({ live: [live(state)], store, model: null, static: new StaticProvider({ clock: () => clock }), now: () => clock, observer: metrics.observer });

    await chain.currentAnswer('DE');
    let m = await samples(metrics.registry);
    expect(m.get('verdant_grid_answer_link{query=current,zone=DE}')).toBe(0);
    expect(m.get('verdant_grid_answer_live_providers_failed{query=current,zone=DE}')).toBe(0);
    expect(m.get('verdant_grid_answer_age_seconds{query=current,zone=DE}')).toBe(0);
    expect(m.get('verdant_grid_answer_timestamp_seconds{query=current,zone=DE}')).toBe(NOW);

    state.failing = true;
    clock = NOW + 120;
    await chain.currentAnswer('DE'); // the cache answers with the live value fetched 120 s ago
    m = await samples(metrics.registry);
    expect(m.get('verdant_grid_answer_link{query=current,zone=DE}')).toBe(1);
    expect(m.get('verdant_grid_answer_live_providers_failed{query=current,zone=DE}')).toBe(1);
    expect(m.get('verdant_grid_answer_age_seconds{query=current,zone=DE}')).toBe(120);

    clock = NOW + 86400; // the cache is too old now: static averages answer
    await chain.currentAnswer('DE');
    m = await samples(metrics.registry);
    expect(m.get('verdant_grid_answer_link{query=current,zone=DE}')).toBe(3);
    expect(m.get('verdant_grid_answer_live_providers_failed{query=current,zone=DE}')).toBe(1);
    expect(m.has('verdant_grid_answer_age_seconds{query=current,zone=DE}')).toBe(false); // static data has no age
    expect(m.get('verdant_grid_answer_timestamp_seconds{query=current,zone=DE}')).toBe(NOW + 86400);
    expect(m.get('verdant_grid_answers_total{link=live,query=current,zone=DE}')).toBe(1);
    expect(m.get('verdant_grid_answers_total{link=cache,query=current,zone=DE}')).toBe(1);
    expect(m.get('verdant_grid_answers_total{link=static,query=current,zone=DE}')).toBe(1);
  });

  it('counts queries every link failed, and never lets a failing observer cost an answer', async () => {
    const metrics = createGridMetrics(undefined, () => NOW);
    const bare = new FallbackChain({ live: [live({ failing: true })], model: null, now: () => NOW, observer: metrics.observer });
    await expect(bare.currentAnswer('DE')).rejects.toMatchObject({ field: 'zone' });
    expect((await samples(metrics.registry)).get('verdant_grid_failures_total{query=current,zone=DE}')).toBe(1);

    const throwing = new FallbackChain({
      live: [live({ failing: false })],
      model: null,
      now: () => NOW,
      observer: { answered: () => { throw new Error('observer bug'); }, failed: () => undefined },
    });
    expect((await throwing.currentAnswer('DE')).link).toBe('live');
  });
});
