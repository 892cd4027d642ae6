// `verdant moe study`: the routers side by side with the dense baseline of equal active parameters, on the same
// tokens (one seed, the same batches and steps), each a measured training; then a markdown table and SVG charts
// (Vega-Lite, rendered headless by @verdant/energy) from what the store holds.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, Store, VerdantError, invalidInput, isVerdantError, newId } from '@verdant/core';
import { renderSvg } from '@verdant/energy';
import { configFingerprint, parseTrainConfig, type TrainConfig, type TrainConfigInput } from './config.js';
import { trainingReport, type TrainingReport } from './report.js';
import type { TrainSummary } from './run.js';
import { MoeStore } from './store.js';
import { runSweep } from './sweep.js';
import { trainLab } from './trainer.js';

type ChartSpec = Parameters<typeof renderSvg>[0];

/** The arms a study can train: five routers and the dense model of equal active parameters. */
export const STUDY_ARMS = ['switch', 'gshard', 'expert-choice', 'aux-free', 'noisy-topk', 'dense'] as const;
export type StudyArm = (typeof STUDY_ARMS)[number];
/** Every arm: issue 10's four routers and the dense baseline, with noisy top-k besides. */
export const DEFAULT_STUDY_ARMS: readonly StudyArm[] = STUDY_ARMS;

/**
 * The shared config of the study in docs/moe.md: Moby Dick in bytes, 4 layers, d_model 96, 4 heads, sequence 64,
 * 8 experts of width 96 in every layer, batch 8, 300 steps, seed 1: about a minute of CPU an arm.
 */
export const STUDY_BASE: TrainConfigInput = {
  corpus: 'moby-dick', tokenizer: 'byte',
  model: { layers: 4, dModel: 96, heads: 4, seqLen: 64, experts: 8, dHidden: 96, every: 1 },
  batch: 8, steps: 300, evalInterval: 20, evalBatches: 4, seed: 1,
};

/** Steps in the trailing mean of the charts' training loss and batch MaxVio. */
const SMOOTH_STEPS = 10;

export interface StudyArmConfig {
  arm: StudyArm;
  config: TrainConfigInput;
}

/**
 * The arms' configs over `base` (which sets data, model, batch, steps and seed for all; the arms set the router).
 * Active parameters are matched: the top-2 routers (GShard, aux-free, noisy top-k) and expert choice (capacity
 * factor 2: two experts per token on average) use experts of `dHidden`; Switch, top-1, uses experts twice as wide;
 * the dense model's FFN is 2 × `dHidden` wide. Every config is checked before anything runs.
 */
export function studyConfigs(base: TrainConfigInput, arms: readonly StudyArm[], cwd: string): StudyArmConfig[] {
  if (base === null || typeof base !== 'object' || Array.isArray(base)) throw invalidInput('config', 'must be a JSON object of training fields', 'see docs/moe.md');
  if (base.router !== undefined) throw invalidInput('router', 'is set by each arm of the study', 'leave router out of the base config; pick the arms with --arms');
  if (!Array.isArray(arms) || arms.length === 0) throw invalidInput('arms', 'must list at least one arm', `use some of ${STUDY_ARMS.join(', ')}`);
  for (const a of arms) {
    if (!(STUDY_ARMS as readonly string[]).includes(a)) throw invalidInput('arms', `unknown arm ${JSON.stringify(a)}`, `use some of ${STUDY_ARMS.join(', ')}`);
  }
  if (new Set(arms).size !== arms.length) throw invalidInput('arms', 'lists an arm twice', 'name each arm once');
  const model = (base.model ?? {}) as Record<string, unknown>;
  if (model === null || typeof model !== 'object' || Array.isArray(model)) throw invalidInput('model', 'must be an object', 'give model as a JSON object of model fields (docs/moe.md), or leave it out');
  if (model.dense !== undefined) throw invalidInput('model.dense', 'is set by the dense arm of the study', 'leave it out of the base config');
  // The expert width after the size preset and the overrides, to widen Switch's experts.
  // An error of the base config names its own field and fix (`steps`, `model.heads`: the study's config fields).
  const dHidden = parseTrainConfig({ ...base, router: { kind: 'gshard' } }, cwd).model.dHidden;
  const { checkpointDir: _d, checkpointInterval: _i, name, ...shared } = base;
  const prefix = typeof name === 'string' && name.trim() !== '' ? name : 'study';
  return arms.map((arm) => {
    const m = { ...model };
    let router: Record<string, unknown>;
    if (arm === 'dense') {
      router = { kind: 'gshard' };
      m.dense = 'active';
    } else {
      router = { kind: arm };
      if (arm === 'switch') m.dHidden = 2 * dHidden;
    }
    const config: TrainConfigInput = { ...shared, name: `${prefix}-${arm}`, model: m, router };
    try {
      parseTrainConfig(config, cwd);
    } catch (e) {
      // What the arm changed (the router, Switch's wider experts, the dense model) makes the base config fail: the
      // field and fix stay the config's, the message says which arm.
      if (!isVerdantError(e)) throw e;
      throw new VerdantError(`${e.message} (in the ${arm} arm)`, { exitCode: e.exitCode, cause: e, ...(e.field !== undefined ? { field: e.field } : {}), ...(e.fix ? { fix: e.fix } : {}) });
    }
    return { arm, config };
  });
}

export interface StudyOptions {
  /** The shared config (default STUDY_BASE); `router` is the arms'. */
  base?: TrainConfigInput;
  arms?: readonly StudyArm[];
  /** Where the table (study.md), the data (study.json) and the charts (*.svg) go. */
  outDir: string;
  /** Resolves a relative data file. */
  cwd: string;
  /** The store the trainings are written to and read from. */
  store: Store;
  /**
   * The command that trains a config file as a measured run and prints its summary as JSON (the CLI: `verdant moe
   * train --config <f> --json`): the arms then run as processes, `parallel` at once, and their energy is measured.
   * Without it they train one after the other in this process, unmeasured (tests, a browser).
   */
  argvFor?: (configFile: string) => string[];
  parallel?: number;
  env?: NodeJS.ProcessEnv;
  /**
   * Stored trainings (ids, run ids or unique prefixes), one per arm in order, to draw instead of training: each must
   * have been trained with its arm's config (the name aside).
   */
  trainings?: readonly string[];
  onNotice?: (message: string) => void;
}

export interface StudyRow {
  arm: StudyArm;
  trainingId: string;
  router: string;
  parameters: { total: number; active: number } | null;
  /** The active parameters less the routers' weights (d·E per MoE layer, twice for noisy top-k). */
  activeWithoutRouter: number | null;
  steps: number;
  tokens: number;
  evalLoss: number | null;
  finalLoss: number | null;
  tokensPerS: number | null;
  energyJ: number;
  jPerToken: number | null;
  /** Means over the MoE layers at the last step (null for the dense arm). */
  maxVio: number | null;
  cv: number | null;
  droppedFraction: number | null;
  /** The largest dropped fraction of any layer at any step. */
  maxDroppedFraction: number | null;
  /** Global MaxVio (fixed held-out set) at the first and the last evaluation, mean over layers. */
  globalMaxVioFirst: number | null;
  globalMaxVioLast: number | null;
  /** Dead experts at the end (no assignment over the dead-expert window), summed over layers. */
  deadExperts: number | null;
  notes: string[];
}

export interface StudyResult {
  rows: StudyRow[];
  /** The markdown table, as written to study.md. */
  table: string;
  /** Files written, relative to outDir. */
  files: string[];
}

const mean = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** The largest value, null for none (a loop: `Math.max(...xs)` overflows the stack for long arrays). */
function maxOf(xs: readonly number[]): number | null {
  let m: number | null = null;
  for (const x of xs) if (m === null || x > m) m = x;
  return m;
}

/** Trailing mean over the last `w` values. */
function smooth(xs: readonly number[], w: number): number[] {
  let acc = 0;
  return xs.map((x, i) => {
    acc += x;
    if (i >= w) acc -= xs[i - w]!;
    return acc / Math.min(i + 1, w);
  });
}

function rowOf(arm: StudyArm, r: TrainingReport): StudyRow {
  const s: TrainSummary = r.summary;
  const last = s.layers;
  const moeLayers = new Set(r.layers.map((l) => l.layer)).size;
  const model = r.config.model as { dModel: number; experts: number };
  const routerKind = (r.config.router as { kind: string }).kind;
  const routerParams = arm === 'dense' ? 0 : moeLayers * model.dModel * model.experts * (routerKind === 'noisy-topk' ? 2 : 1);
  const evals = r.layers.filter((l) => l.globalMaxVio !== null);
  const evalSteps = [...new Set(evals.map((l) => l.step))].sort((a, b) => a - b);
  const globalAt = (step: number | undefined) => (step === undefined ? null : mean(evals.filter((l) => l.step === step).map((l) => l.globalMaxVio!)));
  return {
    arm,
    trainingId: s.training_id,
    router: s.router,
    parameters: s.parameters,
    activeWithoutRouter: s.parameters ? s.parameters.active - routerParams : null,
    steps: s.steps,
    tokens: s.tokens,
    evalLoss: s.eval_loss,
    finalLoss: s.final_loss,
    tokensPerS: s.tokens_per_s,
    energyJ: s.energy_j,
    jPerToken: s.j_per_token,
    maxVio: mean(last.map((l) => l.maxVio)),
    cv: mean(last.map((l) => l.cv)),
    droppedFraction: mean(last.map((l) => l.droppedFraction)),
    maxDroppedFraction: maxOf(r.layers.map((l) => l.droppedFraction)),
    globalMaxVioFirst: globalAt(evalSteps[0]),
    globalMaxVioLast: globalAt(evalSteps[evalSteps.length - 1]),
    deadExperts: last.length ? last.reduce((a, l) => a + l.dead.length, 0) : null,
    notes: s.notes,
  };
}

const ARM_LABELS: Record<StudyArm, string> = {
  switch: 'Switch top-1', gshard: 'GShard top-2', 'expert-choice': 'Expert Choice', 'aux-free': 'aux-loss-free',
  'noisy-topk': 'noisy top-2', dense: 'dense (equal active)',
};

const f = (v: number | null, digits: number): string => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(digits));

/** The study's table in markdown: one row per arm. */
export function studyTable(rows: readonly StudyRow[]): string {
  const head = [
    'arm', 'active params', 'total params', 'held-out loss', 'tokens', 'tokens/s', 'energy J', 'mJ/token', 'MaxVio',
    'global MaxVio first → last', 'CV', 'dropped (last / max)', 'dead experts',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    const ec = r.arm === 'expert-choice' ? ' ⚠︎' : '';
    lines.push(`| ${[
      `${ARM_LABELS[r.arm]}${ec}`,
      r.parameters ? String(r.parameters.active) : '–',
      r.parameters ? String(r.parameters.total) : '–',
      f(r.evalLoss, 3),
      String(r.tokens),
      f(r.tokensPerS, 0),
      f(r.energyJ > 0 ? r.energyJ : null, 1),
      f(r.jPerToken === null ? null : r.jPerToken * 1000, 3),
      f(r.maxVio, 3),
      r.globalMaxVioFirst === null ? '–' : `${f(r.globalMaxVioFirst, 3)} → ${f(r.globalMaxVioLast, 3)}`,
      f(r.cv, 3),
      r.droppedFraction === null ? '–' : `${f(r.droppedFraction, 3)} / ${f(r.maxDroppedFraction, 3)}`,
      r.deadExperts === null ? '–' : String(r.deadExperts),
    ].join(' | ')} |`);
  }
  if (rows.some((r) => r.arm === 'expert-choice')) {
    lines.push('', '⚠︎ Expert Choice sees every token of a batch, the future included: in a causal language model its loss is not comparable with the token-choice routers\' or the dense model\'s as a next-token predictor.');
  }
  return `${lines.join('\n')}\n`;
}

interface ArmReport {
  arm: StudyArm;
  report: TrainingReport;
}

/** Static pictures: no ARIA description per mark (it would triple the heat map's size). */
const STATIC = { aria: false } as const;

const COLOR = (arms: readonly StudyArm[]) => ({ field: 'arm', type: 'nominal', title: null, sort: arms.map((a) => ARM_LABELS[a]), legend: { labelLimit: 0 } }) as const;

/** Training loss (trailing mean) and held-out loss against tokens, one line per arm. */
export function lossChartSpec(reports: readonly ArmReport[]): ChartSpec {
  const values: Array<Record<string, unknown>> = [];
  for (const { arm, report } of reports) {
    const losses = smooth(report.steps.map((s) => s.loss ?? Number.NaN), SMOOTH_STEPS);
    report.steps.forEach((s, i) => {
      values.push({ arm: ARM_LABELS[arm], curve: `training loss (mean of ${SMOOTH_STEPS} steps)`, tokens: s.tokens, loss: losses[i] });
      if (s.evalLoss !== null) values.push({ arm: ARM_LABELS[arm], curve: 'held-out loss', tokens: s.tokens, loss: s.evalLoss });
    });
  }
  const arms = reports.map((r) => r.arm);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: STATIC,
    title: 'Loss against tokens (same tokens for every arm)',
    data: { values },
    facet: { column: { field: 'curve', type: 'nominal', title: null, sort: 'descending' } },
    spec: {
      width: 360, height: 260,
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'tokens', type: 'quantitative', title: 'tokens' },
        y: { field: 'loss', type: 'quantitative', title: 'cross-entropy (nats/byte)', scale: { zero: false } },
        color: COLOR(arms),
      },
    },
  } as ChartSpec;
}

/** Held-out loss against measured joules (null where the arms were not measured). */
export function energyChartSpec(reports: readonly ArmReport[]): ChartSpec | null {
  const values = reports.flatMap(({ arm, report }) => report.steps.filter((s) => s.evalLoss !== null && s.energyJ !== null).map((s) => ({ arm: ARM_LABELS[arm], energy: s.energyJ, loss: s.evalLoss })));
  if (values.length === 0) return null;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: STATIC,
    title: 'Held-out loss against measured energy',
    data: { values },
    width: 420, height: 260,
    mark: { type: 'line', point: true, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'energy', type: 'quantitative', title: 'energy (J)' },
      y: { field: 'loss', type: 'quantitative', title: 'held-out cross-entropy (nats/byte)', scale: { zero: false } },
      color: COLOR(reports.map((r) => r.arm)),
    },
  } as ChartSpec;
}

/** MaxVio against step per MoE layer: the batch's (trailing mean) and the global one on the held-out set. */
export function maxVioChartSpec(reports: readonly ArmReport[]): ChartSpec {
  const values: Array<Record<string, unknown>> = [];
  for (const { arm, report } of reports) {
    const byLayer = new Map<number, typeof report.layers>();
    for (const l of report.layers) {
      const ls = byLayer.get(l.layer);
      if (ls) ls.push(l);
      else byLayer.set(l.layer, [l]);
    }
    for (const [layer, ls] of byLayer) {
      const batch = smooth(ls.map((l) => l.maxVio), SMOOTH_STEPS);
      ls.forEach((l, i) => {
        values.push({ arm: ARM_LABELS[arm], layer: `layer ${layer}`, kind: `batch MaxVio (mean of ${SMOOTH_STEPS} steps)`, step: l.step, maxVio: batch[i] });
        if (l.globalMaxVio !== null) values.push({ arm: ARM_LABELS[arm], layer: `layer ${layer}`, kind: 'global MaxVio (held-out set)', step: l.step, maxVio: l.globalMaxVio });
      });
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: STATIC,
    title: 'MaxVio against step, per MoE layer (0: balanced)',
    data: { values },
    facet: { row: { field: 'kind', type: 'nominal', title: null, sort: 'ascending' }, column: { field: 'layer', type: 'nominal', title: null } },
    spec: {
      width: 200, height: 160,
      mark: { type: 'line', strokeWidth: 1.2 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'maxVio', type: 'quantitative', title: 'MaxVio' },
        color: COLOR(reports.filter((r) => r.arm !== 'dense').map((r) => r.arm)),
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as ChartSpec;
}

/** Expert load share over steps (buckets of steps), per arm and MoE layer: the heat map. */
export function loadChartSpec(reports: readonly ArmReport[], buckets = 15): ChartSpec {
  const values: Array<Record<string, unknown>> = [];
  for (const { arm, report } of reports) {
    const steps = report.steps.length;
    const size = Math.max(1, Math.ceil(steps / buckets));
    const acc = new Map<string, { layer: number; bucket: number; share: number[]; n: number }>();
    for (const l of report.layers) {
      const bucket = Math.floor((l.step - 1) / size);
      const key = `${l.layer}:${bucket}`;
      const a = acc.get(key) ?? { layer: l.layer, bucket, share: l.share.map(() => 0), n: 0 };
      l.share.forEach((v, e) => (a.share[e]! += v));
      a.n++;
      acc.set(key, a);
    }
    for (const a of acc.values()) {
      a.share.forEach((v, e) => values.push({
        arm: ARM_LABELS[arm], layer: `layer ${a.layer}`, expert: e, from: a.bucket * size + 1, to: (a.bucket + 1) * size + 1, share: v / a.n,
      }));
    }
  }
  const arms = reports.map((r) => ARM_LABELS[r.arm]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: STATIC,
    title: `Expert load share over training (before capacity; mean over ${Math.max(1, Math.ceil((reports[0]?.report.steps.length ?? 1) / buckets))}-step buckets)`,
    data: { values },
    facet: { row: { field: 'arm', type: 'nominal', title: null, sort: arms }, column: { field: 'layer', type: 'nominal', title: null } },
    spec: {
      width: 180, height: 90,
      mark: 'rect',
      encoding: {
        x: { field: 'from', type: 'quantitative', title: 'step', scale: { nice: false, zero: false } },
        x2: { field: 'to' },
        y: { field: 'expert', type: 'ordinal', title: 'expert' },
        color: { field: 'share', type: 'quantitative', title: 'load share', scale: { scheme: 'viridis', domainMin: 0 } },
      },
    },
  } as ChartSpec;
}

/** Trains one arm in this process (no measurement), storing it like `verdant moe train`. */
async function trainHere(store: Store, c: StudyArmConfig, cwd: string): Promise<string> {
  const out = await trainLab(parseTrainConfig(c.config, cwd), { runId: newId('r'), store: MoeStore.of(store) });
  return out.trainingId;
}

/** Creates `dir` and writes a file there (removed again), before any arm trains: a bad folder fails now, not after the training. */
function checkWritable(dir: string): void {
  const probe = join(dir, `.verdant-study-probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (e) {
    throw invalidInput('outDir', `cannot be written (${dir}): ${(e as Error).message}`, 'give a folder you can create and write to');
  }
}

/**
 * Runs the study: trains every arm on the same tokens (measured processes `parallel` at once with `argvFor`, else here),
 * checks that they saw the same number of tokens, then writes study.md (the table), study.json (rows and config) and the
 * charts loss.svg, maxvio.svg, load.svg and, when the energy was measured, loss-energy.svg to `outDir`.
 */
export async function runStudy(o: StudyOptions): Promise<StudyResult> {
  const arms = o.arms ?? DEFAULT_STUDY_ARMS;
  const configs = studyConfigs(o.base ?? STUDY_BASE, arms, o.cwd);
  if (typeof o.outDir !== 'string' || o.outDir.trim() === '') throw invalidInput('outDir', 'must be a directory path', 'e.g. docs/moe');
  checkWritable(o.outDir);
  const ids: string[] = [];
  if (o.trainings !== undefined) {
    if (!Array.isArray(o.trainings) || o.trainings.length !== configs.length) {
      throw invalidInput('trainings', `must name one stored training per arm (${configs.length}: ${arms.join(', ')})`, 'list them in the order of the arms');
    }
    const moe = MoeStore.of(o.store);
    for (const [i, ref] of o.trainings.entries()) {
      const id = await moe.resolve(ref, `trainings[${i}]`);
      const t = (await moe.get(id))!;
      const { vocab: _v, chars: _c, parameters: _p, ...stored } = t.config;
      if (configFingerprint(stored as unknown as TrainConfig) !== configFingerprint(parseTrainConfig(configs[i]!.config, o.cwd)) || t.status !== 'succeeded') {
        throw invalidInput(`trainings[${i}]`, `${ref} is not a finished training of the ${configs[i]!.arm} arm's config`, 'give the trainings of this study\'s arms, in order, or leave them out to train');
      }
      ids.push(id);
    }
  } else if (o.argvFor) {
    const results = await runSweep({
      configs: configs.map((c) => c.config), argvFor: o.argvFor, ...(o.parallel !== undefined ? { parallel: o.parallel } : {}),
      ...(o.env ? { env: o.env } : {}), cwd: o.cwd, ...(o.onNotice ? { onNotice: o.onNotice } : {}),
    });
    const failed = results.flatMap((r, i) => (r.exitCode !== 0 || !r.summary ? [configs[i]!.arm] : []));
    if (failed.length > 0) {
      throw new VerdantError(`the study's ${failed.join(', ')} training${failed.length > 1 ? 's' : ''} failed`, {
        field: 'arms', fix: 'see the messages above; fix the base config or leave those arms out', exitCode: ExitCode.failure,
      });
    }
    ids.push(...results.map((r) => r.summary!.training_id));
  } else {
    for (const c of configs) {
      ids.push(await trainHere(o.store, c, o.cwd));
      o.onNotice?.(`${c.config.name as string}: done`);
    }
  }
  const reports: ArmReport[] = [];
  for (const [i, id] of ids.entries()) reports.push({ arm: configs[i]!.arm, report: await trainingReport(o.store, id) });
  const tokens = new Set(reports.map((r) => r.report.summary.tokens));
  if (tokens.size !== 1) {
    throw new VerdantError(`the arms trained on different numbers of tokens (${[...tokens].join(', ')})`, { field: 'arms', fix: 'train every arm to the end', exitCode: ExitCode.failure });
  }
  const rows = reports.map((r) => rowOf(r.arm, r.report));
  const table = studyTable(rows);
  mkdirSync(o.outDir, { recursive: true }); // again: it may have gone while the arms trained
  const files: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(o.outDir, name), text);
    files.push(name);
  };
  write('study.md', table);
  write('study.json', `${JSON.stringify({ base: o.base ?? STUDY_BASE, arms: configs, rows }, null, 2)}\n`);
  const moeReports = reports.filter((r) => r.arm !== 'dense');
  write('loss.svg', await renderSvg(lossChartSpec(reports)));
  if (moeReports.length > 0) {
    write('maxvio.svg', await renderSvg(maxVioChartSpec(moeReports)));
    write('load.svg', await renderSvg(loadChartSpec(moeReports)));
  }
  const energy = energyChartSpec(reports);
  if (energy) write('loss-energy.svg', await renderSvg(energy));
  return { rows, table, files };
}
