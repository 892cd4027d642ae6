// The agent's whole streaming path per tool call, side by side with the Vercel AI SDK: one model turn of
// 2,000 zero-latency tool calls streamed from a local OpenAI-compatible server (a child process, so serving
// does not run on the measured event loop), decoded, each call dispatched to its tool, and the results
// collected; wall time per call. Verdant: `runAgent({ maxSteps: 1 })` with `openaiCompatible`. AI SDK:
// `generateText` with `@ai-sdk/openai-compatible` (its request is not streamed: the server answers it with
// the same calls as one JSON body) and `streamText` (the same SSE stream Verdant reads), both with
// `stopWhen: stepCountIs(1)`. Rounds alternate between the three so machine load hits each alike.
// Target: Verdant below 50 us per call.
// Also: a turn of 10 calls of a 50 ms tool with default options, which takes one tool latency when all
// calls start together (two under the former default global cap of 8).
// Usage: node packages/agents/bench/streaming-overhead.bench.mjs
//   BENCH_CALLS (default 2000), BENCH_ROUNDS (default 9, after 5 warm-up rounds),
//   BENCH_WRITES=whole (the server sends the stream in one write instead of one write per event)
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const WARMUP = 5;
const PARALLEL = 10;
const LATENCY_MS = 50;
/** `event`: each SSE event written on its own, as a server flushes chunks as it generates them; `whole`: one write. */
const WRITES = process.env.BENCH_WRITES ?? 'event';

if (process.argv[2] === 'serve') serve();
else await main();

/**
 * The server: a request whose first tool is `wait` gets a turn of PARALLEL calls of it, any other a turn of
 * CALLS calls of `noop`; streamed (each call as two chunks, OpenAI's shape: id + name with empty arguments,
 * then the arguments) when the request says `stream: true`, else as one chat.completion JSON body. All are
 * built once, so serving costs a write.
 */
function serve() {
  const turns = { noop: turn('noop', CALLS), wait: turn('wait', PARALLEL) };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const { sse, whole, json } = turns[body.tools?.[0]?.function?.name] ?? turns.noop;
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        if (WRITES === 'whole') res.end(whole);
        else {
          for (const e of sse) res.write(e);
          res.end();
        }
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(json);
      }
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('disconnect', () => process.exit(0));
}

/** One turn of `count` calls of `tool` (arguments `{"i": n}`): its SSE events, those joined, and the JSON answer. */
function turn(tool, count) {
  const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1741570283, model: 'bench' };
  const event = (delta, finish = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const args = (i) => JSON.stringify({ i });
  const usage = { prompt_tokens: 10, completion_tokens: count * 10, total_tokens: 10 + count * 10 };
  const sse = [event({ role: 'assistant', content: null })];
  for (let i = 0; i < count; i++) {
    sse.push(event({ tool_calls: [{ index: i, id: `call_${i}`, type: 'function', function: { name: tool, arguments: '' } }] }));
    sse.push(event({ tool_calls: [{ index: i, function: { arguments: args(i) } }] }));
  }
  sse.push(event({}, 'tool_calls'));
  sse.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
  sse.push('data: [DONE]\n\n');
  const calls = Array.from({ length: count }, (_, i) => ({ id: `call_${i}`, type: 'function', function: { name: tool, arguments: args(i) } }));
  const json = JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1741570283,
    model: 'bench',
    choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: calls }, finish_reason: 'tool_calls' }],
    usage,
  });
  return { sse, whole: sse.join(''), json };
}

async function main() {
  const [{ z }, agents, ai, { createOpenAICompatible }] = await Promise.all([
    import('zod'),
    import('@verdant/agents'),
    import('ai'),
    import('@ai-sdk/openai-compatible'),
  ]);
  const child = fork(fileURLToPath(import.meta.url), ['serve'], { env: { ...process.env, BENCH_CALLS: String(CALLS), BENCH_WRITES: WRITES } });
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('error', reject);
  });
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const messages = [{ role: 'user', content: `call noop ${CALLS} times` }];

  // Verdant
  const model = agents.openaiCompatible({ baseUrl: baseURL, model: 'bench' });
  const noop = agents.tool({ name: 'noop', description: 'returns its input', input: z.object({ i: z.number() }), execute: ({ i }) => i });
  async function verdant() {
    const t0 = performance.now();
    const result = await agents.runAgent({ model, tools: [noop], messages, maxSteps: 1 }).result;
    const us = ((performance.now() - t0) * 1000) / CALLS;
    const step = result.steps[0];
    if (step.toolResults.length !== CALLS || !step.toolResults.every((r, i) => r.ok && r.output === i)) throw new Error('verdant: wrong results');
    return us;
  }

  // AI SDK
  const provider = createOpenAICompatible({ name: 'bench', baseURL, includeUsage: true });
  const aiNoop = ai.tool({ description: 'returns its input', inputSchema: z.object({ i: z.number() }), execute: async ({ i }) => i });
  const check = (name, results) => {
    if (results.length !== CALLS || !results.every((r, i) => r.output === i)) throw new Error(`${name}: wrong results`);
  };
  async function aiGenerate() {
    const t0 = performance.now();
    const result = await ai.generateText({ model: provider('bench'), tools: { noop: aiNoop }, messages, stopWhen: ai.stepCountIs(1) });
    const us = ((performance.now() - t0) * 1000) / CALLS;
    check('generateText', result.toolResults);
    return us;
  }
  async function aiStream() {
    const t0 = performance.now();
    const result = ai.streamText({ model: provider('bench'), tools: { noop: aiNoop }, messages, stopWhen: ai.stepCountIs(1) });
    const toolResults = await result.toolResults;
    const us = ((performance.now() - t0) * 1000) / CALLS;
    check('streamText', toolResults);
    return us;
  }

  // A turn of PARALLEL calls of a LATENCY_MS tool, default options: wall time of the step.
  const wait = agents.tool({
    name: 'wait',
    description: 'waits',
    input: z.object({ i: z.number() }),
    execute: async ({ i }) => {
      await new Promise((resolve) => setTimeout(resolve, LATENCY_MS));
      return i;
    },
  });
  const aiWait = ai.tool({
    description: 'waits',
    inputSchema: z.object({ i: z.number() }),
    execute: async ({ i }) => {
      await new Promise((resolve) => setTimeout(resolve, LATENCY_MS));
      return i;
    },
  });
  async function verdantParallel() {
    const t0 = performance.now();
    const result = await agents.runAgent({ model, tools: [wait], messages, maxSteps: 1 }).result;
    if (result.steps[0].toolResults.filter((r) => r.ok).length !== PARALLEL) throw new Error('verdant: wrong results');
    return performance.now() - t0;
  }
  async function aiParallel() {
    const t0 = performance.now();
    const result = await ai.generateText({ model: provider('bench'), tools: { wait: aiWait }, messages, stopWhen: ai.stepCountIs(1) });
    if (result.toolResults.length !== PARALLEL) throw new Error('generateText: wrong results');
    return performance.now() - t0;
  }

  const paths = { verdant, aiGenerate, aiStream };
  const samples = { verdant: [], aiGenerate: [], aiStream: [], verdantParallel: [], aiParallel: [] };
  try {
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      for (const [name, run] of Object.entries(paths)) {
        const us = await run();
        if (round >= WARMUP) samples[name].push(us);
      }
    }
    for (let round = 0; round < 7; round++) {
      samples.verdantParallel.push(await verdantParallel());
      samples.aiParallel.push(await aiParallel());
    }
  } finally {
    child.disconnect();
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const round1 = (x) => Math.round(x * 10) / 10;
  const out = {
    calls: CALLS,
    rounds: ROUNDS,
    verdant_us_per_call: round1(median(samples.verdant)),
    ai_sdk_generate_text_us_per_call: round1(median(samples.aiGenerate)),
    ai_sdk_stream_text_us_per_call: round1(median(samples.aiStream)),
    verdant_runs_us: samples.verdant.map(round1),
    parallel_turn_verdant_ms: round1(median(samples.verdantParallel)),
    parallel_turn_ai_sdk_ms: round1(median(samples.aiParallel)),
  };
  out.ratio_to_generate_text = Math.round((out.verdant_us_per_call / out.ai_sdk_generate_text_us_per_call) * 100) / 100;
  out.ratio_to_stream_text = Math.round((out.verdant_us_per_call / out.ai_sdk_stream_text_us_per_call) * 100) / 100;
  out.target_met = out.verdant_us_per_call < 50;
  console.log(`${CALLS} zero-latency tool calls in one streamed turn from a local OpenAI-compatible server (median of ${ROUNDS} rounds):`);
  console.log(`  Verdant runAgent + openaiCompatible:   ${out.verdant_us_per_call.toFixed(1)} us/call`);
  console.log(`  AI SDK generateText (JSON response):   ${out.ai_sdk_generate_text_us_per_call.toFixed(1)} us/call (Verdant ${out.ratio_to_generate_text}x)`);
  console.log(`  AI SDK streamText (same SSE stream):   ${out.ai_sdk_stream_text_us_per_call.toFixed(1)} us/call (Verdant ${out.ratio_to_stream_text}x)`);
  console.log(`target (Verdant < 50 us per call): ${out.target_met ? 'met' : 'NOT met'}`);
  console.log(`a turn of ${PARALLEL} calls of a ${LATENCY_MS} ms tool, default options (median of 7): Verdant ${out.parallel_turn_verdant_ms.toFixed(1)} ms, AI SDK generateText ${out.parallel_turn_ai_sdk_ms.toFixed(1)} ms`);
  console.log(JSON.stringify(out));
}
