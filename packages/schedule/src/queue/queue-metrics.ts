import { Gauge, Registry } from 'prom-client';
import { nowS, type Store } from '@verdant/core';
import { JobQueue } from './job-queue.js';
import { ACTIVE_STATES, WAITING_STATES } from './record.js';

/**
 * The job queue's series for a scrape (docs/api.md): unfinished jobs by state and executor, and those held by
 * a scheduler that stopped renewing its lease. Every unfinished state has a series (0 when empty) for each
 * executor that has unfinished jobs (and `local` always), so a panel or rule sees a state empty out rather than vanish.
 */
export async function collectQueueMetrics(store: Store, options: { now?: number } = {}, registry = new Registry()): Promise<Registry> {
  const registers = [registry];
  const jobs = new Gauge({ name: 'verdant_jobs', help: 'Jobs in the queue not yet ended, by state (queued, scheduled, running, paused) and executor.', labelNames: ['state', 'executor'], registers });
  const expired = new Gauge({
    name: 'verdant_jobs_lease_expired',
    help: 'Running or paused jobs whose scheduler stopped renewing its lease (it died or hangs), by executor.',
    labelNames: ['executor'],
    registers,
  });
  const rows = await JobQueue.of(store).openCounts(options.now ?? nowS());
  for (const executor of new Set(['local', ...rows.map((r) => r.executor)])) {
    for (const state of [...WAITING_STATES, ...ACTIVE_STATES]) jobs.set({ state, executor }, 0);
    expired.set({ executor }, 0);
  }
  for (const r of rows) {
    jobs.set({ state: r.state, executor: r.executor }, r.jobs);
    expired.inc({ executor: r.executor }, r.leaseExpired);
  }
  return registry;
}
