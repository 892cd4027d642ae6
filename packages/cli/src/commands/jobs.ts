import type { Command } from 'commander';
import type { JobState } from '@verdant/core';
import type { JobRecord } from '@verdant/schedule';
import { action } from '../options/action.js';
import { printJson } from '../options/print.js';
import { withStore } from '../options/store.js';

const STATES: readonly JobState[] = ['queued', 'scheduled', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];

export function register(program: Command): void {
  const jobs = program.command('jobs').description('Queued and scheduled jobs: list, show, cancel');

  jobs
    .command('list', { isDefault: true })
    .description('List jobs, newest first')
    .option('--state <state>', `only jobs in this state (${STATES.join(', ')})`)
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { state?: string; limit: string; json?: boolean }) => {
        const [{ formatDuration, invalidInput, nowS, parseWholeNumber, toIso }, { JobQueue, jobToJson, ranSoFar }] = await Promise.all([import('@verdant/core'), import('@verdant/schedule')]);
        const limit = parseWholeNumber(o.limit, '--limit', 1);
        if (o.state !== undefined && !STATES.includes(o.state as JobState)) throw invalidInput('--state', `unknown state "${o.state}"`, `use one of ${STATES.join(', ')}`);
        await withStore(async (store) => {
          const rows = await JobQueue.of(store).list({ limit, ...(o.state ? { states: [o.state as JobState] } : {}) });
          const now = nowS();
          if (o.json) return printJson({ jobs: rows.map(jobToJson) });
          if (rows.length === 0) return void process.stdout.write('no jobs (submit one with `verdant submit`)\n');
          process.stdout.write(listTable(rows, (j) => formatDuration(ranSoFar(j, now)), toIso));
        });
      }),
    );

  jobs
    .command('show')
    .description('Show one job: spec, plan, state and its history')
    .argument('<job>', 'job id or unique prefix')
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, o: { json?: boolean }) => {
        const [{ formatDuration, nowS, toIso }, { JobQueue, jobToJson, ranSoFar }] = await Promise.all([import('@verdant/core'), import('@verdant/schedule')]);
        await withStore(async (store) => {
          const queue = JobQueue.of(store);
          const job = await queue.require(id, '<job>');
          const events = await queue.events(job.id);
          const now = nowS();
          if (o.json) return printJson({ ...jobToJson(job), events: events.map((e) => ({ at: toIso(e.t), state: e.state, message: e.message })) });
          const p = job.plan;
          const lines = [
            `job        ${job.id}  (${job.name})  ${job.executor}${job.externalId ? ` ${job.externalId}` : ''}`,
            `state      ${job.state}${job.exitCode !== null ? ` (exit ${job.exitCode})` : ''}  ${job.message}`,
            `command    ${job.spec.argv.join(' ')}`,
            `cwd        ${job.spec.cwd}`,
            `planned    ${toIso(p.plannedStart)} to ${toIso(p.plannedEnd)}  (${p.zone}, ${p.source})`,
            ...(p.emissionsG !== undefined ? [`expected   ${p.emissionsG.toFixed(1)} gCO2e (saving ${(p.savingG ?? 0).toFixed(1)} g)`] : []),
            ...(p.note ? [`note       ${p.note}`] : []),
            `window     earliest ${toIso(job.spec.earliestStart)}  deadline ${job.spec.deadline !== undefined ? toIso(job.spec.deadline) : 'none'}`,
            ...(job.spec.pauseAboveG !== undefined ? [`policy     pause above ${job.spec.pauseAboveG}, resume below ${job.spec.resumeBelowG} g/kWh${job.spec.checkpointSignal ? `, checkpoint ${job.spec.checkpointSignal}` : ''}`] : []),
            `ran        ${formatDuration(ranSoFar(job, now))} of ~${formatDuration(job.spec.durationS)}  attempts ${job.attempts}${job.runId ? `  run ${job.runId}` : ''}`,
            'history:',
            ...events.map((e) => `  ${toIso(e.t).slice(0, 19)}  ${e.state.padEnd(10)} ${e.message}`),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        });
      }),
    );

  jobs
    .command('cancel')
    .description('Cancel a job: a waiting one at once, a running one at the scheduler\'s next pass (Slurm: scancel)')
    .argument('<job>', 'job id or unique prefix')
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, o: { json?: boolean }) => {
        const { cancelJob, jobToJson } = await import('@verdant/schedule');
        await withStore(async (store) => {
          const now = await cancelJob(store, id, '<job>');
          if (o.json) return printJson(jobToJson(now));
          process.stdout.write(now.state === 'cancelled' ? `cancelled ${now.id}\n` : `cancel requested for ${now.id} (${now.state}); the scheduler stops it at its next pass\n`);
        });
      }),
    );
}

/** The human list: a header row, then one row per job (start: when it started, else when it is planned to). */
function listTable(rows: readonly JobRecord[], ran: (j: JobRecord) => string, toIso: (tS: number) => string): string {
  const idWidth = Math.max('job_id'.length, ...rows.map((j) => j.id.length));
  const line = (id: string, state: string, executor: string, start: string, ran: string, name: string): string =>
    `${id.padEnd(idWidth)}  ${state.padEnd(9)}  ${executor.padEnd(8)}  ${start.padEnd(27)}  ${ran.padStart(8)}  ${name}`;
  const out = [line('job_id', 'state', 'executor', 'start (UTC)', 'ran', 'name')];
  for (const j of rows) {
    const start = j.startedAt !== null ? `started ${toIso(j.startedAt).slice(0, 19)}` : `planned ${toIso(j.plannedStart).slice(0, 19)}`;
    out.push(line(j.id, j.state, j.executor, start, ran(j), `${j.name}${j.exitCode !== null ? `  (exit ${j.exitCode})` : ''}`));
  }
  return `${out.join('\n')}\n`;
}
