import { Counter, Gauge, Registry } from 'prom-client';

/**
 * Health series of a JobScheduler, for `verdant serve`'s /metrics (docs/api.md): when its last pass
 * succeeded, how often passes fail, and how many jobs it holds. A scheduler that stops passing (a store that
 * hangs, a loop that died) shows as a last-pass timestamp that stops moving while the process still answers.
 */
export interface SchedulerMetrics {
  readonly registry: Registry;
  readonly lastPass: Gauge;
  readonly lastPassDuration: Gauge;
  readonly interval: Gauge;
  readonly passes: Counter<'outcome'>;
  readonly jobsHeld: Gauge;
}

export function createSchedulerMetrics(registry: Registry = new Registry()): SchedulerMetrics {
  const registers = [registry];
  return {
    registry,
    lastPass: new Gauge({
      name: 'verdant_scheduler_last_pass_timestamp_seconds',
      help: 'When the job scheduler last finished a pass without error (epoch s); its start time until the first pass ends.',
      registers,
    }),
    lastPassDuration: new Gauge({ name: 'verdant_scheduler_last_pass_duration_seconds', help: 'How long the latest finished pass took, with or without error (s).', registers }),
    interval: new Gauge({ name: 'verdant_scheduler_interval_seconds', help: 'Seconds between the job scheduler\'s passes (its tick).', registers }),
    passes: new Counter({ name: 'verdant_scheduler_passes_total', help: 'Job scheduler passes finished, by outcome (ok or error).', labelNames: ['outcome'], registers }),
    jobsHeld: new Gauge({ name: 'verdant_scheduler_jobs_held', help: 'Jobs this scheduler holds now (running, checkpointed or being settled).', registers }),
  };
}
