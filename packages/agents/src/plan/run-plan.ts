import { invalidInput } from '@verdant/core';
import { EventChannel, startChannelRun, type ChannelRun } from '../channel.js';
import { ToolExecutor } from '../executor/executor.js';
import type { ToolCallObserver } from '../metrics/observer.js';
import type { Message, ModelAdapter, Tool, Usage } from '../types.js';
import { addUsage, ZERO_USAGE } from '../usage.js';
import { PlanStreamParser, type PlanTask } from './parse.js';
import { describeResults, joinerPrompt, parseJoinDecision, plannerPrompt } from './prompts.js';
import { PlanScheduler, type TaskInvoker, type TaskOutcome } from './scheduler.js';

export interface RunPlanOptions {
  /** Writes the plan and, as the joiner, the answer. */
  model: ModelAdapter;
  /** The tools a plan may call; ignored when `executor` is given. */
  tools?: readonly Tool[];
  /** Runs the tasks under each tool's limits (share one to share limits and metrics with other runs). */
  executor?: ToolExecutor;
  /** Told about every tool call (e.g. `createAgentMetrics().observer`); ignored when `executor` is given. */
  observer?: ToolCallObserver;
  /** The conversation so far; the last user message is the question. */
  messages: Message[];
  /** Extra plans the joiner may ask for after the first (default 2). */
  maxReplans?: number;
  signal?: AbortSignal;
  /** Called for every event, in order (the same events the run's iterator yields). */
  onEvent?: (event: PlanEvent) => void;
}

/** A running plan: iterate it (or `.events`) for events in order, or await `.result`. */
export type PlanRun = ChannelRun<PlanEvent, PlanResult>;

export type PlanEvent =
  | { type: 'round-start'; round: number }
  | { type: 'plan-delta'; round: number; text: string }
  /** A task line completed in the model's stream (it starts as soon as its dependencies are done). */
  | { type: 'task-parsed'; round: number; task: PlanTask }
  | { type: 'task-start'; round: number; id: number; tool: string; args: Record<string, unknown> }
  | { type: 'task-end'; round: number; outcome: TaskOutcome }
  | { type: 'plan-end'; round: number; planText: string }
  | { type: 'join'; round: number; decision: 'finish' | 'replan'; text: string }
  | { type: 'finish'; result: PlanResult };

export interface PlanRound {
  round: number;
  planText: string;
  tasks: TaskOutcome[];
  joinerText: string;
  decision: 'finish' | 'replan';
}

export type PlanFinishReason = 'answer' | 'max-replans' | 'cancelled';

export interface PlanResult {
  /** The joiner's final answer (when replans ran out, its last reason; empty when cancelled). */
  text: string;
  rounds: PlanRound[];
  /** The input messages plus one assistant message with the answer. */
  messages: Message[];
  usage: Usage;
  finishReason: PlanFinishReason;
}

/**
 * LLMCompiler-style plan mode: the model streams a numbered plan of tool calls, each task runs the moment
 * its `$N` inputs exist (while the plan is still streaming), then a joiner call either answers or asks for
 * a new plan (at most `maxReplans` times) that sees every earlier result. Bad options throw at once, like
 * runAgent; errors of the model request reject `.result` and are thrown from the iterator.
 */
export function runPlan(options: RunPlanOptions): PlanRun {
  const maxReplans = options.maxReplans ?? 2;
  if (!Number.isInteger(maxReplans) || maxReplans < 0) {
    throw invalidInput('maxReplans', `must be a whole number >= 0, got ${maxReplans}`, 'use 0 to forbid replanning');
  }
  if (!options.executor && !options.tools) throw invalidInput('tools', 'no tools given', 'pass tools: [...] or an executor');
  if (options.messages.length === 0) throw invalidInput('messages', 'is empty', 'start the conversation with at least one user message');
  // The scheduler passes options.signal to every task, so the executor needs none of its own.
  const executor = options.executor ?? new ToolExecutor(options.tools!, options.observer ? { observer: options.observer } : {});
  const channel = new EventChannel<PlanEvent>();
  const emit = (event: PlanEvent) => {
    options.onEvent?.(event);
    channel.push(event);
  };
  return startChannelRun(channel, () => executePlan(options, executor, maxReplans, emit));
}

async function executePlan(options: RunPlanOptions, executor: ToolExecutor, maxReplans: number, emit: (event: PlanEvent) => void): Promise<PlanResult> {
  let usage = ZERO_USAGE;
  const count = (add: Usage) => {
    usage = addUsage(usage, add);
  };
  const rounds: PlanRound[] = [];
  const earlier = new Map<number, TaskOutcome>();

  const finish = (text: string, finishReason: PlanFinishReason): PlanResult => {
    const result: PlanResult = { text, rounds, messages: [...options.messages, { role: 'assistant', content: text }], usage, finishReason };
    emit({ type: 'finish', result });
    return result;
  };

  for (let round = 1; ; round++) {
    emit({ type: 'round-start', round });
    const canReplan = round <= maxReplans;
    let planText: string;
    let tasks: TaskOutcome[];
    let joinerText: string;
    try {
      ({ planText, tasks } = await planAndExecute(round, options, executor, earlier, count, emit));
      for (const outcome of tasks) earlier.set(outcome.id, outcome);
      joinerText = await complete(options.model, joinMessages(options.messages, rounds, planText, tasks, canReplan), count, options.signal);
    } catch (error) {
      // Cancellation ends the run like the agent loop's: a result with the rounds completed so far.
      if (options.signal?.aborted) return finish('', 'cancelled');
      throw error;
    }
    const decision = parseJoinDecision(joinerText);
    rounds.push({ round, planText, tasks, joinerText, decision: decision.action });
    emit({ type: 'join', round, decision: decision.action, text: joinerText });
    if (decision.action === 'finish') return finish(decision.answer, 'answer');
    if (!canReplan) return finish(decision.reason, 'max-replans');
  }
}

async function planAndExecute(
  round: number,
  options: RunPlanOptions,
  executor: ToolExecutor,
  earlier: ReadonlyMap<number, TaskOutcome>,
  count: (usage: Usage) => void,
  emit: (event: PlanEvent) => void,
): Promise<{ planText: string; tasks: TaskOutcome[] }> {
  const firstTaskId = Math.max(0, ...earlier.keys()) + 1;
  const parser = new PlanStreamParser(earlier.keys());
  const scheduler = new PlanScheduler({
    earlier,
    ...(options.signal ? { signal: options.signal } : {}),
    invoke: executorInvoker(executor, (task) => `plan-${round}-${task.id}`),
    onEvent: (e) => emit(e.type === 'task-start' ? { ...e, round } : { type: 'task-end', round, outcome: e.outcome }),
  });
  const accept = (tasks: PlanTask[]) => {
    for (const task of tasks) {
      emit({ type: 'task-parsed', round, task });
      scheduler.add(task);
    }
  };

  const messages: Message[] = [
    { role: 'system', content: withCallerSystem(plannerPrompt(executor.definitions, firstTaskId, earlier.size > 0), options.messages) },
    ...options.messages.filter((m) => m.role !== 'system'),
  ];
  if (earlier.size > 0) messages.push({ role: 'user', content: `Results so far:\n${describeResults([...earlier.values()])}` });

  let planText = '';
  try {
    for await (const event of options.model.stream({ messages, ...(options.signal ? { signal: options.signal } : {}) })) {
      if (event.type === 'text-delta') {
        planText += event.text;
        emit({ type: 'plan-delta', round, text: event.text });
        if (!parser.complete) accept(parser.push(event.text));
      } else if (event.type === 'usage') {
        count(event.usage);
      }
    }
    accept(parser.end());
  } catch (error) {
    // Tasks already started finish (or see the abort) before the error surfaces: nothing runs unobserved.
    scheduler.close();
    await scheduler.done();
    throw error;
  }
  scheduler.close();
  const tasks = await scheduler.done();
  emit({ type: 'plan-end', round, planText });
  return { planText, tasks };
}

/**
 * A TaskInvoker that runs each task through `executor` (validation, limits, retries, metrics) and turns a
 * failed ToolResult into a throw whose message starts with its kind (`validation: ...`), as the scheduler expects.
 */
export function executorInvoker(executor: ToolExecutor, callId: (task: PlanTask) => string = (task) => String(task.id)): TaskInvoker {
  return async (task, args, signal) => {
    const result = await executor.run({ id: callId(task), name: task.tool, args }, signal ? { signal } : {});
    if (result.ok) return result.output;
    throw new Error(`${result.error.kind}: ${result.error.message}`);
  };
}

function joinMessages(input: Message[], rounds: PlanRound[], planText: string, tasks: TaskOutcome[], canReplan: boolean): Message[] {
  const question = input.filter((m) => m.role !== 'system');
  const history = rounds.map((r) => `Plan ${r.round} results:\n${describeResults(r.tasks)}\nJoiner: ${r.joinerText}`).join('\n\n');
  const current = tasks.length > 0 ? describeResults(tasks) : `(the plan had no tasks)\n${planText}`;
  return [
    { role: 'system', content: withCallerSystem(joinerPrompt(canReplan), input) },
    ...question,
    { role: 'user', content: `${history ? `${history}\n\n` : ''}Latest plan results:\n${current}` },
  ];
}

/** The caller's own system messages follow the planner's or joiner's instructions (the format comes first). */
function withCallerSystem(instructions: string, messages: Message[]): string {
  const caller = messages.flatMap((m) => (m.role === 'system' ? [m.content] : []));
  return caller.length === 0 ? instructions : `${instructions}\n\n${caller.join('\n\n')}`;
}

/** Streams a plain-text completion and returns its text. */
async function complete(model: ModelAdapter, messages: Message[], count: (usage: Usage) => void, signal: AbortSignal | undefined): Promise<string> {
  let text = '';
  for await (const event of model.stream({ messages, ...(signal ? { signal } : {}) })) {
    if (event.type === 'text-delta') text += event.text;
    else if (event.type === 'usage') count(event.usage);
  }
  return text;
}
