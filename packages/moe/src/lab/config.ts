// What `verdant moe train` trains: data, tokenizer, model, router, optimizer, schedule, seed and checkpoints, all
// checked up front (a bad field is a VerdantError naming it, before anything is read, built or written).
import { invalidInput } from '@verdant/core/errors';
import type { LmOptions } from '../model.js';
import { ROUTER_KINDS, resolveRouter, type RouterOptions } from '../router.js';

export type Tokenizer = 'byte' | 'char';
export type BundledCorpus = 'moby-dick' | 'synthetic';
export const BUNDLED_CORPORA: readonly BundledCorpus[] = ['moby-dick', 'synthetic'];
export type ModelSize = 'tiny' | 'small' | 'reference';

/** Model sizes by name; any field can be overridden. `reference` is issue 10's benchmark config. */
export const MODEL_SIZES: Record<ModelSize, ModelConfig> = {
  tiny: { layers: 2, dModel: 32, heads: 2, seqLen: 32, experts: 4, dHidden: 64, every: 1 },
  small: { layers: 4, dModel: 128, heads: 4, seqLen: 64, experts: 8, dHidden: 256, every: 1 },
  reference: { layers: 4, dModel: 256, heads: 4, seqLen: 128, experts: 8, dHidden: 1024, every: 1 },
};

export interface ModelConfig {
  layers: number;
  dModel: number;
  heads: number;
  seqLen: number;
  /** Experts per MoE layer and the hidden width of each. */
  experts: number;
  dHidden: number;
  /** 1: a MoE FFN in every block; 2: every other block. */
  every: 1 | 2;
  /** Train the dense model instead: equal active parameters (FFN width k × dHidden) or equal total (E × dHidden). */
  dense?: 'active' | 'total';
}

export interface OptimizerConfig {
  lr: number;
  warmupSteps: number;
  minLrRatio: number;
  weightDecay: number;
  clipNorm: number;
}

export interface TrainConfig {
  name: string;
  /** A bundled corpus, or a UTF-8 text file (an absolute path once parsed). */
  data: { corpus: BundledCorpus } | { file: string };
  tokenizer: Tokenizer;
  model: ModelConfig;
  router: RouterOptions;
  optimizer: OptimizerConfig;
  batch: number;
  steps: number;
  /** Evaluate (held-out loss, global MaxVio, routing stability) every this many steps, and after the last. */
  evalInterval: number;
  /** Batches of the fixed held-out set. */
  evalBatches: number;
  /** Steps in the window of the dead-expert counts. */
  deadWindow: number;
  seed: number;
  /** Where checkpoints go (none: the run cannot pause and resume). */
  checkpointDir: string | null;
  /** Save every this many steps (0: only when asked to by the checkpoint signal). */
  checkpointInterval: number;
}

/** What a config file or the flags give: every field optional, `size` picks the model's defaults. */
export interface TrainConfigInput {
  name?: unknown;
  corpus?: unknown;
  dataFile?: unknown;
  tokenizer?: unknown;
  size?: unknown;
  model?: unknown;
  router?: unknown;
  optimizer?: unknown;
  batch?: unknown;
  steps?: unknown;
  evalInterval?: unknown;
  evalBatches?: unknown;
  deadWindow?: unknown;
  seed?: unknown;
  checkpointDir?: unknown;
  checkpointInterval?: unknown;
}

const TOP_KEYS = new Set<string>([
  'name', 'corpus', 'dataFile', 'tokenizer', 'size', 'model', 'router', 'optimizer', 'batch', 'steps', 'evalInterval',
  'evalBatches', 'deadWindow', 'seed', 'checkpointDir', 'checkpointInterval',
]);

function int(v: unknown, field: string, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw invalidInput(field, `must be a whole number >= ${min}, got ${JSON.stringify(v)}`, `give a whole number of at least ${min}`);
  return n;
}

function num(v: unknown, field: string, ok: (n: number) => boolean, want: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || !ok(n)) throw invalidInput(field, `must be ${want}, got ${JSON.stringify(v)}`, `give ${want.startsWith('a ') ? want : `a number ${want}`}`);
  return n;
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidInput(field, `must be an object, got ${JSON.stringify(v)}`, 'give a JSON object of its fields (docs/moe.md), or leave it out');
  return v as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw invalidInput(`${field}.${k}`, 'is not a known setting', `use one of ${allowed.join(', ')}`);
  }
}

/**
 * Checks a training config and fills the defaults: the tiny model on Moby Dick unless told otherwise,
 * Switch top-1 routing, AdamW lr 1e-3 with 10% warm-up and a cosine to 0.1·lr. `cwd` resolves a relative data file
 * and checkpoint directory. Throws a VerdantError naming the first bad field (`router.kind`, `model.heads`, …).
 */
export function parseTrainConfig(input: TrainConfigInput, cwd: string): TrainConfig {
  const top = object(input, 'config');
  for (const k of Object.keys(top)) {
    if (!TOP_KEYS.has(k)) throw invalidInput(k, 'is not a known setting', `use one of ${[...TOP_KEYS].join(', ')}`);
  }
  const size = top.size ?? 'tiny';
  if (typeof size !== 'string' || !(size in MODEL_SIZES)) {
    throw invalidInput('size', `must be one of ${Object.keys(MODEL_SIZES).join(', ')}, got ${JSON.stringify(size)}`, `use one of ${Object.keys(MODEL_SIZES).join(', ')}`);
  }
  const base = MODEL_SIZES[size as ModelSize];
  const m = object(top.model, 'model');
  onlyKeys(m, ['layers', 'dModel', 'heads', 'seqLen', 'experts', 'dHidden', 'every', 'dense'], 'model');
  const every = int(m.every, 'model.every', 1, base.every);
  if (every !== 1 && every !== 2) throw invalidInput('model.every', `must be 1 or 2, got ${every}`, '1: a MoE layer in every block, 2: in every other block');
  if (m.dense !== undefined && m.dense !== 'active' && m.dense !== 'total') {
    throw invalidInput('model.dense', `must be "active" or "total", got ${JSON.stringify(m.dense)}`, 'leave it out for the MoE model');
  }
  const model: ModelConfig = {
    layers: int(m.layers, 'model.layers', 1, base.layers),
    dModel: int(m.dModel, 'model.dModel', 1, base.dModel),
    heads: int(m.heads, 'model.heads', 1, base.heads),
    seqLen: int(m.seqLen, 'model.seqLen', 2, base.seqLen),
    experts: int(m.experts, 'model.experts', 2, base.experts),
    dHidden: int(m.dHidden, 'model.dHidden', 1, base.dHidden),
    every,
    ...(m.dense !== undefined ? { dense: m.dense as 'active' | 'total' } : {}),
  };
  if (model.dModel % model.heads !== 0) {
    throw invalidInput('model.heads', `${model.heads} heads do not divide dModel ${model.dModel}`, 'pick a number of heads that divides dModel');
  }
  const r = object(top.router ?? { kind: 'switch' }, 'router');
  if (typeof r.kind !== 'string' || !(ROUTER_KINDS as readonly string[]).includes(r.kind)) {
    throw invalidInput('router.kind', `must be one of ${ROUTER_KINDS.join(', ')}, got ${JSON.stringify(r.kind)}`, `use one of ${ROUTER_KINDS.join(', ')}`);
  }
  const router = { ...r } as unknown as RouterOptions;
  resolveRouter(router, model.experts, 'router'); // every knob checked against the router kind and the experts

  let data: TrainConfig['data'];
  if (top.dataFile !== undefined && top.corpus !== undefined) {
    throw invalidInput('dataFile', 'is given together with corpus', 'give one: a bundled corpus or a text file');
  }
  if (top.dataFile !== undefined) {
    if (typeof top.dataFile !== 'string' || top.dataFile.trim() === '') throw invalidInput('dataFile', 'must be a path to a UTF-8 text file', 'give the path of a text file, or a bundled corpus');
    data = { file: resolvePath(cwd, top.dataFile) };
  } else {
    const corpus = top.corpus ?? 'moby-dick';
    if (typeof corpus !== 'string' || !(BUNDLED_CORPORA as readonly string[]).includes(corpus)) {
      throw invalidInput('corpus', `must be one of ${BUNDLED_CORPORA.join(', ')}, got ${JSON.stringify(corpus)}`, 'or give a text file as dataFile');
    }
    data = { corpus: corpus as BundledCorpus };
  }
  const tokenizer = top.tokenizer ?? 'byte';
  if (tokenizer !== 'byte' && tokenizer !== 'char') throw invalidInput('tokenizer', `must be "byte" or "char", got ${JSON.stringify(tokenizer)}`, 'use byte (default) or char');

  const steps = int(top.steps, 'steps', 1, 100);
  const o = object(top.optimizer, 'optimizer');
  onlyKeys(o, ['lr', 'warmupSteps', 'minLrRatio', 'weightDecay', 'clipNorm'], 'optimizer');
  const optimizer: OptimizerConfig = {
    lr: num(o.lr, 'optimizer.lr', (v) => v > 0, 'a number > 0', 1e-3),
    warmupSteps: int(o.warmupSteps, 'optimizer.warmupSteps', 0, Math.floor(steps / 10)),
    minLrRatio: num(o.minLrRatio, 'optimizer.minLrRatio', (v) => v >= 0 && v <= 1, 'in [0, 1]', 0.1),
    weightDecay: num(o.weightDecay, 'optimizer.weightDecay', (v) => v >= 0, 'a number >= 0', 0.1),
    clipNorm: num(o.clipNorm, 'optimizer.clipNorm', (v) => v >= 0, 'a number >= 0 (0: no clipping)', 1),
  };
  if (optimizer.warmupSteps > steps) {
    throw invalidInput('optimizer.warmupSteps', `${optimizer.warmupSteps} is more than the ${steps} steps`, 'use fewer warm-up steps than steps');
  }
  const name = top.name ?? `moe-${router.kind}${model.dense ? `-dense-${model.dense}` : ''}`;
  if (typeof name !== 'string' || name.trim() === '') throw invalidInput('name', 'must be a non-empty string', 'give the training a name, or leave it out');
  let checkpointDir: string | null = null;
  if (top.checkpointDir !== undefined && top.checkpointDir !== null) {
    if (typeof top.checkpointDir !== 'string' || top.checkpointDir.trim() === '') throw invalidInput('checkpointDir', 'must be a directory path', 'give a folder for the checkpoints, or leave it out');
    checkpointDir = resolvePath(cwd, top.checkpointDir);
  }
  const checkpointInterval = int(top.checkpointInterval, 'checkpointInterval', 0, 0);
  if (checkpointInterval > 0 && checkpointDir === null) {
    throw invalidInput('checkpointInterval', 'needs a checkpoint directory', 'give checkpointDir too');
  }
  return {
    name,
    data,
    tokenizer,
    model,
    router,
    optimizer,
    batch: int(top.batch, 'batch', 1, 8),
    steps,
    evalInterval: int(top.evalInterval, 'evalInterval', 1, Math.max(1, Math.floor(steps / 10))),
    evalBatches: int(top.evalBatches, 'evalBatches', 1, 2),
    deadWindow: int(top.deadWindow, 'deadWindow', 1, 20),
    seed: int(top.seed, 'seed', 0, 1),
    checkpointDir,
    checkpointInterval,
  };
}

function resolvePath(cwd: string, p: string): string {
  return p.startsWith('/') ? p : `${cwd.replace(/\/+$/, '')}/${p}`;
}

/** The language-model options of a config for a vocabulary of `vocab` tokens. */
export function lmOptionsOf(c: TrainConfig, vocab: number): LmOptions {
  const moe: LmOptions = {
    vocab,
    seqLen: c.model.seqLen,
    dModel: c.model.dModel,
    heads: c.model.heads,
    layers: c.model.layers,
    seed: c.seed,
    ffn: { kind: 'moe', experts: c.model.experts, dHidden: c.model.dHidden, router: c.router, every: c.model.every },
  };
  return moe;
}

/**
 * The part of a config that decides the result: a checkpoint taken under one fingerprint resumes only under the
 * same (name and checkpoint settings may change).
 */
export function configFingerprint(c: TrainConfig): string {
  const { name: _n, checkpointDir: _d, checkpointInterval: _i, ...rest } = c;
  return JSON.stringify(rest);
}
