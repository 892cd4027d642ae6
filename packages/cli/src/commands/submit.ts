import { basename } from 'node:path';
import type { Command } from 'commander';
import { invalidInput, isVerdantError, nowS, parseDuration, parseTime, toIso, VerdantError, type Store } from '@verdant/core';
import type { JobPlanSummary, JobRecord } from '@verdant/schedule';
import { action, printJson, withStore } from '../shared.js';

interface SubmitOptions {
  name?: string;
  duration?: string;
  deadline?: string;
  earliest?: string;
  interruptible?: boolean;
  checkpointSignal?: string;
  region?: string;
  executor: string;
  pauseAbove?: string;
  resumeBelow?: string;
  power?: string;
  partition?: string;
  output?: string;
  json?: boolean;
}

/** The library names request fields; the user typed flags. */
const FIELD_TO_FLAG: Record<string, string> = {
  name: '--name',
  argv: '<command>',
  durationS: '--duration',
  earliestStart: '--earliest',
  deadline: '--deadline',
  interruptible: '--interruptible',
  checkpointSignal: '--checkpoint-signal',
  pauseAboveG: '--pause-above',
  resumeBelowG: '--resume-below',
  zone: '--region',
  executor: '--executor',
  powerW: '--power',
  outputPath: '--output',
  partition: '--partition',
};

export function register(program: Command): void {
  program
    .command('submit')
    .description('Plan a job for the cleanest window and queue it (local scheduler in `verdant serve`, or Slurm)')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('--name <name>', 'a label for the job (default: the command name)')
    .option('--duration <duration>', 'expected running time, e.g. 45m or 2h (required)')
    .option('--deadline <time>', 'latest finish: a time (ISO 8601, epoch s) or a duration after the earliest start (e.g. 12h)')
    .option('--earliest <time>', 'earliest start (ISO 8601 or epoch seconds); default now')
    .option('--interruptible', 'the job may be paused by the carbon policy (SIGSTOP, or its --checkpoint-signal)')
    .option('--checkpoint-signal <signal>', 'interruptible: signal that makes the job save its state and exit (e.g. SIGUSR1); it is restarted to resume')
    .option('--region <zone>', 'grid zone, country code or cloud region (default VERDANT_REGION)')
    .option('--executor <name>', 'local or slurm', 'local')
    .option('--pause-above <g>', 'interruptible: pause when intensity rises above this many gCO2e/kWh')
    .option('--resume-below <g>', 'interruptible: resume when intensity falls below this (less than --pause-above)')
    .option('--power <W>', 'average power, e.g. 300 or 1.2kW, for the emission estimates')
    .option('--partition <name>', 'Slurm partition')
    .option('--output <file>', "the job's stdout/stderr file (default <cwd>/verdant-<job id>.out)")
    .option('--json', 'print JSON')
    .passThroughOptions()
    .action(
      action(async (argv: string[], o: SubmitOptions) => {
        await withStore(async (store) => {
          const { job, plan } = await submitFromOptions(store, argv, o);
          if (o.json) {
            const { jobToJson } = await import('@verdant/schedule');
            return printJson(jobToJson(job));
          }
          process.stdout.write(renderSubmitted(job, plan));
        });
      }),
    );
}

async function submitFromOptions(store: Store, argv: string[], o: SubmitOptions): Promise<{ job: JobRecord; plan: JobPlanSummary }> {
  if (argv.length === 0) throw invalidInput('<command>', 'no command given', 'put the command after --, e.g. verdant submit --duration 2h -- python train.py');
  if (o.duration === undefined) throw invalidInput('--duration', 'is required: the planner needs the running time', 'pass e.g. --duration 2h');
  if (o.executor !== 'local' && o.executor !== 'slurm') throw invalidInput('--executor', `must be local or slurm, got "${o.executor}"`);
  const now = nowS();
  const durationS = parseDuration(o.duration, '--duration');
  const earliestStart = o.earliest === undefined ? now : parseTime(o.earliest, '--earliest');
  const [grid, schedule] = await Promise.all([import('@verdant/grid'), import('@verdant/schedule')]);
  const regionInput = o.region ?? process.env.VERDANT_REGION?.trim();
  if (!regionInput) throw invalidInput('--region', 'no region given', 'pass --region (a zone such as DE, or a cloud region such as aws:eu-west-1) or set VERDANT_REGION');
  const zone = grid.resolveLocation(regionInput, o.region ? '--region' : 'VERDANT_REGION');
  const input = {
    name: o.name ?? basename(argv[0]!),
    argv,
    cwd: process.cwd(),
    zone,
    executor: o.executor,
    durationS,
    earliestStart,
    ...(o.deadline !== undefined ? { deadline: parseDeadline(o.deadline, earliestStart) } : {}),
    interruptible: Boolean(o.interruptible),
    ...(o.checkpointSignal !== undefined ? { checkpointSignal: o.checkpointSignal } : {}),
    ...(o.pauseAbove !== undefined ? { pauseAboveG: intensity('--pause-above', o.pauseAbove) } : {}),
    ...(o.resumeBelow !== undefined ? { resumeBelowG: intensity('--resume-below', o.resumeBelow) } : {}),
    ...(o.power !== undefined ? { powerW: parsePower(o.power) } : {}),
    ...(o.partition !== undefined ? { partition: o.partition } : {}),
    ...(o.output !== undefined ? { outputPath: o.output } : {}),
  };
  const source = schedule.providerSource(grid.providerFromEnv(process.env, store));
  try {
    return await schedule.submitJob(store, input, { source, now });
  } catch (e) {
    if (isVerdantError(e) && e.field && FIELD_TO_FLAG[e.field]) {
      throw new VerdantError(e.message, { field: FIELD_TO_FLAG[e.field]!, ...(e.fix ? { fix: e.fix } : {}), exitCode: e.exitCode, cause: e });
    }
    throw e;
  }
}

/** A time, or a duration counted from the earliest start. */
function parseDeadline(v: string, earliest: number): number {
  if (/^\s*\d+(\.\d+)?\s*(ms|s|sec|m|min|h|d|w)\s*$/i.test(v)) return earliest + parseDuration(v, '--deadline');
  return parseTime(v, '--deadline');
}

function intensity(flag: string, v: string): number {
  const n = Number(v.replace(/\s*g(co2e?)?(\/kwh)?$/i, ''));
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw invalidInput(flag, `must be an intensity in gCO2e/kWh, got "${v}"`, 'write a number such as 300');
  return n;
}

function parsePower(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(w|kw|mw)?\s*$/i.exec(v);
  if (!m) throw invalidInput('--power', `cannot read "${v}" as a power`, 'write watts, e.g. 300 or 300W or 1.2kW');
  return Number(m[1]) * { w: 1, kw: 1e3, mw: 1e6 }[(m[2] ?? 'w').toLowerCase() as 'w' | 'kw' | 'mw'];
}

function renderSubmitted(job: JobRecord, plan: JobPlanSummary): string {
  const where = job.executor === 'slurm' ? `Slurm job ${job.externalId}` : 'queued for the local scheduler (`verdant serve` runs it)';
  const lines = [
    `job        ${job.id}  (${job.name})  ${where}`,
    `planned    start ${toIso(plan.plannedStart)}  end ${toIso(plan.plannedEnd)}  (${plan.zone}, ${plan.source})`,
  ];
  if (plan.meanIntensityG !== undefined && plan.baselineIntensityG !== undefined) {
    lines.push(`intensity  ${plan.meanIntensityG.toFixed(1)} g/kWh planned vs ${plan.baselineIntensityG.toFixed(1)} g/kWh starting at the earliest start`);
  }
  if (plan.emissionsG !== undefined && plan.baselineEmissionsG !== undefined) {
    const saving = plan.savingG ?? plan.baselineEmissionsG - plan.emissionsG;
    lines.push(`expected   ${plan.emissionsG.toFixed(1)} gCO2e; starting now ${plan.baselineEmissionsG.toFixed(1)} g; saving ${saving.toFixed(1)} g (${((plan.savingFraction ?? 0) * 100).toFixed(0)}%)`);
  } else if (plan.savingFraction !== undefined) {
    lines.push(`saving     ${(plan.savingFraction * 100).toFixed(0)}% vs starting now (pass --power for grams)`);
  }
  if (plan.note) lines.push(`note       ${plan.note}`);
  return `${lines.join('\n')}\n`;
}
