import { JOIN_TOOL, type PlanTask, substituteReferences } from './parse.js';

/**
 * Runs one task's tool with its references already replaced by results. `signal` is the scheduler's (when it
 * has one); an invoker that attaches listeners per call should derive its own signal from it (the executor does).
 */
export type TaskInvoker = (task: PlanTask, args: Record<string, unknown>, signal: AbortSignal | undefined) => Promise<unknown>;

interface OutcomeBase {
  readonly id: number;
  readonly tool: string;
  /** Arguments after substitution (the raw ones when the task never started). */
  readonly args: Record<string, unknown>;
  /** performance.now() milliseconds; undefined when the task never started. */
  readonly startedMs: number | undefined;
  readonly endedMs: number;
}
export interface TaskSuccess extends OutcomeBase {
  readonly ok: true;
  readonly result: unknown;
}
export interface TaskFailure extends OutcomeBase {
  readonly ok: false;
  readonly error: string;
}
export type TaskOutcome = TaskSuccess | TaskFailure;

export type SchedulerEvent =
  | { readonly type: 'task-start'; readonly id: number; readonly tool: string; readonly args: Record<string, unknown> }
  | { readonly type: 'task-end'; readonly outcome: TaskOutcome };

export interface PlanSchedulerOptions {
  invoke: TaskInvoker;
  signal?: AbortSignal;
  onEvent?: (event: SchedulerEvent) => void;
  /** Outcomes of earlier plans (when replanning): new tasks may reference them; they are not re-run. */
  earlier?: ReadonlyMap<number, TaskOutcome>;
}

interface Waiting {
  readonly task: PlanTask;
  remaining: number;
}

/**
 * Runs plan tasks as a dependency graph: each task starts the moment its last dependency succeeds, even while
 * more tasks are still being added from the model's stream. A failed dependency fails its dependents with an
 * error naming it; nothing throws out of the scheduler.
 */
export class PlanScheduler {
  private readonly outcomes = new Map<number, TaskOutcome>();
  private readonly results = new Map<number, unknown>();
  private readonly waiting = new Map<number, Waiting>();
  private readonly dependents = new Map<number, number[]>();
  private readonly known = new Set<number>();
  private readonly added: number[] = [];
  private abortedWith: { reason: unknown } | undefined;
  private running = 0;
  private closed = false;
  private settle!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(private readonly options: PlanSchedulerOptions) {
    for (const [id, outcome] of options.earlier ?? []) {
      this.known.add(id);
      this.outcomes.set(id, outcome);
      if (outcome.ok) this.results.set(id, outcome.result);
    }
    const outer = options.signal;
    if (outer) {
      if (outer.aborted) this.abort(outer.reason);
      else outer.addEventListener('abort', () => this.abort(outer.reason), { once: true });
    }
  }

  /** Adds a task; it starts now if its dependencies already succeeded. */
  add(task: PlanTask): void {
    if (this.closed) throw new Error('PlanScheduler.add after close()');
    if (task.tool === JOIN_TOOL) return;
    if (this.known.has(task.id)) {
      // Reported, but never allowed to overwrite the first task's outcome that dependents rely on.
      const error = task.error ?? `task number ${task.id} is used twice in the plan`;
      const outcome: TaskFailure = { id: task.id, tool: task.tool, args: task.args, startedMs: undefined, endedMs: performance.now(), ok: false, error };
      this.options.onEvent?.({ type: 'task-end', outcome });
      return;
    }
    this.known.add(task.id);
    this.added.push(task.id);
    if (task.error) return this.fail(task, task.error);
    if (this.abortedWith) return this.fail(task, abortMessage(this.abortedWith.reason));
    let remaining = 0;
    for (const dep of task.deps) {
      const outcome = this.outcomes.get(dep);
      if (outcome && !outcome.ok) return this.fail(task, dependencyMessage(outcome));
      if (outcome) continue;
      if (!this.known.has(dep)) return this.fail(task, `task ${task.id} references $${dep}, which the plan does not define`);
      remaining++;
      let list = this.dependents.get(dep);
      if (!list) this.dependents.set(dep, (list = []));
      list.push(task.id);
    }
    if (remaining === 0) this.start(task);
    else this.waiting.set(task.id, { task, remaining });
  }

  /** No more tasks will be added; done() resolves once every added task has settled. */
  close(): void {
    this.closed = true;
    this.checkFinished();
  }

  /** The outcomes of this plan's tasks in the order they were added, once close() was called and all settled. */
  async done(): Promise<TaskOutcome[]> {
    await this.finished;
    return this.added.map((id) => this.outcomes.get(id)!);
  }

  private abort(reason: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    const message = abortMessage(reason);
    for (const { task } of [...this.waiting.values()]) {
      if (this.waiting.delete(task.id)) this.fail(task, message);
    }
  }

  private start(task: PlanTask): void {
    const args = task.deps.length === 0 ? task.args : substituteReferences(task.args, this.results);
    this.running++;
    this.options.onEvent?.({ type: 'task-start', id: task.id, tool: task.tool, args });
    const startedMs = performance.now();
    let pending: Promise<unknown>;
    try {
      pending = this.options.invoke(task, args, this.options.signal);
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending.then(
      (result) => {
        this.running--;
        this.results.set(task.id, result);
        this.record({ id: task.id, tool: task.tool, args, startedMs, endedMs: performance.now(), ok: true, result });
      },
      (e: unknown) => {
        this.running--;
        const error = e instanceof Error ? e.message : String(e);
        this.record({ id: task.id, tool: task.tool, args, startedMs, endedMs: performance.now(), ok: false, error });
      },
    );
  }

  private fail(task: PlanTask, error: string): void {
    this.record({ id: task.id, tool: task.tool, args: task.args, startedMs: undefined, endedMs: performance.now(), ok: false, error });
  }

  private record(outcome: TaskOutcome): void {
    this.outcomes.set(outcome.id, outcome);
    this.options.onEvent?.({ type: 'task-end', outcome });
    const list = this.dependents.get(outcome.id);
    if (list) {
      this.dependents.delete(outcome.id);
      for (const id of list) {
        const entry = this.waiting.get(id);
        if (!entry) continue;
        if (!outcome.ok) {
          this.waiting.delete(id);
          this.fail(entry.task, dependencyMessage(outcome));
        } else if (--entry.remaining === 0) {
          this.waiting.delete(id);
          this.start(entry.task);
        }
      }
    }
    this.checkFinished();
  }

  private checkFinished(): void {
    if (this.closed && this.running === 0 && this.waiting.size === 0) this.settle();
  }
}

function dependencyMessage(failed: TaskFailure): string {
  return `dependency $${failed.id} (${failed.tool}) failed: ${failed.error}`;
}

function abortMessage(reason: unknown): string {
  return `aborted before start: ${reason instanceof Error ? reason.message : String(reason ?? 'aborted')}`;
}
