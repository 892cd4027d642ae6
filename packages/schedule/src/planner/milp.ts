import { VerdantError } from '@verdant/core';
import { loadHighs } from './highs.js';
import type { BatchInstance } from './batch-model.js';

export interface MilpResult {
  /** 'optimal', or 'time-limit' with the best assignment found. */
  status: 'optimal' | 'time-limit';
  /** Candidate index per job (integer model), or undefined for the relaxation. */
  choice?: Int32Array;
  /** Fractional x[j][candidate] (relaxation only). */
  fractional?: Float64Array[];
  objective: number;
}

const name = (j: number, c: number): string => `x${j}_${c}`;
const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(15));

/** Writes terms a few per line: the LP reader is happier with short lines. */
function terms(parts: string[]): string {
  const lines: string[] = [];
  for (let i = 0; i < parts.length; i += 8) lines.push(' ' + parts.slice(i, i + 8).join(' '));
  return lines.join('\n');
}

/**
 * The time-indexed model in CPLEX LP format: binary x[j,c] = job j starts at its c-th candidate slot;
 * each job starts once; in every slot the running jobs' units fit the capacity (rows that can never bind
 * are left out).
 */
export function batchLpModel(inst: BatchInstance, integer: boolean): string {
  const obj: string[] = [];
  const rows: string[] = [];
  const covering: string[][] = Array.from({ length: inst.nSlots }, () => []);
  const maxLoad = new Float64Array(inst.nSlots);
  inst.jobs.forEach((bj, j) => {
    const assign: string[] = [];
    const seen = new Uint8Array(inst.nSlots);
    for (let c = 0; c < bj.starts.length; c++) {
      const v = name(j, c);
      obj.push(`${obj.length ? '+ ' : ''}${num(bj.costs[c]!)} ${v}`);
      assign.push(`${assign.length ? '+ ' : ''}${v}`);
      const s = bj.starts[c]!;
      for (let u = s; u < s + bj.len; u++) {
        covering[u]!.push(`${covering[u]!.length ? '+ ' : ''}${bj.job.units === 1 ? '' : bj.job.units + ' '}${v}`);
        if (!seen[u]) {
          seen[u] = 1;
          maxLoad[u] = maxLoad[u]! + bj.job.units;
        }
      }
    }
    rows.push(` a${j}:\n${terms(assign)} = 1`);
  });
  covering.forEach((parts, u) => {
    if (maxLoad[u]! > inst.capacity) rows.push(` c${u}:\n${terms(parts)} <= ${inst.capacity}`);
  });
  const vars = inst.jobs.flatMap((bj, j) => Array.from(bj.starts, (_, c) => name(j, c)));
  const bounds = integer ? `Binary\n${terms(vars)}\n` : `Bounds\n${vars.map((v) => ` ${v} <= 1`).join('\n')}\n`;
  return `Minimize\n obj:\n${terms(obj)}\nSubject To\n${rows.join('\n')}\n${bounds}End\n`;
}

/** Solves the batch exactly (integer) or its LP relaxation (the lower bound) with HiGHS. */
export async function solveBatchLp(inst: BatchInstance, opts: { integer: boolean; timeLimitS?: number }): Promise<MilpResult> {
  const highs = await loadHighs();
  const sol = highs.solve(batchLpModel(inst, opts.integer), {
    output_flag: false,
    ...(opts.timeLimitS !== undefined ? { time_limit: opts.timeLimitS } : {}),
  } as Parameters<typeof highs.solve>[1]);
  const timeLimited = sol.Status === 'Time limit reached';
  if (sol.Status === 'Infeasible') {
    throw new VerdantError('the jobs do not fit the capacity within their windows', {
      field: 'capacity',
      fix: 'raise the capacity, widen deadlines or drop jobs',
      exitCode: 2,
    });
  }
  if (sol.Status !== 'Optimal' && !(timeLimited && opts.integer)) {
    throw new VerdantError(`the solver stopped with status "${sol.Status}"`, { field: 'solver' });
  }
  const col = (j: number, c: number): number => (sol.Columns[name(j, c)] as { Primal?: number } | undefined)?.Primal ?? 0;
  if (!opts.integer) {
    const fractional = inst.jobs.map((bj, j) => Float64Array.from(bj.starts, (_, c) => col(j, c)));
    return { status: 'optimal', fractional, objective: sol.ObjectiveValue };
  }
  const choice = new Int32Array(inst.jobs.length);
  for (let j = 0; j < inst.jobs.length; j++) {
    let best = -1;
    for (let c = 0; c < inst.jobs[j]!.starts.length; c++) if (col(j, c) > 0.5) best = c;
    if (best < 0) throw new VerdantError('the solver hit its time limit before finding a feasible plan', { field: 'timeLimitS', fix: 'allow more time or use the heuristic' });
    choice[j] = best;
  }
  return { status: timeLimited ? 'time-limit' : 'optimal', choice, objective: sol.ObjectiveValue };
}
