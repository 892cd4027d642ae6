import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import type { JobPlanSummary, JobRecord } from '@verdant/schedule';
import { action } from '../options/action.js';
import { printJson } from '../options/print.js';
import { withStore } from '../options/store.js';

type Core = typeof import('@verdant/core');
type Intensity = typeof import('../options/intensity.js');

interface SubmitOptions {
  name?: string;
  duration?: string;
  deadline?: string;
  earliest?: string;
  interruptible?: boolean;
  checkpointSignal?: string;
  region?: string;
  executor?: string;
  pauseAbove?: string;
  resumeBelow?: string;
  power?: string;
  partition?: string;
  accel?: string;
  output?: string;
  json?: boolean;
}

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
    .option('--executor <name>', 'where the job runs: the local scheduler in `verdant serve` (default) or another registered executor, e.g. slurm')
    .option('--pause-above <g>', 'interruptible: pause when intensity rises above this many gCO2e/kWh')
    .option('--resume-below <g>', 'interruptible: resume when intensity falls below this (less than --pause-above)')
    .option('--power <W>', 'average power, e.g. 300 or 1.2kW, for the emission estimates')
    .option('--partition <name>', 'Slurm partition')
    .option('--accel <type:count>', 'accelerators for the job, e.g. h100:8 (Slurm: --gres=gpu:h100:8; see verdant accel recommend)')
    .option('--output <file>', "the job's stdout/stderr file (default <cwd>/verdant-<job id>.out)")
    .option('--json', 'print JSON')
    .passThroughOptions()
    .action(
      action(async (argv: string[], o: SubmitOptions) => {
        const [core, grid, schedule, intensity] = await Promise.all([import('@verdant/core'), import('@verdant/grid'), import('@verdant/schedule'), import('../options/intensity.js')]);
        const { request, now } = jobInput(argv, o, core, intensity);
        // Every check before the store is opened: the executor by the registry's names, the request (the library
        // names its fields), then the directory and the command as `verdant run` would find them (127 not found,
        // 126 not executable). Nothing is queued, and no store created, for a job that could only fail later.
        if (o.executor !== undefined) schedule.executorDescriptor(o.executor, '--executor');
        const spec = schedule.parseJobRequest(request);
        schedule.assertJobRunnable(spec);
        await withStore(async (store) => {
          const { job, plan } = await schedule.submitJob(store, spec, { source: schedule.providerSource(grid.providerFromEnv(process.env, store)), now });
          if (o.json) return printJson(schedule.jobToJson(job));
          process.stdout.write(renderSubmitted(job, plan, core.toIso, schedule.executorDescriptor(job.executor).describe(job)));
        });
      }),
    );
}

/** The job request the options describe, every value read (and refused, naming its flag) before the store is opened. */
function jobInput(argv: string[], o: SubmitOptions, core: Core, { noRegion, regionZone }: Intensity) {
  const { invalidInput, nowS, parseDeadline, parseDuration, parseIntensity, parsePower, parseTime } = core;
  if (argv.length === 0) throw invalidInput('<command>', 'no command given', 'put the command after --, e.g. verdant submit --duration 2h -- python train.py');
  if (o.duration === undefined) throw invalidInput('--duration', 'is required: the planner needs the running time', 'pass e.g. --duration 2h');
  const now = nowS();
  const durationS = parseDuration(o.duration, '--duration');
  const earliestStart = o.earliest === undefined ? now : parseTime(o.earliest, '--earliest');
  const zone = regionZone(o.region);
  if (zone === undefined) throw noRegion('--region (a zone such as DE, or a cloud region such as aws:eu-west-1)');
  return {
    now,
    request: {
      name: o.name ?? basename(argv[0]!),
      argv,
      cwd: process.cwd(),
      zone,
      ...(o.executor !== undefined ? { executor: o.executor } : {}),
      durationS,
      earliestStart,
      ...(o.deadline !== undefined ? { deadline: parseDeadline(o.deadline, earliestStart, '--deadline') } : {}),
      interruptible: Boolean(o.interruptible),
      ...(o.checkpointSignal !== undefined ? { checkpointSignal: o.checkpointSignal } : {}),
      ...(o.pauseAbove !== undefined ? { pauseAboveG: parseIntensity(o.pauseAbove, '--pause-above') } : {}),
      ...(o.resumeBelow !== undefined ? { resumeBelowG: parseIntensity(o.resumeBelow, '--resume-below') } : {}),
      ...(o.power !== undefined ? { powerW: parsePower(o.power, '--power') } : {}),
      ...(o.partition !== undefined ? { partition: o.partition } : {}),
      ...(o.accel !== undefined ? { accel: accelFlag(o.accel, core) } : {}),
      ...(o.output !== undefined ? { outputPath: resolve(o.output) } : {}),
    },
  };
}

/** `where` is the executor's own words for where the job went ("Slurm job 4711"). */
function renderSubmitted(job: JobRecord, plan: JobPlanSummary, toIso: (tS: number) => string, where: string): string {
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

/** `--accel h100:8` as the job request's `{ type, count }` (the request's schema checks the type's characters). */
function accelFlag(v: string, core: Core): { type: string; count: number } {
  const i = v.lastIndexOf(':');
  if (i <= 0) throw core.invalidInput('--accel', `cannot read "${v}"`, 'write <type>:<count>, e.g. h100:8');
  return { type: v.slice(0, i), count: core.parseWholeNumber(v.slice(i + 1), '--accel', 1) };
}
