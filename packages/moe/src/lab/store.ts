// The MoE lab's tables in Verdant's store (SQLite or PostgreSQL; migration 0007_moe_lab in @verdant/core): this
// module owns them and every query on them, as @verdant/schedule's JobQueue owns the job tables.
import { ExitCode, VerdantError, nowS, type Store } from '@verdant/core';
import type { Kysely } from 'kysely';
import type { LayerMetrics } from '../metrics.js';

export interface MoeTrainingsTable {
  id: string;
  name: string;
  /** 'lab' (verdant moe train) or 'pytorch' (integrations/python/verdant_moe.py). */
  source: string;
  /** running | checkpointed | succeeded | failed */
  status: string;
  config: string;
  steps_done: number;
  total_steps: number | null;
  tokens: number;
  train_s: number;
  final_loss: number | null;
  eval_loss: number | null;
  created_at: number;
  updated_at: number;
}

export interface MoeTrainingRunsTable {
  training_id: string;
  run_id: string;
  attempt: number;
  from_step: number;
}

export interface MoeStepsTable {
  training_id: string;
  step: number;
  run_id: string;
  t: number;
  train_s: number;
  tokens: number;
  loss: number | null;
  ce: number | null;
  lr: number | null;
  eval_loss: number | null;
}

export interface MoeLayerStepsTable {
  training_id: string;
  step: number;
  layer: number;
  load_before: string;
  load_after: string;
  share: string;
  cv: number;
  max_vio: number;
  global_max_vio: number | null;
  token_entropy: number;
  marginal_entropy: number;
  dropped_fraction: number;
  unrouted_fraction: number;
  aux_loss: number | null;
  z_loss: number | null;
  seq_aux_loss: number | null;
  bias: string | null;
  experts_per_token: number | null;
  dead: string;
  near_dead: string;
  top1_change: number | null;
}

export interface MoeDatabase {
  moe_trainings: MoeTrainingsTable;
  moe_training_runs: MoeTrainingRunsTable;
  moe_steps: MoeStepsTable;
  moe_layer_steps: MoeLayerStepsTable;
}

/** One MoE layer's metrics at one step: those of `layerMetrics`, the dead experts over the window, and the eval ones. */
export interface StepLayerMetrics extends LayerMetrics {
  /** Experts with no assignment in the window's steps, and those below 0.1 of the fair share. */
  dead: number[];
  nearDead: number[];
  /** MaxVio of the load summed over the fixed held-out set (eval steps only). */
  globalMaxVio: number | null;
  /** Share of the probe batch whose top-1 expert changed since the previous eval (eval steps after the first). */
  top1Change: number | null;
}

/** A stored layer row, as `moe show --json` and the CSV give it (null where a metric does not apply). */
export interface LayerStep {
  step: number;
  layer: number;
  loadBefore: number[];
  loadAfter: number[];
  share: number[];
  cv: number;
  maxVio: number;
  globalMaxVio: number | null;
  tokenEntropy: number;
  marginalEntropy: number;
  droppedFraction: number;
  unroutedFraction: number;
  auxLoss: number | null;
  zLoss: number | null;
  seqAuxLoss: number | null;
  bias: number[] | null;
  expertsPerToken: number | null;
  dead: number[];
  nearDead: number[];
  top1Change: number | null;
}

export interface StepRecord {
  step: number;
  runId: string;
  /** Epoch seconds at the end of the step. */
  t: number;
  /** Training seconds up to the end of the step (all attempts, evaluations excluded). */
  trainS: number;
  /** Tokens trained on up to the end of the step. */
  tokens: number;
  loss: number | null;
  ce: number | null;
  lr: number | null;
  evalLoss: number | null;
}

export interface Training {
  id: string;
  name: string;
  source: string;
  status: string;
  config: Record<string, unknown>;
  stepsDone: number;
  totalSteps: number | null;
  tokens: number;
  trainS: number;
  finalLoss: number | null;
  evalLoss: number | null;
  createdAt: number;
  updatedAt: number;
  /** The Verdant runs that measured it, in order. */
  runs: Array<{ runId: string; attempt: number; fromStep: number }>;
}

const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const parseList = (s: string | null): number[] | null => (s === null ? null : (JSON.parse(s) as number[]));

export function layerRow(trainingId: string, step: number, layer: number, m: StepLayerMetrics): MoeLayerStepsTable {
  return {
    training_id: trainingId,
    step,
    layer,
    load_before: JSON.stringify(m.loadBefore),
    load_after: JSON.stringify(m.loadAfter),
    share: JSON.stringify(m.share),
    cv: m.cv,
    max_vio: m.maxVio,
    global_max_vio: finite(m.globalMaxVio),
    token_entropy: m.tokenEntropy,
    marginal_entropy: m.marginalEntropy,
    dropped_fraction: m.droppedFraction,
    unrouted_fraction: m.unroutedFraction,
    aux_loss: finite(m.auxLoss),
    z_loss: finite(m.zLoss),
    seq_aux_loss: finite(m.seqAuxLoss),
    bias: m.bias ? JSON.stringify(m.bias) : null,
    experts_per_token: finite(m.expertsPerToken),
    dead: JSON.stringify(m.dead),
    near_dead: JSON.stringify(m.nearDead),
    top1_change: finite(m.top1Change),
  };
}

function toLayerStep(r: MoeLayerStepsTable): LayerStep {
  return {
    step: Number(r.step),
    layer: Number(r.layer),
    loadBefore: parseList(r.load_before)!,
    loadAfter: parseList(r.load_after)!,
    share: parseList(r.share)!,
    cv: r.cv,
    maxVio: r.max_vio,
    globalMaxVio: r.global_max_vio,
    tokenEntropy: r.token_entropy,
    marginalEntropy: r.marginal_entropy,
    droppedFraction: r.dropped_fraction,
    unroutedFraction: r.unrouted_fraction,
    auxLoss: r.aux_loss,
    zLoss: r.z_loss,
    seqAuxLoss: r.seq_aux_loss,
    bias: parseList(r.bias),
    expertsPerToken: r.experts_per_token,
    dead: parseList(r.dead)!,
    nearDead: parseList(r.near_dead)!,
    top1Change: r.top1_change,
  };
}

/** The lab's trainings, steps and router metrics in a Verdant store. */
export class MoeStore {
  constructor(private readonly db: Kysely<MoeDatabase>) {}

  static of(store: Store): MoeStore {
    return new MoeStore(store.db as unknown as Kysely<MoeDatabase>);
  }

  /** Creates the training (a no-op when it exists: a resumed attempt) and records `runId` as its attempt. */
  async begin(t: { id: string; name: string; source: string; config: unknown; totalSteps: number | null; runId: string; fromStep: number; now?: number }): Promise<void> {
    const now = t.now ?? nowS();
    // The first statement writes: on SQLite a transaction that reads first and writes later cannot wait for
    // another process's write lock (SQLITE_BUSY at once, "database is locked"), while a first write waits
    // under the busy timeout. Two trainings of a sweep start at the same moment on one store.
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('moe_trainings')
        .values({
          id: t.id, name: t.name, source: t.source, status: 'running', config: JSON.stringify(t.config), steps_done: 0,
          total_steps: t.totalSteps, tokens: 0, train_s: 0, final_loss: null, eval_loss: null, created_at: now, updated_at: now,
        })
        .onConflict((oc) => oc.column('id').doUpdateSet({ status: 'running', updated_at: now }))
        .execute();
      const attempt = await tx.selectFrom('moe_training_runs').select('run_id').where('training_id', '=', t.id).where('run_id', '=', t.runId).executeTakeFirst();
      if (!attempt) {
        const n = await tx.selectFrom('moe_training_runs').select((eb) => eb.fn.countAll<number | string>().as('n')).where('training_id', '=', t.id).executeTakeFirst();
        await tx.insertInto('moe_training_runs').values({ training_id: t.id, run_id: t.runId, attempt: Number(n?.n ?? 0) + 1, from_step: t.fromStep }).execute();
      }
    });
  }

  /** Writes one step and its layers' metrics (again, if an earlier attempt wrote that step and did not checkpoint it). */
  async recordStep(trainingId: string, s: StepRecord, layers: ReadonlyArray<{ layer: number; metrics: StepLayerMetrics }>): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('moe_layer_steps').where('training_id', '=', trainingId).where('step', '=', s.step).execute();
      await tx.deleteFrom('moe_steps').where('training_id', '=', trainingId).where('step', '=', s.step).execute();
      await tx.insertInto('moe_steps').values({
        training_id: trainingId, step: s.step, run_id: s.runId, t: s.t, train_s: s.trainS, tokens: s.tokens,
        loss: finite(s.loss), ce: finite(s.ce), lr: finite(s.lr), eval_loss: finite(s.evalLoss),
      }).execute();
      if (layers.length > 0) await tx.insertInto('moe_layer_steps').values(layers.map((l) => layerRow(trainingId, s.step, l.layer, l.metrics))).execute();
      await tx.updateTable('moe_trainings').set({
        steps_done: s.step, tokens: s.tokens, train_s: s.trainS, updated_at: s.t,
        ...(finite(s.loss) !== null ? { final_loss: s.loss } : {}),
        ...(finite(s.evalLoss) !== null ? { eval_loss: s.evalLoss } : {}),
      }).where('id', '=', trainingId).execute();
    });
  }

  async setStatus(id: string, status: 'running' | 'checkpointed' | 'succeeded' | 'failed'): Promise<void> {
    await this.db.updateTable('moe_trainings').set({ status, updated_at: nowS() }).where('id', '=', id).execute();
  }

  async get(id: string): Promise<Training | undefined> {
    const row = await this.db.selectFrom('moe_trainings').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const runs = await this.db.selectFrom('moe_training_runs').selectAll().where('training_id', '=', id).orderBy('attempt').execute();
    return {
      id: row.id, name: row.name, source: row.source, status: row.status, config: JSON.parse(row.config) as Record<string, unknown>,
      stepsDone: Number(row.steps_done), totalSteps: row.total_steps === null ? null : Number(row.total_steps), tokens: row.tokens,
      trainS: row.train_s, finalLoss: row.final_loss, evalLoss: row.eval_loss, createdAt: row.created_at, updatedAt: row.updated_at,
      runs: runs.map((r) => ({ runId: r.run_id, attempt: Number(r.attempt), fromStep: Number(r.from_step) })),
    };
  }

  /**
   * The training a user names: its id, the id of any Verdant run that measured it, or a unique prefix of either.
   * Throws a VerdantError naming `field` when none or several match.
   */
  async resolve(idOrPrefix: string, field = 'run'): Promise<string> {
    const exact = await this.db.selectFrom('moe_trainings').select('id').where('id', '=', idOrPrefix).executeTakeFirst();
    if (exact) return exact.id;
    const byRun = await this.db.selectFrom('moe_training_runs').select('training_id').where('run_id', '=', idOrPrefix).executeTakeFirst();
    if (byRun) return byRun.training_id;
    const n = idOrPrefix.length;
    const a = await this.db.selectFrom('moe_trainings').select('id as v').where((eb) => eb(eb.fn('substr', ['id', eb.val(1), eb.val(n)]), '=', idOrPrefix)).limit(3).execute();
    const b = await this.db.selectFrom('moe_training_runs').select('training_id as v').where((eb) => eb(eb.fn('substr', ['run_id', eb.val(1), eb.val(n)]), '=', idOrPrefix)).limit(3).execute();
    const ids = [...new Set([...a, ...b].map((r) => r.v))];
    if (ids.length === 1) return ids[0]!;
    throw new VerdantError(ids.length === 0 ? `no MoE training or run ${idOrPrefix} in the store` : `${idOrPrefix} matches several MoE trainings (${ids.join(', ')})`, {
      field,
      fix: ids.length === 0 ? 'list them with `verdant moe list`' : 'give more characters of the id',
      exitCode: ExitCode.usage,
    });
  }

  async list(limit = 50): Promise<Training[]> {
    const rows = await this.db.selectFrom('moe_trainings').select('id').orderBy('created_at', 'desc').limit(limit).execute();
    const out: Training[] = [];
    for (const r of rows) out.push((await this.get(r.id))!);
    return out;
  }

  /** The training's steps in order; with `fromStep`, those from that step on. */
  async steps(id: string, options: { fromStep?: number } = {}): Promise<StepRecord[]> {
    let q = this.db.selectFrom('moe_steps').selectAll().where('training_id', '=', id);
    if (options.fromStep !== undefined) q = q.where('step', '>=', options.fromStep);
    const rows = await q.orderBy('step').execute();
    return rows.map((r) => ({
      step: Number(r.step), runId: r.run_id, t: r.t, trainS: r.train_s, tokens: r.tokens, loss: r.loss, ce: r.ce, lr: r.lr, evalLoss: r.eval_loss,
    }));
  }

  async layerSteps(id: string, options: { layer?: number; fromStep?: number } = {}): Promise<LayerStep[]> {
    let q = this.db.selectFrom('moe_layer_steps').selectAll().where('training_id', '=', id);
    if (options.layer !== undefined) q = q.where('layer', '=', options.layer);
    if (options.fromStep !== undefined) q = q.where('step', '>=', options.fromStep);
    const rows = await q.orderBy('step').orderBy('layer').execute();
    return rows.map(toLayerStep);
  }

  /** The last stored step of each layer. */
  async lastLayers(id: string): Promise<LayerStep[]> {
    const last = await this.db.selectFrom('moe_layer_steps').select((eb) => eb.fn.max('step').as('s')).where('training_id', '=', id).executeTakeFirst();
    if (last?.s === null || last?.s === undefined) return [];
    return this.layerSteps(id, { fromStep: Number(last.s) });
  }
}
