import type { BatchInstance } from './batch-model.js';

/** Slot loads for an assignment, with O(len) place/remove/fit checks. */
class Loads {
  readonly load: Int32Array;
  constructor(private readonly inst: BatchInstance) {
    this.load = new Int32Array(inst.nSlots);
  }
  private span(j: number, c: number): [number, number, number] {
    const bj = this.inst.jobs[j]!;
    const s = bj.starts[c]!;
    return [s, s + bj.len, bj.job.units];
  }
  fits(j: number, c: number): boolean {
    const [a, b, w] = this.span(j, c);
    for (let u = a; u < b; u++) if (this.load[u]! + w > this.inst.capacity) return false;
    return true;
  }
  add(j: number, c: number, sign = 1): void {
    const [a, b, w] = this.span(j, c);
    for (let u = a; u < b; u++) this.load[u] = this.load[u]! + sign * w;
  }
}

/** Candidate indices of job j sorted by a key, cheapest first. */
function order(costs: Float64Array, key: (c: number) => number): number[] {
  return Array.from(costs, (_, c) => c).sort((x, y) => key(x) - key(y) || costs[x]! - costs[y]!);
}

/**
 * Greedy construction, then local search: relocations, and ejection moves (move job j into a cheaper start
 * that is full by relocating one job in the way). With an LP relaxation, jobs are placed in the order and at
 * the starts it prefers (LP rounding); otherwise the least flexible jobs go first, each at its cheapest fit.
 * Returns undefined when the construction cannot fit every job.
 */
export function heuristicSchedule(inst: BatchInstance, lp?: Float64Array[], maxRounds = 50): Int32Array | undefined {
  const n = inst.jobs.length;
  const loads = new Loads(inst);
  const choice = new Int32Array(n).fill(-1);
  const prefs = inst.jobs.map((bj, j) => (lp ? order(bj.costs, (c) => -lp[j]![c]!) : order(bj.costs, (c) => bj.costs[c]!)));
  const jobOrder = [...Array(n).keys()].sort((a, b) => {
    if (lp) return Math.max(...lp[b]!) - Math.max(...lp[a]!);
    const ja = inst.jobs[a]!;
    const jb = inst.jobs[b]!;
    return ja.starts.length - jb.starts.length || jb.len * jb.job.units - ja.len * ja.job.units;
  });
  for (const j of jobOrder) {
    const c = prefs[j]!.find((k) => loads.fits(j, k));
    if (c === undefined) return undefined;
    choice[j] = c;
    loads.add(j, c);
  }
  const cheapest = inst.jobs.map((bj) => order(bj.costs, (c) => bj.costs[c]!));
  for (let round = 0; round < maxRounds; round++) {
    let improved = false;
    for (let j = 0; j < n; j++) if (relocate(inst, loads, choice, cheapest, j)) improved = true;
    if (!improved) for (let j = 0; j < n; j++) if (eject(inst, loads, choice, cheapest, j)) improved = true;
    if (!improved) break;
  }
  return choice;
}

/** Moves job j to its cheapest start that fits, if cheaper. */
function relocate(inst: BatchInstance, loads: Loads, choice: Int32Array, cheapest: number[][], j: number): boolean {
  const costs = inst.jobs[j]!.costs;
  const cur = choice[j]!;
  loads.add(j, cur, -1);
  for (const c of cheapest[j]!) {
    if (costs[c]! >= costs[cur]! - 1e-12) break;
    if (loads.fits(j, c)) {
      choice[j] = c;
      loads.add(j, c);
      return true;
    }
  }
  loads.add(j, cur);
  return false;
}

/** For each cheaper start of j that is blocked, try relocating one blocking job k so that both fit. */
function eject(inst: BatchInstance, loads: Loads, choice: Int32Array, cheapest: number[][], j: number): boolean {
  const bj = inst.jobs[j]!;
  const cur = choice[j]!;
  for (const c of cheapest[j]!) {
    const gain = bj.costs[cur]! - bj.costs[c]!;
    if (gain <= 1e-12) return false;
    const a = bj.starts[c]!;
    const b = a + bj.len;
    for (let k = 0; k < inst.jobs.length; k++) {
      if (k === j) continue;
      const bk = inst.jobs[k]!;
      const sk = bk.starts[choice[k]!]!;
      if (sk >= b || sk + bk.len <= a) continue;
      loads.add(j, cur, -1);
      loads.add(k, choice[k]!, -1);
      if (loads.fits(j, c)) {
        loads.add(j, c);
        const kCur = choice[k]!;
        for (const ck of cheapest[k]!) {
          const loss = bk.costs[ck]! - bk.costs[kCur]!;
          if (loss >= gain - 1e-12) break;
          if (loads.fits(k, ck)) {
            choice[j] = c;
            choice[k] = ck;
            loads.add(k, ck);
            return true;
          }
        }
        loads.add(j, c, -1);
      }
      loads.add(j, cur);
      loads.add(k, choice[k]!);
    }
  }
  return false;
}
