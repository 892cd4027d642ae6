// 10,000 concurrent tool calls in one process, through ToolExecutor and through plan mode (a 10,000-task
// fan-out): no errors, and memory that returns to its starting level after each round (heap after a full GC).
// Usage: node packages/agents/bench/concurrency.bench.mjs
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import { PlanScheduler, ToolExecutor, executorInvoker, parsePlanLine, tool } from '@verdant/agents';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const CALLS = 10_000;
const LATENCY_MS = 100;
const ROUNDS = 3;
const MB = 1024 * 1024;

let running = 0;
let peakRunning = 0;
const slow = tool({
  name: 'slow',
  description: 'a 100 ms call (a provider round trip)',
  input: z.object({ i: z.number() }),
  execute: async ({ i }, ctx) => {
    peakRunning = Math.max(peakRunning, ++running);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, LATENCY_MS);
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), reject(ctx.signal.reason)), { once: true });
    });
    running--;
    return { i, text: `result ${i}` };
  },
});
const executor = new ToolExecutor([slow], { concurrency: CALLS });

function heapAfterGc() {
  gc();
  gc();
  return process.memoryUsage().heapUsed / MB;
}

async function viaExecutor() {
  const results = await Promise.all(Array.from({ length: CALLS }, (_, i) => executor.run({ id: `c${i}`, name: 'slow', args: { i } })));
  return results.filter((r) => !r.ok).length;
}

async function viaPlan() {
  const scheduler = new PlanScheduler({
    invoke: executorInvoker(executor),
  });
  for (let i = 1; i <= CALLS; i++) scheduler.add(parsePlanLine(`${i}. slow({"i": ${i}})`));
  scheduler.close();
  return (await scheduler.done()).filter((o) => !o.ok).length;
}

const out = { calls: CALLS, latency_ms: LATENCY_MS, heap_before_mb: heapAfterGc(), runs: [] };
for (const [name, run] of [['executor', viaExecutor], ['plan', viaPlan]]) {
  for (let round = 1; round <= ROUNDS; round++) {
    peakRunning = 0;
    let peakHeap = 0;
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed / MB)), 10);
    const t0 = performance.now();
    const errors = await run();
    const wall = performance.now() - t0;
    clearInterval(sampler);
    const r = { path: name, round, errors, wall_ms: wall, peak_concurrent: peakRunning, peak_heap_mb: peakHeap, heap_after_gc_mb: heapAfterGc() };
    out.runs.push(r);
    console.log(
      `${name.padEnd(8)} round ${round}: ${CALLS} calls x ${LATENCY_MS} ms in ${wall.toFixed(0)} ms, ${errors} errors, ` +
        `${peakRunning} running at once, heap peak ${peakHeap.toFixed(1)} MB, after GC ${r.heap_after_gc_mb.toFixed(1)} MB`,
    );
  }
}
out.heap_after_mb = heapAfterGc();
out.errors = out.runs.reduce((sum, r) => sum + r.errors, 0);
// Bounded memory: what is left after all rounds is within a few MB of the start (nothing per call retained).
out.heap_growth_mb = out.heap_after_mb - out.heap_before_mb;
out.target_met = out.errors === 0 && out.runs.every((r) => r.peak_concurrent === CALLS) && out.heap_growth_mb < 5;
console.log(`heap before ${out.heap_before_mb.toFixed(1)} MB, after ${ROUNDS * 2} rounds ${out.heap_after_mb.toFixed(1)} MB (growth ${out.heap_growth_mb.toFixed(2)} MB)`);
console.log(`target (10,000 concurrent calls, no errors, bounded memory): ${out.target_met ? 'met' : 'NOT met'}`);
console.log(JSON.stringify(out));
