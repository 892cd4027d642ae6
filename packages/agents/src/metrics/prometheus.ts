import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState, CallOutcome, ToolCallObserver } from './observer.js';

/** Gauge values for the breaker state (Prometheus has no enums; 0 is the healthy state). */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Tool latencies span cached lookups (ms) to slow web calls (tens of seconds). */
const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface AgentMetrics {
  /** The registry holding the series; `verdant serve` merges it into /metrics. */
  readonly registry: Registry;
  /** Pass as `observer` to runAgent, runPlan or `new ToolExecutor(tools, { observer })`. */
  readonly observer: ToolCallObserver;
  readonly callDuration: Histogram<'tool' | 'outcome'>;
  readonly callsTotal: Counter<'tool' | 'outcome'>;
  readonly errorsTotal: Counter<'tool' | 'kind'>;
  readonly rateLimitWaitsTotal: Counter<'tool'>;
  readonly rateLimitWaitSeconds: Counter<'tool'>;
  readonly breakerState: Gauge<'tool'>;
  readonly inFlight: Gauge<'tool'>;
}

/**
 * Prometheus series for tool calls, registered on `registry` (default: a fresh one, so two orchestrators in
 * one process never collide on the global registry).
 */
export function createAgentMetrics(registry: Registry = new Registry()): AgentMetrics {
  const registers = [registry];
  const byTool = { labelNames: ['tool'] as const, registers };
  const byOutcome = { labelNames: ['tool', 'outcome'] as const, registers };
  const callDuration = new Histogram({
    name: 'verdant_agent_tool_call_duration_seconds',
    help: 'Tool call latency from first start to settle, including retries.',
    buckets: LATENCY_BUCKETS_S,
    ...byOutcome,
  });
  const callsTotal = new Counter({
    name: 'verdant_agent_tool_calls_total',
    help: 'Tool calls settled, by outcome (ok or the error kind).',
    ...byOutcome,
  });
  const errorsTotal = new Counter({
    name: 'verdant_agent_tool_errors_total',
    help: 'Tool calls that ended in an error, by kind.',
    labelNames: ['tool', 'kind'] as const,
    registers,
  });
  const rateLimitWaitsTotal = new Counter({
    name: 'verdant_agent_tool_rate_limit_waits_total',
    help: 'Calls that had to wait for a rate-limit slot.',
    ...byTool,
  });
  const rateLimitWaitSeconds = new Counter({
    name: 'verdant_agent_tool_rate_limit_wait_seconds_total',
    help: 'Total time calls spent waiting for rate-limit slots.',
    ...byTool,
  });
  const breakerState = new Gauge({
    name: 'verdant_agent_tool_circuit_breaker_state',
    help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
    ...byTool,
  });
  const inFlight = new Gauge({
    name: 'verdant_agent_tool_calls_in_flight',
    help: 'Tool calls currently running.',
    ...byTool,
  });

  const observer: ToolCallObserver = {
    callStarted(tool) {
      inFlight.inc({ tool });
    },
    callFinished(tool, outcome: CallOutcome, seconds, started) {
      if (started) {
        inFlight.dec({ tool });
        callDuration.observe({ tool, outcome }, seconds);
      }
      callsTotal.inc({ tool, outcome });
      if (outcome !== 'ok') errorsTotal.inc({ tool, kind: outcome });
    },
    rateLimitWaited(tool, seconds) {
      rateLimitWaitsTotal.inc({ tool });
      rateLimitWaitSeconds.inc({ tool }, seconds);
    },
    breakerStateChanged(tool, state) {
      breakerState.set({ tool }, BREAKER_STATE_VALUE[state]);
    },
  };

  return { registry, observer, callDuration, callsTotal, errorsTotal, rateLimitWaitsTotal, rateLimitWaitSeconds, breakerState, inFlight };
}
