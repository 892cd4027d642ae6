/** A node of a task graph with a known (or simulated) duration. */
export interface TimedTask {
  readonly id: number;
  readonly deps: readonly number[];
  readonly durationMs: number;
}

/**
 * The longest chain of dependent durations: no scheduler, however parallel, can finish the graph sooner.
 * Tasks must be listed so that dependencies come first (plans number them that way).
 */
export function criticalPathMs(tasks: readonly TimedTask[]): number {
  const finish = new Map<number, number>();
  let longest = 0;
  for (const task of tasks) {
    let ready = 0;
    for (const dep of task.deps) {
      const f = finish.get(dep);
      if (f === undefined) throw new Error(`task ${task.id} depends on ${dep}, which is not listed before it`);
      if (f > ready) ready = f;
    }
    const end = ready + task.durationMs;
    finish.set(task.id, end);
    if (end > longest) longest = end;
  }
  return longest;
}
