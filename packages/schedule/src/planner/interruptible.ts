import { invalidInput } from '@verdant/core';
import { cheapestSlotsSchedule, chunkCountIsFree } from './cheapest-slots.js';
import type { StepCurve } from './series.js';
import type { Chunk, ChunkedProblem } from './types.js';

/** Refuse DP tables larger than this many states (the window is too long for its resolution). */
const MAX_DP_STATES = 20_000_000;

/**
 * Exact minimum-cost chunked schedule on the slot grid anchored at `from`; the model is chunkedScheduleDp's.
 * When resuming is free and one slot meets the minimum chunk, the chunk count does not matter and the
 * O(n log n) cheapest-slots path gives the same optimum; otherwise the DP runs.
 */
export function bestChunkedSchedule(weight: StepCurve, p: ChunkedProblem): { chunks: Chunk[]; cost: number } | undefined {
  return chunkCountIsFree(weight.res, p) ? cheapestSlotsSchedule(weight, p) : chunkedScheduleDp(weight, p);
}

/**
 * Exact minimum-cost chunked schedule on the slot grid anchored at `from` (slot i = [from + i*res, ...),
 * the last slot cut at `to`). The model: chunks are runs of whole slots; only the job's final slot is partly
 * used (from its start); K chunks need durationS + (K-1)*pauseOverheadS seconds of running; every chunk runs at
 * least minChunkS unless the job is a single chunk.
 *
 * Dynamic programme over slots with state (full slots used, chunks started, current chunk length capped at the
 * minimum). Returns undefined when no schedule fits.
 */
export function chunkedScheduleDp(weight: StepCurve, p: ChunkedProblem): { chunks: Chunk[]; cost: number } | undefined {
  const res = weight.res;
  const n = Math.ceil((p.to - p.from) / res - 1e-9);
  if (n <= 0) return undefined;
  const slotStart = (i: number): number => p.from + i * res;
  const cap = (i: number): number => Math.min(res, p.to - slotStart(i));
  const slotCost = new Float64Array(n);
  for (let i = 0; i < n; i++) slotCost[i] = weight.integral(slotStart(i), slotStart(i) + cap(i));

  const c = Math.ceil(p.minChunkS / res - 1e-9); // whole slots a non-final chunk needs
  const lc = Math.max(1, c);
  // Chunks need a gap between them, and each takes >= m1 whole slots while the running time grows only by the
  // overhead per chunk: k * m1 * res <= durationS + (k - 1) * overhead + res bounds k when m1 * res > overhead.
  const m1 = Math.max(1, c);
  let kMax = Math.max(1, Math.floor((n + 1) / (m1 + 1)));
  if (m1 * res > p.pauseOverheadS) kMax = Math.max(1, Math.min(kMax, Math.floor((p.durationS - p.pauseOverheadS + res) / (m1 * res - p.pauseOverheadS) + 1e-9)));
  const sMax = Math.min(n, Math.max(0, Math.ceil((p.durationS + (kMax - 1) * p.pauseOverheadS) / res - 1e-9) - 1));
  const dimL = lc + 1;
  const dimK = kMax + 1;
  const S = (sMax + 1) * dimK * dimL;
  if (S * (n + 1) > MAX_DP_STATES) {
    throw invalidInput('deadline', `the window holds ${n} slots, too many to plan an interruptible job exactly`, 'use a nearer deadline or a coarser series');
  }
  const idx = (s: number, k: number, l: number): number => (s * dimK + k) * dimL + l;
  const parent = new Int32Array(S * (n + 1)).fill(-1);
  let cur = new Float64Array(S).fill(Infinity);
  let next = new Float64Array(S);
  cur[idx(0, 0, 0)] = 0;
  let best = Infinity;
  let bestEnd = { slot: -1, state: -1, need: 0 };

  for (let i = 0; i < n; i++) {
    next.fill(Infinity);
    const full = cap(i) >= res - 1e-9;
    const base = (i + 1) * S;
    const relax = (to: number, from: number, v: number): void => {
      if (v < next[to]!) {
        next[to] = v;
        parent[base + to] = from;
      }
    };
    for (let s = 0; s <= sMax; s++) {
      for (let k = 0; k <= kMax; k++) {
        for (let l = 0; l <= lc; l++) {
          const st = idx(s, k, l);
          const v = cur[st]!;
          if (v === Infinity) continue;
          // Skip slot i: ends a running chunk, which must already be long enough.
          if (l === 0 || l >= c) relax(idx(s, k, 0), st, v);
          const k2 = l > 0 ? k : k + 1;
          // Finish the job inside slot i.
          if (k2 <= kMax) {
            const need = p.durationS + (k2 - 1) * p.pauseOverheadS - s * res;
            const finalRun = (l > 0 ? l * res : 0) + need;
            const longEnough = k2 === 1 || finalRun >= p.minChunkS - 1e-9;
            if (need > 1e-9 && need <= cap(i) + 1e-9 && longEnough) {
              const total = v + weight.integral(slotStart(i), slotStart(i) + need);
              if (total < best - 1e-12) {
                best = total;
                bestEnd = { slot: i, state: st, need };
              }
            }
          }
          // Use slot i in full and go on.
          if (full && s < sMax && k2 <= kMax) relax(idx(s + 1, k2, Math.min(lc, l + 1)), st, v + slotCost[i]!);
        }
      }
    }
    [cur, next] = [next, cur];
  }
  if (bestEnd.slot < 0) return undefined;

  // Walk back: slot j-1 was used iff the full-slot count changed between layers.
  const used: boolean[] = new Array<boolean>(n).fill(false);
  let st = bestEnd.state;
  for (let j = bestEnd.slot; j >= 1; j--) {
    const prev = parent[j * S + st]!;
    if (Math.floor(st / (dimK * dimL)) !== Math.floor(prev / (dimK * dimL))) used[j - 1] = true;
    st = prev;
  }
  const chunks: Chunk[] = [];
  for (let i = 0; i < bestEnd.slot; i++) {
    if (!used[i]) continue;
    const last = chunks[chunks.length - 1];
    if (last && Math.abs(last.end - slotStart(i)) < 1e-9) last.end = slotStart(i) + res;
    else chunks.push({ start: slotStart(i), end: slotStart(i) + res });
  }
  const tail = { start: slotStart(bestEnd.slot), end: slotStart(bestEnd.slot) + bestEnd.need };
  const last = chunks[chunks.length - 1];
  if (last && Math.abs(last.end - tail.start) < 1e-9) last.end = tail.end;
  else chunks.push(tail);
  return { chunks, cost: best };
}
