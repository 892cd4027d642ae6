import { invalidInput } from '@verdant/core';
import { runAgent } from '../agent.js';
import { openaiCompatible } from '../models/openai.js';
import { criticalPathMs } from '../plan/critical-path.js';
import { runPlan } from '../plan/run-plan.js';
import type { Message, ModelAdapter, ModelEvent } from '../types.js';
import { DEMO_QUESTION, demoScript } from './script.js';
import { startScriptedServer } from './scripted-server.js';
import { DEMO_REGIONS, simulatedLatencyMs, simulatedTools, type CallRecord } from './simulated-tools.js';

/**
 * - sequential: one tool call at a time, after each model message ends (the classic loop)
 * - parallel: a message's calls run together once the message ends
 * - eager: each call starts the moment its arguments are complete in the stream
 * - plan: LLMCompiler plan mode; tasks start while the plan streams, as soon as their inputs exist
 */
export const DEMO_MODES = ['sequential', 'parallel', 'eager', 'plan'] as const;
export type DemoMode = (typeof DEMO_MODES)[number];

export interface RunDemoOptions {
  /** One mode, or all of them in order (default). */
  mode?: DemoMode | 'all';
  /** Multiplies every simulated latency, model and tools (default 1; tests use less). */
  timeScale?: number;
  /** Seeds the simulated tool latencies (default 1). */
  seed?: number;
  /** Receives one human-readable line per finished mode, then the summary. */
  print?: (line: string) => void;
  signal?: AbortSignal;
}

export interface DemoModeReport {
  mode: DemoMode;
  wallMs: number;
  /** Tool calls made (7 when the run followed the script). */
  toolCalls: number;
  /** The most tool calls running at once. */
  maxConcurrentCalls: number;
  /** Tool calls that started while a model response was still streaming. */
  callsOverlappingModel: number;
  /** Wall time over the tool critical path. */
  ratioToCriticalPath: number;
  answer: string;
}

export interface DemoReport {
  question: string;
  /** The longest chain of dependent tool latencies (search -> fetch -> calculator): no mode can beat it. */
  criticalPathMs: number;
  /** Sum of all tool latencies: what one-call-at-a-time costs in tools alone. */
  serialToolMs: number;
  modes: DemoModeReport[];
}

/**
 * Runs the same research task in each mode against a bundled scripted model (a local server speaking the
 * OpenAI Chat Completions streaming protocol) and simulated tools, and reports each mode's wall time against
 * the critical-path bound.
 */
export async function runDemo(options: RunDemoOptions = {}): Promise<DemoReport> {
  const mode = options.mode ?? 'all';
  if (mode !== 'all' && !DEMO_MODES.includes(mode)) {
    throw invalidInput('mode', `unknown demo mode "${String(mode)}"`, `use one of: ${DEMO_MODES.join(', ')}, all`);
  }
  const timeScale = options.timeScale ?? 1;
  if (!(Number.isFinite(timeScale) && timeScale > 0)) throw invalidInput('timeScale', `must be a number > 0, got ${timeScale}`);
  const seed = options.seed ?? 1;
  const modes = mode === 'all' ? [...DEMO_MODES] : [mode];
  const print = options.print ?? (() => {});

  const bounds = toolBounds(seed, timeScale);
  const server = await startScriptedServer(demoScript(timeScale));
  try {
    const reports: DemoModeReport[] = [];
    for (const m of modes) {
      const report = await runMode(m, server.baseUrl, seed, timeScale, bounds.criticalPathMs, options.signal);
      reports.push(report);
      print(formatModeLine(report));
    }
    const result: DemoReport = { question: DEMO_QUESTION, ...bounds, modes: reports };
    print(`critical path (tools only): ${bounds.criticalPathMs.toFixed(0)} ms; all tools one after another: ${bounds.serialToolMs.toFixed(0)} ms`);
    return result;
  } finally {
    await server.close();
  }
}

export function formatModeLine(r: DemoModeReport): string {
  return `${r.mode.padEnd(10)} ${r.wallMs.toFixed(0).padStart(6)} ms  ${r.ratioToCriticalPath.toFixed(2)}x critical path  ` +
    `${r.toolCalls} calls, at most ${r.maxConcurrentCalls} at once, ${r.callsOverlappingModel} while the model streamed`;
}

async function runMode(mode: DemoMode, baseUrl: string, seed: number, timeScale: number, bound: number, signal?: AbortSignal): Promise<DemoModeReport> {
  const calls: CallRecord[] = [];
  const streams: Array<[number, number]> = [];
  const tools = simulatedTools({ seed, timeScale, record: (c) => calls.push(c) });
  const model = timed(openaiCompatible({ baseUrl, model: 'verdant-demo' }), streams);
  const messages: Message[] = [{ role: 'user', content: DEMO_QUESTION }];
  const started = performance.now();
  let answer: string;
  if (mode === 'plan') {
    answer = (await runPlan({ model, tools, messages, maxReplans: 1, ...(signal ? { signal } : {}) }).result).text;
  } else {
    const agentModel = mode === 'eager' ? model : afterMessageEnds(model);
    const run = runAgent({ model: agentModel, tools, messages, ...(mode === 'sequential' ? { concurrency: 1 } : {}), ...(signal ? { signal } : {}) });
    answer = (await run.result).text;
  }
  const wallMs = performance.now() - started;
  return {
    mode,
    wallMs,
    toolCalls: calls.length,
    maxConcurrentCalls: maxOverlap(calls),
    callsOverlappingModel: calls.filter((c) => streams.some(([s, e]) => c.startMs > s && c.startMs < e)).length,
    ratioToCriticalPath: wallMs / bound,
    answer,
  };
}

/** Records when each model response streams, to tell calls that overlapped generation. */
function timed(model: ModelAdapter, into: Array<[number, number]>): ModelAdapter {
  return {
    vendor: model.vendor,
    modelId: model.modelId,
    async *stream(request) {
      const start = performance.now();
      try {
        yield* model.stream(request);
      } finally {
        into.push([start, performance.now()]);
      }
    },
  };
}

/** Holds a response's events until it ends, so its tool calls are dispatched together after the message. */
function afterMessageEnds(model: ModelAdapter): ModelAdapter {
  return {
    vendor: model.vendor,
    modelId: model.modelId,
    async *stream(request) {
      const events: ModelEvent[] = [];
      for await (const event of model.stream(request)) events.push(event);
      yield* events;
    },
  };
}

function maxOverlap(calls: readonly CallRecord[]): number {
  const edges = calls.flatMap((c) => [[c.startMs, 1] as const, [c.endMs, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let best = 0;
  for (const [, delta] of edges) best = Math.max(best, (current += delta));
  return best;
}

/** The scripted task's tool graph with its simulated latencies. */
function toolBounds(seed: number, timeScale: number): { criticalPathMs: number; serialToolMs: number } {
  const latency = (name: Parameters<typeof simulatedLatencyMs>[0], args: unknown) => simulatedLatencyMs(name, args, seed) * timeScale;
  const tasks = [
    ...DEMO_REGIONS.map((r, i) => ({ id: i + 1, deps: [], durationMs: latency('web_search', { query: `${r.name} electricity carbon intensity 2024` }) })),
    ...DEMO_REGIONS.map((r, i) => ({ id: i + 4, deps: [i + 1], durationMs: latency('fetch_page', { url: `https://grid.example/${r.slug}/carbon-intensity-2024` }) })),
    { id: 7, deps: [4, 5, 6], durationMs: latency('calculator', { op: 'spread', values: DEMO_REGIONS.map((r) => r.gco2PerKwh) }) },
  ];
  return { criticalPathMs: criticalPathMs(tasks), serialToolMs: tasks.reduce((sum, t) => sum + t.durationMs, 0) };
}
