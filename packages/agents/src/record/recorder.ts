/**
 * Writes a run to the store as it goes (runAgent's `record` option): the run row when it starts, a turn row
 * when a turn starts, a call row when a call is dispatched, updated when it starts and when it ends, so a
 * dashboard sees a run live. Writes are queued in order and never block or fail the run: a failed write is
 * logged and the run goes on; the run's result resolves after its last write.
 */
import { newId, type Logger, type Store } from '@verdant/core';
import type { ModelAdapter, ToolCall, ToolResult, Usage } from '../types.js';
import { db, type AgentRunStatus } from './store.js';

export interface RecordOptions {
  store: Store;
  /** A label for listings (default: the model id). */
  name?: string;
  /** The run's id (default: a new "arun_…" id). */
  runId?: string;
  /** Store each call's arguments and output (default false: times, status and errors only). */
  includeArgs?: boolean;
  /** Applied to arguments and outputs before they are stored (only with includeArgs): return what may be kept. */
  redact?: (value: unknown, where: { tool: string; kind: 'args' | 'output' }) => unknown;
}

const now = () => Date.now() / 1000;

export class RunRecorder {
  readonly runId: string;
  private chain: Promise<void> = Promise.resolve();
  private seq = 0;
  private readonly seqOf = new Map<string, number>();

  constructor(
    private readonly options: RecordOptions,
    private readonly logger: Logger | undefined,
  ) {
    this.runId = options.runId ?? newId('arun');
  }

  private write(what: string, fn: () => Promise<unknown>): void {
    this.chain = this.chain.then(fn).then(
      () => undefined,
      (err: unknown) => this.logger?.warn({ err, runId: this.runId, what }, 'recording the agent run failed'),
    );
  }

  /** Resolves when every write so far is done. */
  flush(): Promise<void> {
    return this.chain;
  }

  runStarted(model: ModelAdapter): void {
    const row = { id: this.runId, name: this.options.name ?? model.modelId, vendor: model.vendor, model: model.modelId, status: 'running', started_at: now(), steps: 0, input_tokens: 0, output_tokens: 0 };
    this.write('run', () => db(this.options.store).insertInto('agent_runs').values(row).execute());
  }

  turnStarted(step: number): void {
    const row = { run_id: this.runId, step, started_at: now(), input_tokens: 0, output_tokens: 0 };
    this.write('turn', () => db(this.options.store).insertInto('agent_turns').values(row).execute());
  }

  turnFinished(step: number, r: { firstTokenAt?: number; finishReason?: string; usage?: Usage; error?: string }): void {
    const set = {
      ended_at: now(),
      first_token_at: r.firstTokenAt ?? null,
      finish_reason: r.finishReason ?? null,
      input_tokens: r.usage?.inputTokens ?? 0,
      output_tokens: r.usage?.outputTokens ?? 0,
      error: r.error ?? null,
    };
    this.write('turn', () => db(this.options.store).updateTable('agent_turns').set(set).where('run_id', '=', this.runId).where('step', '=', step).execute());
  }

  callDispatched(step: number, call: ToolCall): void {
    const seq = this.seq++;
    this.seqOf.set(call.id, seq);
    const row = {
      run_id: this.runId,
      step,
      seq,
      call_id: call.id,
      tool: call.name,
      status: 'queued',
      dispatched_at: now(),
      attempts: 0,
      rate_wait_s: 0,
      args: this.options.includeArgs ? this.keep(call.args, call.name, 'args') : null,
    };
    this.write('call', () => db(this.options.store).insertInto('agent_calls').values(row).execute());
  }

  callRepaired(call: ToolCall): void {
    const seq = this.seqOf.get(call.id);
    if (seq === undefined) return;
    const set = { tool: call.name, ...(this.options.includeArgs ? { args: this.keep(call.args, call.name, 'args') } : {}) };
    this.write('call', () => this.updateCall(seq, set));
  }

  callStarted(call: ToolCall, attempt: number): void {
    const seq = this.seqOf.get(call.id);
    if (seq === undefined) return;
    const at = now();
    this.write('call', () => (attempt === 1 ? this.updateCall(seq, { status: 'running', started_at: at, attempts: 1 }) : this.updateCall(seq, { attempts: attempt })));
  }

  rateLimitWaited(call: ToolCall, seconds: number): void {
    const seq = this.seqOf.get(call.id);
    if (seq === undefined) return;
    this.write('call', () =>
      db(this.options.store)
        .updateTable('agent_calls')
        .set((eb) => ({ rate_wait_s: eb('rate_wait_s', '+', seconds) }))
        .where('run_id', '=', this.runId)
        .where('seq', '=', seq)
        .execute(),
    );
  }

  callFinished(result: ToolResult): void {
    const seq = this.seqOf.get(result.callId);
    if (seq === undefined) return;
    const set = {
      status: result.ok ? 'ok' : result.error.kind,
      ended_at: result.finishedAt,
      attempts: result.attempts,
      ...(result.startedAt !== undefined ? { started_at: result.startedAt } : {}),
      error: result.ok ? null : result.error.message,
      ...(this.options.includeArgs && result.ok ? { output: this.keep(result.output, result.name, 'output') } : {}),
    };
    this.write('call', () => this.updateCall(seq, set));
  }

  runFinished(r: { status: AgentRunStatus; finishReason?: string; steps: number; usage: Usage; costUsd: number | undefined; error?: string }): Promise<void> {
    const set = {
      status: r.status,
      finish_reason: r.finishReason ?? null,
      ended_at: now(),
      steps: r.steps,
      input_tokens: r.usage.inputTokens,
      output_tokens: r.usage.outputTokens,
      cost_usd: r.costUsd ?? null,
      error: r.error ?? null,
    };
    this.write('run', () => db(this.options.store).updateTable('agent_runs').set(set).where('id', '=', this.runId).execute());
    return this.flush();
  }

  private updateCall(seq: number, set: Record<string, unknown>): Promise<unknown> {
    return db(this.options.store).updateTable('agent_calls').set(set).where('run_id', '=', this.runId).where('seq', '=', seq).execute();
  }

  private keep(value: unknown, tool: string, kind: 'args' | 'output'): string | null {
    const kept = this.options.redact ? this.options.redact(value, { tool, kind }) : value;
    return kept === undefined ? null : (JSON.stringify(kept) ?? null);
  }
}
