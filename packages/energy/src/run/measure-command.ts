import { join } from 'node:path';
import {
  ExitCode,
  HOST_NAME_ENV,
  Store,
  VerdantError,
  checkHostName,
  outputError,
  prepareOutputDirectory,
  readEnv,
  writeOutputFile,
  type IntensityLookup,
} from '@verdant/core';
import { appendCodecarbonCsv } from '../outputs/codecarbon-csv.js';
import { runCommand, type CommandResult, type IntensityCoverage, type PauseController } from '../process/run-command.js';
import { PushgatewayReporter } from '../outputs/metrics.js';
import { resolveCommand } from '../process/resolve-command.js';
import { summarizeRun, type RunSummary } from '../outputs/summary.js';
import type { TrackerSnapshot } from '../measurement/tracker.js';
import type { RunChannelDescriptor } from '../measurement/channels.js';
import { runGroupOf } from './group.js';
import { RUN_OUTPUT_FILES, type RunSpec } from './spec.js';

/** A run spec (from `parseRunSpec`) with what it is measured against and where it is told about. */
export interface MeasureSpec extends RunSpec {
  /**
   * The intensity the run is charged with (e.g. @verdant/grid's `resolveIntensity`). When it is a trace, its
   * `coverage` should be checked against the start by the caller (`checkTraceCovers`); a run that outlives it is
   * told so, and carbon-aware pausing stops.
   */
  lookup: IntensityLookup & { coverage?: IntensityCoverage };
  /** Required with `carbon`: the policy that pauses and resumes (@verdant/schedule's `carbonAwareController(spec.carbon)`). */
  controller?: PauseController;
  /** Where the run is recorded. Default: the configured store (VERDANT_DATABASE_URL, else SQLite under VERDANT_HOME), opened once the command and the output directory have passed their checks, and closed at the end. */
  store?: Store;
  /** The command's environment, and where the sensors' and the store's settings are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdio?: 'inherit' | 'ignore' | 'pipe';
  /** Forward SIGINT, SIGTERM and SIGHUP received by this process to the command (a CLI does). */
  forwardSignals?: boolean;
  /** Human notices: sensor discovery notes, budget warnings, pauses, store trouble, Pushgateway failures. */
  onNotice?: (message: string) => void;
  /** Every sample, as it is taken (a status line). */
  onSample?: (snap: TrackerSnapshot) => void;
  /** The run channels the command gets; default every registered one (see `runCommand`). */
  channels?: readonly RunChannelDescriptor[];
}

export interface Measured {
  /** The run as stored (what `runs show --json` and `run.json` give). */
  summary: RunSummary;
  /** The command's exit code, or 128 + n when signal n ended it. */
  exitCode: number;
  result: CommandResult;
}

/**
 * Measures a command from start to end, as `verdant run` does: checks the command (exit 127 not found, 126 not
 * executable), creates and probes `outputDir`, opens the store (only then), spawns the command with the sensors
 * discovered for its process tree, pushes to the Pushgateway, and writes `emissions.csv` and `run.json`. Every
 * refusal happens before the command starts and is a VerdantError naming a RunSpec field (`outputDir`) or the
 * setting at fault (`command`, `VERDANT_HOME`, `VERDANT_DATABASE_URL`, `VERDANT_HOSTNAME`). The run joins the
 * spec's `group`, else the one its environment names (a Slurm job step, a torchrun job: see `runGroupOf`), so
 * each host's `verdant run` of one job is a member of one run group in a shared store.
 */
export async function measureCommand(spec: MeasureSpec): Promise<Measured> {
  const env = spec.env ?? process.env;
  const paths = readEnv(env); // a malformed VERDANT_DATABASE_URL is a config error before anything else
  const envHost = env[HOST_NAME_ENV];
  const host = spec.host ?? (envHost !== undefined && envHost.trim() !== '' ? checkHostName(envHost, HOST_NAME_ENV) : undefined);
  // The run group: the spec's, else a Slurm job step's or a torchrun job's (one job on several hosts is one group).
  const member = runGroupOf(env, spec.group);
  if (spec.carbon && !spec.controller) {
    throw new VerdantError('carbon-aware running needs a pause controller', {
      field: 'controller',
      fix: "pass @verdant/schedule's carbonAwareController(spec.carbon)",
      exitCode: ExitCode.usage,
    });
  }
  resolveCommand(spec.argv[0]!, env, spec.cwd); // 127 / 126 before anything is created or opened
  if (spec.outputDir !== undefined) prepareOutputDirectory(spec.outputDir, RUN_OUTPUT_FILES, 'outputDir');
  const store = spec.store ?? (await Store.open({ env: paths }));
  try {
    const notice = spec.onNotice ?? (() => undefined);
    const name = spec.name ?? spec.argv[0]!;
    const pushgateway = spec.pushgatewayUrl ? new PushgatewayReporter(spec.pushgatewayUrl, name, spec.lookup.zone, (e) => notice(`pushgateway: ${e.message}`)) : undefined;
    const run = await runCommand({
      argv: spec.argv,
      ...(spec.name !== undefined ? { name: spec.name } : {}),
      ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
      env,
      lookup: spec.lookup,
      discover: { ram: spec.ramMode },
      store,
      intervalS: spec.intervalS,
      pue: spec.pue,
      ...(spec.budget ? { budget: spec.budget } : {}),
      ...(spec.controller ? { controller: spec.controller } : {}),
      ...(spec.lookup.coverage ? { intensityCoverage: spec.lookup.coverage } : {}),
      ...(spec.stdio ? { stdio: spec.stdio } : {}),
      ...(host !== undefined ? { host } : {}),
      ...(member ? { group: member.group, ...(member.task !== undefined ? { task: member.task } : {}) } : {}),
      ...(spec.channels ? { channels: spec.channels } : {}),
      forwardSignals: spec.forwardSignals ?? false,
      procfsRoot: paths.procfsRoot,
      onNotice: notice,
      // Only when something shows or pushes samples: without it a sample builds no snapshot.
      ...(spec.onSample || pushgateway
        ? {
            onSample: (s: TrackerSnapshot) => {
              spec.onSample?.(s);
              pushgateway?.push(s);
            },
          }
        : {}),
    });
    const result = await run.done;
    await pushgateway?.flush(result.snapshot);
    const summary = await summarizeRun(store, result.runId);
    if (!summary) {
      throw new VerdantError(`run ${result.runId} vanished from the store while it ran`, {
        field: store.dialect === 'postgres' ? 'VERDANT_DATABASE_URL' : 'VERDANT_HOME',
        fix: `check that nothing removed or replaced the store at ${store.location} during the run`,
        exitCode: ExitCode.store,
      });
    }
    if (spec.outputDir !== undefined) {
      const csv = join(spec.outputDir, 'emissions.csv');
      await appendCodecarbonCsv(csv, summary).catch((e: unknown) => {
        throw outputError(e, csv, 'outputDir');
      });
      await writeOutputFile(join(spec.outputDir, 'run.json'), `${JSON.stringify(summary, null, 2)}\n`, 'outputDir');
    }
    return { summary, exitCode: result.exitCode, result };
  } finally {
    if (!spec.store) await store.close();
  }
}
