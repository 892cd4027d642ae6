// `verdant moe train` as one library call: every training is a Verdant run. Inside a measured process (under
// `verdant run`, or a scheduler's job: VERDANT_RUN_ID is set) it trains in this process and that run measures it;
// otherwise it measures itself the way `verdant run` does (measureCommand) with the training as the child.
import { appendFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { ExitCode, Store, VerdantError, nowS, readEnv, type IntensityLookup, type RunRow } from '@verdant/core';
import { PROGRESS_ENV, measureCommand, parseRunSpec, type RunSummary } from '@verdant/energy';
import type { TrainConfig } from './config.js';
import { MoeStore, type LayerStep, type Training } from './store.js';
import { trainLab, type TrainOutcome } from './trainer.js';

/** Set in the child of a self-measured training: it trains and prints nothing on stdout (the parent prints). */
export const MOE_CHILD_ENV = 'VERDANT_MOE_CHILD';

export interface TrainSummary {
  training_id: string;
  /** The Verdant run of this attempt, and all of the training's runs (one per attempt). */
  run_id: string;
  run_ids: string[];
  name: string;
  router: string;
  /** succeeded | checkpointed | failed | running */
  status: string;
  steps: number;
  total_steps: number | null;
  tokens: number;
  final_loss: number | null;
  eval_loss: number | null;
  train_s: number;
  tokens_per_s: number | null;
  /** Measured energy of the training's runs, J (while a run still goes: up to its last sample). */
  energy_j: number;
  emissions_g: number;
  j_per_token: number | null;
  parameters: { total: number; active: number } | null;
  /** The last stored metrics of each MoE layer. */
  layers: LayerStep[];
  notes: string[];
}

export interface MoeTrainOptions {
  config: TrainConfig;
  env?: NodeJS.ProcessEnv;
  /** How to start this same training as a child (the CLI: its own command line). Needed when not measured already. */
  childArgv?: string[];
  /** Intensity the self-measured run is charged with (the CLI's --region / VERDANT_REGION). */
  lookup?: IntensityLookup;
  intervalS?: number | string;
  pue?: number | string;
  onNotice?: (message: string) => void;
}

export interface MoeTrainResult {
  summary: TrainSummary;
  /** The process's exit code: 0, or the measured child's. */
  exitCode: number;
}

/** Seconds after its last run ended before a training still marked running is reported interrupted (its own end may follow the run's). */
const ENDED_GRACE_S = 30;

/**
 * The summary of a stored training, with the energy of its runs from the store. `layers: false` leaves the last
 * metrics of each layer out (an empty list; two queries fewer: a list of trainings has no use for them).
 */
export async function trainingSummary(store: Store, trainingId: string, runId?: string, options: { layers?: boolean; training?: Training } = {}): Promise<TrainSummary> {
  const moe = MoeStore.of(store);
  // A caller that has just read the training (a list) passes it: no second read.
  const t = options.training?.id === trainingId ? options.training : (await moe.get(trainingId))!;
  let energy = 0;
  let emissions = 0;
  let last: RunRow | undefined;
  for (const r of t.runs) {
    const row = await store.getRun(r.runId);
    if (row) {
      energy += row.energy_j;
      emissions += row.emissions_g;
    }
    last = row;
  }
  // A training still marked running whose last run ended a while ago (its process died: killed, out of memory, a
  // lost node; the store's reaper marks such a run interrupted) will never record an end of its own.
  let status = t.status;
  const gone = status === 'running' && last?.ended_at != null && last.status !== 'running' && last.status !== 'paused' && nowS() - last.ended_at > ENDED_GRACE_S;
  const router = String((t.config.router as { kind?: unknown } | undefined)?.kind ?? 'unknown');
  const notes: string[] = [];
  if (router === 'expert-choice') notes.push('expert choice sees every token of a batch, the future included: its loss is not comparable with token-choice routers\' as a next-token predictor');
  if (energy === 0) notes.push('no energy measured for this training (not run under Verdant\'s tracker)');
  if (gone) {
    status = 'interrupted';
    notes.push(`its last run ended (${last!.status}) without the training recording an end: the training stopped at step ${t.stepsDone}`);
  }
  return {
    training_id: t.id,
    run_id: runId ?? t.runs[t.runs.length - 1]?.runId ?? t.id,
    run_ids: t.runs.map((r) => r.runId),
    name: t.name,
    router: (t.config.model as { dense?: string } | undefined)?.dense ? `dense-${(t.config.model as { dense: string }).dense}` : router,
    status,
    steps: t.stepsDone,
    total_steps: t.totalSteps,
    tokens: t.tokens,
    final_loss: t.finalLoss,
    eval_loss: t.evalLoss,
    train_s: t.trainS,
    tokens_per_s: t.trainS > 0 ? t.tokens / t.trainS : null,
    energy_j: energy,
    emissions_g: emissions,
    j_per_token: energy > 0 && t.tokens > 0 ? energy / t.tokens : null,
    parameters: (t.config.parameters as TrainSummary['parameters']) ?? null,
    layers: options.layers === false ? [] : await moe.lastLayers(trainingId),
    notes,
  };
}

/** The signals that ask a training to checkpoint and exit: the declared one (VERDANT_CHECKPOINT_SIGNAL, default SIGUSR1), SIGTERM, SIGINT. */
export function checkpointSignals(env: NodeJS.ProcessEnv): NodeJS.Signals[] {
  const declared = (env.VERDANT_CHECKPOINT_SIGNAL ?? 'SIGUSR1').toUpperCase();
  const sig = (declared.startsWith('SIG') ? declared : `SIG${declared}`) as NodeJS.Signals;
  return [...new Set<NodeJS.Signals>([sig, 'SIGTERM', 'SIGINT'])];
}

/** Trains in this process, inside the Verdant run VERDANT_RUN_ID of `env`. */
async function trainInRun(o: MoeTrainOptions, env: NodeJS.ProcessEnv, runId: string): Promise<MoeTrainResult> {
  const store = await Store.open({ env: readEnv(env) });
  let stop = false;
  const handlers: Array<[NodeJS.Signals, () => void]> = [];
  // Without a checkpoint directory a signal cannot be honoured: it ends the process as usual (the contract then
  // counts the job as failed rather than restarting it from scratch as if it had been saved).
  if (o.config.checkpointDir) {
    for (const sig of checkpointSignals(env)) {
      const h = () => {
        if (stop) return;
        stop = true;
        o.onNotice?.(`${sig}: saving a checkpoint after this step, then exiting`);
      };
      process.on(sig, h);
      handlers.push([sig, h]);
    }
  }
  const progressFile = env[PROGRESS_ENV];
  let outcome: TrainOutcome;
  try {
    outcome = await trainLab(o.config, {
      runId,
      store: MoeStore.of(store),
      shouldStop: () => stop,
      onStep: async (s, total) => {
        if (progressFile) await appendFile(progressFile, `${JSON.stringify({ step: s.step, total })}\n`).catch(() => undefined);
      },
    });
    if (outcome.status === 'checkpointed') o.onNotice?.(`checkpointed at step ${outcome.stepsDone} of ${outcome.totalSteps} in ${o.config.checkpointDir}`);
    if (outcome.status === 'done-before') o.onNotice?.(`the checkpoint in ${o.config.checkpointDir} is at the end already: nothing to train`);
    return { summary: await trainingSummary(store, outcome.trainingId, runId), exitCode: 0 };
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
    await store.close();
  }
}

/** Child processes of this process (Linux procfs), to pass the checkpoint signal on. */
function childPids(): number[] {
  try {
    return readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Trains one config as a Verdant run and returns its summary: measured energy, J/token, the last metrics of each
 * layer. Bad config or measuring options fail before anything runs.
 */
export async function moeTrain(o: MoeTrainOptions): Promise<MoeTrainResult> {
  const env = o.env ?? process.env;
  const runId = env.VERDANT_RUN_ID;
  if (runId) return trainInRun(o, env, runId);
  if (!o.childArgv || o.childArgv.length === 0) {
    throw new VerdantError('a training outside a measured process needs the command that starts it as a child', {
      field: 'childArgv', fix: 'pass childArgv (the CLI passes its own command line), or run it under `verdant run`', exitCode: ExitCode.usage,
    });
  }
  if (!o.lookup) throw new VerdantError('a self-measured training needs an intensity lookup', { field: 'lookup', fix: 'pass the run\'s intensity (the CLI resolves --region)', exitCode: ExitCode.usage });
  const spec = parseRunSpec({ argv: o.childArgv, name: o.config.name, ...(o.intervalS !== undefined ? { intervalS: o.intervalS } : {}), ...(o.pue !== undefined ? { pue: o.pue } : {}) });
  // The checkpoint signal reaches this process (the job's main one): pass it on to the training.
  const forwarded: Array<[NodeJS.Signals, () => void]> = [];
  const declared = checkpointSignals(env)[0]!;
  if (declared !== 'SIGTERM' && declared !== 'SIGINT') {
    const h = () => {
      for (const pid of childPids()) {
        try {
          process.kill(pid, declared);
        } catch {
          // gone
        }
      }
    };
    process.on(declared, h);
    forwarded.push([declared, h]);
  }
  let measured: { summary: RunSummary; exitCode: number };
  try {
    measured = await measureCommand({
      ...spec,
      lookup: o.lookup,
      env: { ...env, [MOE_CHILD_ENV]: '1' },
      forwardSignals: true,
      ...(o.onNotice ? { onNotice: o.onNotice } : {}),
    });
  } finally {
    for (const [sig, h] of forwarded) process.off(sig, h);
  }
  const store = await Store.open({ env: readEnv(env) });
  try {
    const moe = MoeStore.of(store);
    let trainingId: string;
    try {
      trainingId = await moe.resolve(measured.summary.run_id);
    } catch {
      throw new VerdantError(`the training ended (exit ${measured.exitCode}) before it stored anything`, {
        field: 'config', fix: 'see its messages above', exitCode: ExitCode.failure,
      });
    }
    const t: Training | undefined = await moe.get(trainingId);
    if (t?.status === 'running') await moe.setStatus(trainingId, 'failed'); // the child died without saying how it ended
    return { summary: await trainingSummary(store, trainingId, measured.summary.run_id), exitCode: measured.exitCode };
  } finally {
    await store.close();
  }
}
