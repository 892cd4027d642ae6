// The MoE metrics channel of a measured program (integrations/python/verdant_moe.py, or any program): a file whose
// path `verdant run` gives the command in VERDANT_MOE_FILE, one JSON line per step:
//   {"step": 12, "total": 1000, "moe": {"step": 12, "loss": 2.1, "tokens": 4096, "layers": [{"layer": 0, "loadBefore": [...], ...}]}}
// with the lab's metric names (StepLayerMetrics). Its lines are stored as a training of source 'pytorch' whose id is
// the run's, with each of the tracker's writes and at the end. `moeRunChannel` is this channel as a run channel of
// @verdant/energy (the CLI registers it, so `verdant run` and the scheduler's jobs get it). Loads no tensor
// library: `verdant run` imports it.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@verdant/core';
import type { RunChannelDescriptor } from '@verdant/energy';
import { MoeStore, type StepLayerMetrics } from './store.js';

export const MOE_FILE_ENV = 'VERDANT_MOE_FILE';

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): number | null => (isNum(v) ? v : null);
const list = (v: unknown): number[] | null => (Array.isArray(v) && v.every(isNum) ? (v as number[]) : null);

/** One layer of a channel line as the lab's metrics, or undefined when it lacks what every layer has. */
export function parseChannelLayer(o: unknown): { layer: number; metrics: StepLayerMetrics } | undefined {
  if (o === null || typeof o !== 'object') return undefined;
  const r = o as Record<string, unknown>;
  const loadBefore = list(r.loadBefore);
  if (!Number.isInteger(r.layer) || !loadBefore || !isNum(r.cv) || !isNum(r.maxVio) || !isNum(r.tokenEntropy) || !isNum(r.marginalEntropy)) return undefined;
  return {
    layer: r.layer as number,
    metrics: {
      loadBefore,
      loadAfter: list(r.loadAfter) ?? loadBefore,
      share: list(r.share) ?? [],
      cv: r.cv,
      maxVio: r.maxVio,
      tokenEntropy: r.tokenEntropy,
      marginalEntropy: r.marginalEntropy,
      droppedFraction: numOrNull(r.droppedFraction) ?? 0,
      unroutedFraction: numOrNull(r.unroutedFraction) ?? 0,
      auxLoss: numOrNull(r.auxLoss) ?? Number.NaN,
      zLoss: numOrNull(r.zLoss) ?? Number.NaN,
      seqAuxLoss: numOrNull(r.seqAuxLoss) ?? Number.NaN,
      bias: list(r.bias),
      expertsPerToken: numOrNull(r.expertsPerToken),
      dead: list(r.dead) ?? [],
      nearDead: list(r.nearDead) ?? [],
      globalMaxVio: numOrNull(r.globalMaxVio),
      top1Change: numOrNull(r.top1Change),
    },
  };
}

/** Stores channel lines one by one as the MoE training of one run, keeping what spans lines (the token count). */
class ChannelIngestor {
  private begun = false;
  private tokens = 0;
  stored = 0;

  constructor(private readonly runId: string, private readonly name: string, private readonly now?: number) {}

  async line(moe: MoeStore, line: string): Promise<void> {
    if (line.trim() === '') return;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const m = rec?.moe as Record<string, unknown> | undefined;
    if (!m || typeof m !== 'object' || !Array.isArray(m.layers)) return;
    const step = Number.isInteger(m.step) ? (m.step as number) : Number.isInteger(rec.step) ? (rec.step as number) : this.stored + 1;
    const layers = m.layers.map(parseChannelLayer).filter((l): l is NonNullable<typeof l> => l !== undefined);
    if (!this.begun) {
      await moe.begin({
        id: this.runId, name: this.name, source: 'pytorch', runId: this.runId, fromStep: 0,
        config: { source: 'pytorch', topK: m.topK ?? null, layerNames: (m.layers as Array<{ name?: unknown }>).map((l) => (typeof l?.name === 'string' ? l.name : null)) },
        totalSteps: Number.isInteger(rec.total) ? (rec.total as number) : null, ...(this.now !== undefined ? { now: this.now } : {}),
      });
      this.begun = true;
    }
    if (isNum(m.tokens)) this.tokens += m.tokens;
    await moe.recordStep(this.runId, {
      step, runId: this.runId, t: isNum(m.t) ? m.t : (this.now ?? Date.now() / 1000), trainS: 0, tokens: this.tokens,
      loss: numOrNull(m.loss), ce: null, lr: null, evalLoss: null,
    }, layers);
    this.stored++;
  }

  save(): { begun: boolean; tokens: number; stored: number } {
    return { begun: this.begun, tokens: this.tokens, stored: this.stored };
  }

  restore(s: { begun: boolean; tokens: number; stored: number }): void {
    ({ begun: this.begun, tokens: this.tokens, stored: this.stored } = s);
  }

  async end(moe: MoeStore): Promise<number> {
    if (this.begun) await moe.setStatus(this.runId, 'succeeded');
    return this.stored;
  }
}

/**
 * Stores a channel's text (its lines) as the MoE training of run `runId`. Lines that are not JSON or carry no `moe`
 * are skipped (a program's channel is not trusted to be well formed); returns how many steps were stored.
 */
export async function ingestChannel(store: Store, runId: string, text: string, options: { name?: string; now?: number } = {}): Promise<number> {
  const moe = MoeStore.of(store);
  const ing = new ChannelIngestor(runId, options.name ?? 'pytorch', options.now);
  for (const line of text.split('\n')) await ing.line(moe, line);
  return ing.end(moe);
}

/**
 * A channel file for one measured command: its path (for VERDANT_MOE_FILE); `poll` stores the lines written since
 * the last call while the command runs, `finish` stores the rest and removes the file (`moeRunChannel` calls them
 * with the tracker's writes and at its stop).
 */
export class MoeChannel {
  private offset = 0;
  private partial = '';
  private ingestor: ChannelIngestor | undefined;
  private busy: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  static create(): MoeChannel {
    return new MoeChannel(join(tmpdir(), `verdant-moe-${randomBytes(8).toString('hex')}.jsonl`));
  }

  /** Complete lines appended since the last read. */
  private async readNew(): Promise<string[]> {
    // Most commands never write here: a check costs less than a failed open (an error with a stack) a second.
    if (this.offset === 0 && !existsSync(this.path)) return [];
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch {
      return []; // nothing written yet
    }
    try {
      const chunks: Buffer[] = [];
      for (;;) {
        const buf = Buffer.alloc(64 * 1024);
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        chunks.push(buf.subarray(0, bytesRead));
      }
      const text = this.partial + Buffer.concat(chunks).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      return lines;
    } finally {
      await fh.close();
    }
  }

  private async ingest(moe: MoeStore, lines: string[], runId: string, name: string): Promise<void> {
    this.ingestor ??= new ChannelIngestor(runId, name);
    for (const line of lines) await this.ingestor.line(moe, line);
  }

  /**
   * Stores the lines written since the last call. When storing fails the same lines are read again next time (a
   * step written twice is replaced, not doubled) and the error goes on.
   */
  private async storeNew(store: Store, runId: string, name: string): Promise<void> {
    const offset = this.offset;
    const partial = this.partial;
    const ingestor = this.ingestor;
    const state = ingestor?.save();
    const lines = await this.readNew();
    if (lines.length === 0) return;
    try {
      await this.ingest(MoeStore.of(store), lines, runId, name);
    } catch (e) {
      this.offset = offset;
      this.partial = partial;
      this.ingestor = ingestor;
      if (ingestor && state) ingestor.restore(state);
      throw e;
    }
  }

  /** Stores the lines written since the last call as the training of run `runId` (one call at a time). */
  poll(store: Store, runId: string, name = 'pytorch'): Promise<void> {
    const next = this.busy.then(() => this.storeNew(store, runId, name));
    this.busy = next.catch(() => undefined);
    return next;
  }

  /** Removes the file without storing anything (a run measured without a store). */
  async discard(): Promise<void> {
    await this.busy;
    await rm(this.path, { force: true });
  }

  /** Stores what the command wrote and is not stored yet (nothing when it wrote nothing) under its run, then removes the file. */
  async finish(store: Store, runId: string, name = 'pytorch'): Promise<number> {
    await this.busy;
    try {
      const lines = await this.readNew();
      if (this.partial.trim() !== '') lines.push(this.partial);
      this.partial = '';
      const moe = MoeStore.of(store);
      await this.ingest(moe, lines, runId, name);
      return this.ingestor ? await this.ingestor.end(moe) : 0;
    } finally {
      await rm(this.path, { force: true });
    }
  }
}

/**
 * The MoE channel as a run channel of @verdant/energy: every measured command is given VERDANT_MOE_FILE, and what
 * it writes there is stored as the MoE training of its run with each of the tracker's writes (live) and at its end.
 * Registered by the composition root (the CLI: `registerRunChannel(moeRunChannel)`).
 */
export const moeRunChannel: RunChannelDescriptor = {
  name: 'moe',
  open({ runId, name, store }) {
    const channel = MoeChannel.create();
    return {
      env: { [MOE_FILE_ENV]: channel.path },
      poll: async () => {
        if (store) await channel.poll(store, runId, name);
      },
      finish: async () => {
        if (store) await channel.finish(store, runId, name);
        else await channel.discard();
      },
    };
  },
};
