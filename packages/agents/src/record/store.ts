/**
 * Recorded agent runs in the Verdant store (SQLite or PostgreSQL; tables of migration 0009_agent_runs):
 * the writer used by runAgent's `record` option, and the readers behind `verdant agent runs` and
 * `GET /api/agent-runs`. Times are epoch seconds.
 */
import type { Kysely } from 'kysely';
import { ExitCode, invalidInput, VerdantError, type Store } from '@verdant/core';
import { criticalPathMs } from '../plan/critical-path.js';

interface AgentRunsTable {
  id: string;
  name: string;
  vendor: string;
  model: string;
  status: string;
  finish_reason: string | null;
  started_at: number;
  ended_at: number | null;
  steps: number;
  input_tokens: number | string;
  output_tokens: number | string;
  cost_usd: number | null;
  error: string | null;
}
interface AgentTurnsTable {
  run_id: string;
  step: number;
  started_at: number;
  first_token_at: number | null;
  ended_at: number | null;
  finish_reason: string | null;
  input_tokens: number | string;
  output_tokens: number | string;
  error: string | null;
}
interface AgentCallsTable {
  run_id: string;
  step: number;
  seq: number;
  call_id: string;
  tool: string;
  status: string;
  dispatched_at: number;
  started_at: number | null;
  ended_at: number | null;
  attempts: number;
  rate_wait_s: number;
  error: string | null;
  args: string | null;
  output: string | null;
}
interface AgentDatabase {
  agent_runs: AgentRunsTable;
  agent_turns: AgentTurnsTable;
  agent_calls: AgentCallsTable;
}

export const db = (store: Store): Kysely<AgentDatabase> => store.db as unknown as Kysely<AgentDatabase>;

/** `running` until the run ends; then `finished`, `failed` (it threw) or `cancelled`. */
export type AgentRunStatus = 'running' | 'finished' | 'failed' | 'cancelled';

export interface AgentRunSummary {
  id: string;
  name: string;
  vendor: string;
  model: string;
  status: AgentRunStatus;
  finishReason: string | null;
  startedAt: number;
  endedAt: number | null;
  steps: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  error: string | null;
}

export interface AgentTurnRecord {
  step: number;
  startedAt: number;
  firstTokenAt: number | null;
  endedAt: number | null;
  finishReason: string | null;
  inputTokens: number;
  outputTokens: number;
  error: string | null;
}

export interface AgentCallRecord {
  step: number;
  /** Order of dispatch within the run. */
  seq: number;
  callId: string;
  tool: string;
  /** `queued` (dispatched, waiting for a slot or the rate limit), `running`, `ok`, or the error kind. */
  status: string;
  dispatchedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  attempts: number;
  /** Seconds between dispatch and first start (slots and rate limit together). */
  queueWaitS: number | null;
  /** Of which held back by the tool's rate limit. */
  rateWaitS: number;
  error: string | null;
  /** Present only when the run was recorded with includeArgs (after the redact hook). */
  args?: unknown;
  output?: unknown;
}

export interface AgentRunDetail extends AgentRunSummary {
  turns: AgentTurnRecord[];
  calls: AgentCallRecord[];
  /** Per step: the seconds of its longest call (the calls run in parallel, so it bounds the step), and that call's seq. */
  criticalPath: Array<{ step: number; seconds: number; seq: number | null }>;
}

const num = (v: number | string | null): number => (v === null ? 0 : Number(v));

function summary(r: AgentRunsTable): AgentRunSummary {
  return {
    id: r.id,
    name: r.name,
    vendor: r.vendor,
    model: r.model,
    status: r.status as AgentRunStatus,
    finishReason: r.finish_reason,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    steps: r.steps,
    inputTokens: num(r.input_tokens),
    outputTokens: num(r.output_tokens),
    costUsd: r.cost_usd,
    error: r.error,
  };
}

/** The most recent runs first. */
export async function listAgentRuns(store: Store, options: { limit?: number } = {}): Promise<AgentRunSummary[]> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidInput('limit', `must be a whole number from 1 to 1000, got ${limit}`);
  const rows = await db(store).selectFrom('agent_runs').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(summary);
}

/** One run with its turns and calls; a VerdantError (not found) when there is none of that id. */
export async function getAgentRun(store: Store, id: string): Promise<AgentRunDetail> {
  const run = await db(store).selectFrom('agent_runs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!run) throw new VerdantError(`no agent run "${id}"`, { field: 'id', fix: 'list the runs with `verdant agent runs list`', exitCode: ExitCode.notFound });
  const [turns, calls] = await Promise.all([
    db(store).selectFrom('agent_turns').selectAll().where('run_id', '=', id).orderBy('step').execute(),
    db(store).selectFrom('agent_calls').selectAll().where('run_id', '=', id).orderBy('seq').execute(),
  ]);
  const callRecords = calls.map(
    (c): AgentCallRecord => ({
      step: c.step,
      seq: c.seq,
      callId: c.call_id,
      tool: c.tool,
      status: c.status,
      dispatchedAt: c.dispatched_at,
      startedAt: c.started_at,
      endedAt: c.ended_at,
      attempts: c.attempts,
      queueWaitS: c.started_at === null ? null : Math.max(0, c.started_at - c.dispatched_at),
      rateWaitS: c.rate_wait_s,
      error: c.error,
      ...(c.args !== null ? { args: JSON.parse(c.args) as unknown } : {}),
      ...(c.output !== null ? { output: JSON.parse(c.output) as unknown } : {}),
    }),
  );
  const steps = [...new Set(callRecords.map((c) => c.step))].sort((a, b) => a - b);
  const criticalPath = steps.map((step) => {
    const inStep = callRecords.filter((c) => c.step === step);
    const timed = inStep.map((c) => ({ c, s: (c.endedAt ?? c.dispatchedAt) - c.dispatchedAt }));
    const longest = timed.reduce<{ c: AgentCallRecord; s: number } | undefined>((best, t) => (!best || t.s > best.s ? t : best), undefined);
    // Calls of one step run independently: the longest (dispatch to end) is the step's critical path.
    const seconds = criticalPathMs(timed.map((t) => ({ id: t.c.seq, deps: [], durationMs: t.s * 1000 }))) / 1000;
    return { step, seconds, seq: longest?.c.seq ?? null };
  });
  return {
    ...summary(run),
    turns: turns.map((t) => ({
      step: t.step,
      startedAt: t.started_at,
      firstTokenAt: t.first_token_at,
      endedAt: t.ended_at,
      finishReason: t.finish_reason,
      inputTokens: num(t.input_tokens),
      outputTokens: num(t.output_tokens),
      error: t.error,
    })),
    calls: callRecords,
    criticalPath,
  };
}

/** A run as the faces print it (`verdant agent runs list --json`, GET /api/agent-runs): snake_case, units in the names. */
export function agentRunListItem(r: AgentRunSummary): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    vendor: r.vendor,
    model: r.model,
    status: r.status,
    finish_reason: r.finishReason,
    started_at: r.startedAt,
    ended_at: r.endedAt,
    duration_s: r.endedAt === null ? null : r.endedAt - r.startedAt,
    steps: r.steps,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cost_usd: r.costUsd,
    error: r.error,
  };
}

/** A run with its turns and calls as the faces print it (`verdant agent runs show --json`, GET /api/agent-runs/:id). */
export function agentRunDocument(r: AgentRunDetail): Record<string, unknown> {
  return {
    ...agentRunListItem(r),
    turns: r.turns.map((t) => ({
      step: t.step,
      started_at: t.startedAt,
      first_token_at: t.firstTokenAt,
      ended_at: t.endedAt,
      finish_reason: t.finishReason,
      input_tokens: t.inputTokens,
      output_tokens: t.outputTokens,
      error: t.error,
    })),
    calls: r.calls.map((c) => ({
      step: c.step,
      seq: c.seq,
      call_id: c.callId,
      tool: c.tool,
      status: c.status,
      dispatched_at: c.dispatchedAt,
      started_at: c.startedAt,
      ended_at: c.endedAt,
      attempts: c.attempts,
      queue_wait_s: c.queueWaitS,
      rate_wait_s: c.rateWaitS,
      error: c.error,
      ...('args' in c ? { args: c.args } : {}),
      ...('output' in c ? { output: c.output } : {}),
    })),
    critical_path: r.criticalPath.map((p) => ({ step: p.step, seconds: p.seconds, seq: p.seq })),
  };
}
