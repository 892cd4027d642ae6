// Orchestrator overhead per call with zero-latency tools: the time a call spends in Verdant rather than in
// the tool. Measured three ways: one call at a time through ToolExecutor (latency added to every call),
// batches of concurrent calls through ToolExecutor (throughput), and plan tasks through PlanScheduler +
// ToolExecutor (plan mode). Target: < 50 us per call.
// Usage: node packages/agents/bench/overhead.bench.mjs
import { z } from 'zod';
import { PlanScheduler, ToolExecutor, executorInvoker, parsePlanLine, tool } from '@verdant/agents';

const CALLS = 20_000;
const BATCH = 100;
const noop = tool({ name: 'noop', description: 'returns its input', input: z.object({ i: z.number() }), execute: ({ i }) => i });
const executor = new ToolExecutor([noop], { concurrency: 1_000_000 });

async function sequential(n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await executor.run({ id: 'c', name: 'noop', args: { i } });
    if (!r.ok) throw new Error(r.error.message);
  }
  return ((performance.now() - t0) * 1000) / n;
}

async function batched(n) {
  const t0 = performance.now();
  for (let b = 0; b < n; b += BATCH) {
    const results = await Promise.all(Array.from({ length: BATCH }, (_, i) => executor.run({ id: 'c', name: 'noop', args: { i: b + i } })));
    if (results.some((r) => !r.ok)) throw new Error('a call failed');
  }
  return ((performance.now() - t0) * 1000) / n;
}

/** A plan of BATCH tasks: a chain of 10 and 90 independent tasks. */
const PLAN = Array.from({ length: BATCH }, (_, i) => parsePlanLine(i > 0 && i < 10 ? `${i + 1}. noop({"i": $${i}})` : `${i + 1}. noop({"i": ${i}})`));

/** Plans run through the scheduler and executor. */
async function planned(n) {
  const t0 = performance.now();
  for (let b = 0; b < n; b += BATCH) {
    const scheduler = new PlanScheduler({ invoke: executorInvoker(executor) });
    for (const t of PLAN) scheduler.add(t);
    scheduler.close();
    const outcomes = await scheduler.done();
    if (outcomes.some((o) => !o.ok)) throw new Error('a task failed');
  }
  return ((performance.now() - t0) * 1000) / n;
}

/** The scheduler alone, with an invoker that resolves at once. */
async function schedulerOnly(n) {
  const t0 = performance.now();
  for (let b = 0; b < n; b += BATCH) {
    const scheduler = new PlanScheduler({ invoke: async (_task, args) => args.i });
    for (const t of PLAN) scheduler.add(t);
    scheduler.close();
    await scheduler.done();
  }
  return ((performance.now() - t0) * 1000) / n;
}

// Warm up the JIT on every path, then measure.
await sequential(2000);
await batched(2000);
await planned(2000);
await schedulerOnly(2000);
const out = {
  calls: CALLS,
  executor_sequential_us: await sequential(CALLS),
  executor_concurrent_us: await batched(CALLS),
  plan_us: await planned(CALLS),
  scheduler_only_us: await schedulerOnly(CALLS),
};
out.target_met = Math.max(out.executor_sequential_us, out.executor_concurrent_us, out.plan_us) < 50;
console.log(`ToolExecutor, one call at a time:          ${out.executor_sequential_us.toFixed(1)} us/call`);
console.log(`ToolExecutor, ${BATCH} concurrent calls:        ${out.executor_concurrent_us.toFixed(1)} us/call`);
console.log(`plan mode (scheduler + executor), ${BATCH}-task plans: ${out.plan_us.toFixed(1)} us/call`);
console.log(`PlanScheduler alone:                       ${out.scheduler_only_us.toFixed(1)} us/call`);
console.log(`target (< 50 us per call): ${out.target_met ? 'met' : 'NOT met'}`);
console.log(JSON.stringify(out));
