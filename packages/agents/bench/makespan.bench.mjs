// Plan-mode makespan vs the critical-path lower bound, on a fan-out of N independent calls and on random DAGs
// with log-normal latencies. Tasks run through PlanScheduler + ToolExecutor (the plan-mode executor); each
// tool sleeps its latency. Target: makespan within 5% + 2 ms of the bound.
// Usage: node packages/agents/bench/makespan.bench.mjs
import { z } from 'zod';
import { PlanScheduler, ToolExecutor, criticalPathMs, parsePlanLine, tool } from '@verdant/agents';

const sleep = (ms, signal) => new Promise((resolve) => { const t = setTimeout(resolve, ms); signal.addEventListener('abort', () => clearTimeout(t), { once: true }); });

/** Deterministic PRNG (mulberry32) so every run measures the same graphs. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function logNormal(random, medianMs, sigma) {
  const z0 = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return medianMs * Math.exp(sigma * z0);
}

/** Runs a graph given as plan lines; returns the makespan and both bounds (nominal and measured durations). */
async function runGraph(nodes) {
  const measured = new Map();
  const work = tool({
    name: 'work',
    description: 'sleeps',
    input: z.object({ ms: z.number(), id: z.number(), after: z.array(z.unknown()) }),
    execute: async ({ ms, id }, ctx) => {
      const t0 = performance.now();
      await sleep(ms, ctx.signal);
      measured.set(id, performance.now() - t0);
      return id;
    },
  });
  const executor = new ToolExecutor([work], { concurrency: 100_000 });
  const tasks = nodes.map((n) => parsePlanLine(`${n.id}. work(${JSON.stringify({ ms: n.ms, id: n.id, after: n.deps.map((d) => `$${d}`) })})`));
  const t0 = performance.now();
  const scheduler = new PlanScheduler({
    invoke: async (task, args, signal) => {
      const r = await executor.run({ id: String(task.id), name: task.tool, args }, signal ? { signal } : {});
      if (!r.ok) throw new Error(r.error.message);
      return r.output;
    },
  });
  for (const t of tasks) scheduler.add(t);
  scheduler.close();
  const outcomes = await scheduler.done();
  const makespan = performance.now() - t0;
  const failed = outcomes.filter((o) => !o.ok).length;
  if (failed) throw new Error(`${failed} tasks failed: ${outcomes.find((o) => !o.ok).error}`);
  const nominal = criticalPathMs(nodes.map((n) => ({ id: n.id, deps: n.deps, durationMs: n.ms })));
  const actual = criticalPathMs(nodes.map((n) => ({ id: n.id, deps: n.deps, durationMs: measured.get(n.id) })));
  return { makespan_ms: makespan, bound_ms: nominal, bound_measured_ms: actual };
}

const within = (r) => r.makespan_ms <= r.bound_ms * 1.05 + 2;
const results = [];

for (const n of [10, 100, 1000]) {
  const nodes = Array.from({ length: n }, (_, i) => ({ id: i + 1, deps: [], ms: 50 }));
  const r = { graph: `fan-out ${n} x 50 ms`, nodes: n, ...(await runGraph(nodes)) };
  results.push(r);
}

for (const [n, seed] of [[50, 1], [50, 2], [200, 3], [200, 4], [1000, 5]]) {
  const random = rng(seed);
  const nodes = [];
  for (let i = 1; i <= n; i++) {
    // Each task depends on up to 3 random earlier tasks (about a third of tasks are roots at small i).
    const deps = new Set();
    const want = i === 1 ? 0 : Math.floor(random() * 4);
    for (let k = 0; k < want; k++) deps.add(1 + Math.floor(random() * (i - 1)));
    nodes.push({ id: i, deps: [...deps].sort((a, b) => a - b), ms: logNormal(random, 20, 0.6) });
  }
  results.push({ graph: `random DAG n=${n} seed=${seed}, log-normal (median 20 ms, sigma 0.6)`, nodes: n, ...(await runGraph(nodes)) });
}

for (const r of results) {
  r.excess_ms = r.makespan_ms - r.bound_ms;
  r.excess_pct = (100 * r.excess_ms) / r.bound_ms;
  r.target_met = within(r);
  console.log(
    `${r.graph.padEnd(60)} makespan ${r.makespan_ms.toFixed(1).padStart(7)} ms  bound ${r.bound_ms.toFixed(1).padStart(7)} ms ` +
      `(+${r.excess_ms.toFixed(1)} ms, ${r.excess_pct.toFixed(2)}%)  bound from measured tool times ${r.bound_measured_ms.toFixed(1)} ms  ${r.target_met ? 'ok' : 'MISSED'}`,
  );
}
const allMet = results.every((r) => r.target_met);
console.log(`target (within 5% + 2 ms of the critical path): ${allMet ? 'met' : 'NOT met'} on ${results.length} graphs`);
console.log(JSON.stringify({ target_met: allMet, graphs: results }));
