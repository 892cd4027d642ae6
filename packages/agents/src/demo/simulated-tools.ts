import { createHash } from 'node:crypto';
import { z } from 'zod';
import { tool } from '../tool.js';
import type { Tool } from '../types.js';
import { sleep } from '../redis/sleep.js';

/** The demo's grid regions and the figures its simulated web pages report. */
export const DEMO_REGIONS = [
  { name: 'France', slug: 'fr', gco2PerKwh: 56 },
  { name: 'Germany', slug: 'de', gco2PerKwh: 344 },
  { name: 'Poland', slug: 'pl', gco2PerKwh: 662 },
] as const;

/** Latency range of each simulated tool, in ms (realistic web search, page fetch, local arithmetic). */
export const DEMO_LATENCY_MS = {
  web_search: [300, 600],
  fetch_page: [200, 400],
  calculator: [5, 5],
} as const satisfies Record<string, readonly [number, number]>;

export type DemoToolName = keyof typeof DEMO_LATENCY_MS;

/**
 * A call's latency depends only on the tool, its arguments and the seed, so every mode of the demo sees the
 * same latency for the same call and the comparison is fair.
 */
export function simulatedLatencyMs(toolName: DemoToolName, args: unknown, seed: number): number {
  const [lo, hi] = DEMO_LATENCY_MS[toolName];
  const digest = createHash('sha256').update(`${seed}:${toolName}:${JSON.stringify(args)}`).digest();
  return lo + (digest.readUInt32BE(0) / 0xffffffff) * (hi - lo);
}

export interface CallRecord {
  tool: DemoToolName;
  args: unknown;
  startMs: number;
  endMs: number;
}

export interface SimulatedToolsOptions {
  seed: number;
  /** Multiplies every latency (e.g. 0.1 for a fast test run). */
  timeScale: number;
  /** Receives each finished call with performance.now() times. */
  record: (call: CallRecord) => void;
}

/** Web search, page fetch and calculator tools that sleep for their simulated latency and return canned data. */
export function simulatedTools(options: SimulatedToolsOptions): Tool[] {
  const timed = async <T>(name: DemoToolName, args: unknown, signal: AbortSignal, produce: () => T): Promise<T> => {
    const startMs = performance.now();
    await sleep(simulatedLatencyMs(name, args, options.seed) * options.timeScale, signal);
    options.record({ tool: name, args, startMs, endMs: performance.now() });
    return produce();
  };
  return [
    tool({
      name: 'web_search',
      description: 'Searches the web; returns the URL of the best result.',
      input: z.object({ query: z.string().min(1) }),
      execute: ({ query }, ctx) =>
        timed('web_search', { query }, ctx.signal, () => {
          const region = DEMO_REGIONS.find((r) => query.toLowerCase().includes(r.name.toLowerCase()));
          return `https://grid.example/${region?.slug ?? 'unknown'}/carbon-intensity-2024`;
        }),
    }),
    tool({
      name: 'fetch_page',
      description: 'Fetches a web page and returns its main text.',
      input: z.object({ url: z.string().min(1) }),
      execute: ({ url }, ctx) =>
        timed('fetch_page', { url }, ctx.signal, () => {
          const region = DEMO_REGIONS.find((r) => url.includes(`/${r.slug}/`));
          if (!region) throw new Error(`404 Not Found: ${url}`);
          return `${region.name}: ${region.gco2PerKwh} gCO2e/kWh, the average carbon intensity of electricity in 2024.`;
        }),
    }),
    tool({
      name: 'calculator',
      description: 'Computes mean, min, max or spread (max - min) of numbers; text values contribute their first number.',
      input: z.object({ op: z.enum(['mean', 'min', 'max', 'spread']), values: z.array(z.union([z.number(), z.string()])).min(1) }),
      execute: ({ op, values }, ctx) =>
        timed('calculator', { op, values }, ctx.signal, () => {
          const numbers = values.map(firstNumber);
          const max = Math.max(...numbers);
          const min = Math.min(...numbers);
          if (op === 'mean') return numbers.reduce((a, b) => a + b, 0) / numbers.length;
          if (op === 'min') return min;
          if (op === 'max') return max;
          return max - min;
        }),
    }),
  ];
}

function firstNumber(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /-?\d+(?:\.\d+)?/.exec(value);
  if (!match) throw new Error(`no number in "${value}"`);
  return Number(match[0]);
}
