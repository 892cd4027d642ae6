// `verdant moe sweep`: a grid of training configs, each a measured `verdant moe train` process, `parallel` at once
// (one process per core: the wasm engine is single-threaded).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invalidInput } from '@verdant/core';
import { parseTrainConfig, type TrainConfigInput } from './config.js';
import type { TrainSummary } from './run.js';

/** Sets `path` ("router.kind", "seed") in a copy of `o`. */
function setPath(o: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  const copy = { ...o };
  copy[head!] = rest.length === 0 ? value : setPath((o[head!] as Record<string, unknown> | undefined) ?? {}, rest.join('.'), value);
  return copy;
}

/**
 * Every combination of the grid's values over the base config (the last key varies fastest), each checked with
 * parseTrainConfig before anything runs: a bad combination is an error naming `grid.<key>`.
 */
export function expandGrid(base: TrainConfigInput, grid: Record<string, unknown>, cwd: string): TrainConfigInput[] {
  if (grid === null || typeof grid !== 'object' || Array.isArray(grid)) throw invalidInput('grid', 'must be an object of lists', 'e.g. {"router.kind": ["switch", "gshard"], "seed": [1, 2]}');
  let out: TrainConfigInput[] = [base];
  for (const [key, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0) throw invalidInput(`grid.${key}`, 'must be a non-empty list of values');
    out = out.flatMap((c) => values.map((v) => setPath(c as Record<string, unknown>, key, v) as TrainConfigInput));
  }
  out = out.map((c, i) => {
    const named = { ...c, name: `${typeof base.name === 'string' ? base.name : 'sweep'}-${i + 1}` };
    delete (named as Record<string, unknown>).checkpointDir;
    delete (named as Record<string, unknown>).checkpointInterval;
    return named;
  });
  out.forEach((c, i) => {
    try {
      parseTrainConfig(c, cwd);
    } catch (e) {
      const err = e as { field?: string; message: string };
      throw invalidInput(`grid (combination ${i + 1})`, `${err.field ?? ''}: ${err.message}`, 'fix the base config or the grid');
    }
  });
  return out;
}

export interface SweepOptions {
  configs: readonly TrainConfigInput[];
  /** Processes at once (default 2). */
  parallel?: number;
  /** The command that trains the config file given, printing its summary as JSON on stdout (the CLI: `verdant moe train --config <f> --json`). */
  argvFor: (configFile: string) => string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  onNotice?: (message: string) => void;
}

export interface SweepResult {
  config: TrainConfigInput;
  exitCode: number;
  summary: TrainSummary | null;
}

/** Runs every config, `parallel` at a time; a failed one is reported in its result, the others go on. */
export async function runSweep(o: SweepOptions): Promise<SweepResult[]> {
  const parallel = o.parallel ?? 2;
  if (!Number.isInteger(parallel) || parallel < 1) throw invalidInput('parallel', `must be a whole number >= 1, got ${String(parallel)}`);
  const dir = mkdtempSync(join(tmpdir(), 'verdant-moe-sweep-'));
  const results: SweepResult[] = new Array<SweepResult>(o.configs.length);
  let next = 0;
  const one = async (i: number): Promise<void> => {
    const file = join(dir, `config-${i + 1}.json`);
    writeFileSync(file, JSON.stringify(o.configs[i]));
    const [cmd, ...args] = o.argvFor(file);
    const child = spawn(cmd!, args, { env: o.env ?? process.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number>((res) => child.on('close', (c, s) => res(c ?? (s ? 128 : 1))));
    let summary: TrainSummary | null = null;
    try {
      summary = JSON.parse(out) as TrainSummary;
    } catch {
      summary = null;
    }
    o.onNotice?.(`${o.configs[i]!.name as string}: ${code === 0 ? `done, loss ${summary?.final_loss?.toFixed(4) ?? '?'}` : `failed (exit ${code})`}`);
    results[i] = { config: o.configs[i]!, exitCode: code, summary };
  };
  const worker = async () => {
    while (next < o.configs.length) await one(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, o.configs.length) }, worker));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
