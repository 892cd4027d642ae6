import { Counter, Gauge, Registry } from 'prom-client';
import { nowS } from '@verdant/core';
import type { ChainLink, ChainObserver } from './fallback.js';

/** Gauge values for the link that answered (Prometheus has no enums; 0 is the best link). */
export const CHAIN_LINK_VALUE: Record<ChainLink, number> = { live: 0, cache: 1, model: 2, static: 3 };

/**
 * Series of a FallbackChain's answers, by zone and query (current, history, forecast), for `verdant serve`'s
 * /metrics (docs/api.md): which link answered last (live, cache, model or static), how many live providers
 * were tried first, when, and how old its data was. Pass `observer` as the chain's `observer` option.
 */
export interface GridMetrics {
  readonly registry: Registry;
  readonly observer: ChainObserver;
  readonly answers: Counter<'zone' | 'query' | 'link'>;
  readonly failures: Counter<'zone' | 'query'>;
  readonly link: Gauge<'zone' | 'query'>;
  readonly liveFailed: Gauge<'zone' | 'query'>;
  readonly answeredAt: Gauge<'zone' | 'query'>;
  readonly age: Gauge<'zone' | 'query'>;
}

export function createGridMetrics(registry: Registry = new Registry(), now: () => number = nowS): GridMetrics {
  const registers = [registry];
  const labelNames = ['zone', 'query'] as const;
  const answers = new Counter({ name: 'verdant_grid_answers_total', help: 'Intensity answers of the fallback chain, by zone, query and the link that answered.', labelNames: ['zone', 'query', 'link'], registers });
  const failures = new Counter({ name: 'verdant_grid_failures_total', help: 'Intensity queries that every link of the chain failed, by zone and query.', labelNames, registers });
  const link = new Gauge({ name: 'verdant_grid_answer_link', help: 'Link that gave the latest answer: 0 live, 1 cache, 2 model, 3 static.', labelNames, registers });
  const liveFailed = new Gauge({
    name: 'verdant_grid_answer_live_providers_failed',
    help: 'Live providers that failed before the latest answer (0 when live answered or none serves the zone).',
    labelNames,
    registers,
  });
  const answeredAt = new Gauge({ name: 'verdant_grid_answer_timestamp_seconds', help: 'When the latest answer was given (epoch s).', labelNames, registers });
  const age = new Gauge({ name: 'verdant_grid_answer_age_seconds', help: 'Age of the latest answer\'s data (s); no series while static averages answer.', labelNames, registers });
  const observer: ChainObserver = {
    answered(a) {
      const labels = { zone: a.zone, query: a.query };
      answers.inc({ ...labels, link: a.link });
      link.set(labels, CHAIN_LINK_VALUE[a.link]);
      liveFailed.set(labels, a.failures.filter((f) => f.link === 'live').length);
      answeredAt.set(labels, now());
      if (a.ageS === null) age.remove(labels);
      else age.set(labels, a.ageS);
    },
    failed(f) {
      failures.inc({ zone: f.zone, query: f.query });
    },
  };
  return { registry, observer, answers, failures, link, liveFailed, answeredAt, age };
}
