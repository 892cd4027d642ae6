import type { StepCurve } from './series.js';
import type { Chunk, ChunkedProblem } from './types.js';

/**
 * True when the number of chunks cannot change a schedule's cost or feasibility under bestChunkedSchedule's
 * model: resuming is free and any run of one whole slot already meets the minimum chunk.
 */
export function chunkCountIsFree(res: number, p: ChunkedProblem): boolean {
  return p.pauseOverheadS === 0 && Math.ceil(p.minChunkS / res - 1e-9) <= 1;
}

/**
 * bestChunkedSchedule's optimum when chunkCountIsFree holds, in O(n log n): the job needs s = ceil(d/res) - 1
 * whole slots plus a final slot used for the remaining `need` seconds from its start. For every final slot j,
 * the s cheapest slots before it (a bounded max-heap over the prefix) plus the final slot's cost; the best j wins.
 * The one rule left: a final run shorter than minChunkS must extend a chunk (use slot j-1) unless it is the
 * only chunk, in which case slot j-1 plus the s-1 cheapest before it are taken.
 */
export function cheapestSlotsSchedule(weight: StepCurve, p: ChunkedProblem): { chunks: Chunk[]; cost: number } | undefined {
  const res = weight.res;
  const n = Math.ceil((p.to - p.from) / res - 1e-9);
  if (n <= 0) return undefined;
  const slotStart = (i: number): number => p.from + i * res;
  const s = Math.max(0, Math.ceil(p.durationS / res - 1e-9) - 1);
  const need = p.durationS - s * res;
  if (need <= 1e-9 || s >= n) return undefined;
  const tailMayStandAlone = s === 0 || need >= p.minChunkS - 1e-9;
  // Every slot but the window's last is whole, and the last can only be the final (partial) slot.
  const slotCost = new Float64Array(n);
  for (let i = 0; i < n; i++) slotCost[i] = weight.integral(slotStart(i), Math.min(slotStart(i) + res, p.to));

  const heap = new BoundedMaxHeap(s);
  let best = Infinity;
  let bestEnd = { slot: -1, attached: false, tail: 0 };
  let prevOneFewer = 0; // sum of the s-1 cheapest slots before the previous slot
  for (let j = 0; j < n; j++) {
    const oneFewer = heap.size === s ? heap.sum - heap.max : heap.sum;
    if (j >= s && need <= Math.min(res, p.to - slotStart(j)) + 1e-9) {
      const tail = weight.integral(slotStart(j), slotStart(j) + need);
      const attached = !tailMayStandAlone;
      const total = attached ? prevOneFewer + slotCost[j - 1]! + tail : heap.sum + tail;
      if (total < best - 1e-12) {
        best = total;
        bestEnd = { slot: j, attached, tail };
      }
    }
    if (s > 0) heap.offer(slotCost[j]!);
    prevOneFewer = oneFewer;
  }
  if (bestEnd.slot < 0) return undefined;
  return rebuild(bestEnd, s, need, slotCost, slotStart);
}

/** The chosen slots as merged chunks, and their cost summed afresh (the heap's running sum may drift). */
function rebuild(
  { slot: end, attached, tail }: { slot: number; attached: boolean; tail: number },
  s: number,
  need: number,
  slotCost: Float64Array,
  slotStart: (i: number) => number,
): { chunks: Chunk[]; cost: number } {
  const pool = attached ? end - 1 : end;
  const picks = attached ? s - 1 : s;
  const order = Array.from({ length: pool }, (_, i) => i).sort((a, b) => slotCost[a]! - slotCost[b]! || a - b);
  const used = order.slice(0, picks);
  if (attached) used.push(end - 1);
  used.sort((a, b) => a - b);
  const chunks: Chunk[] = [];
  let cost = 0;
  const append = (start: number, stop: number): void => {
    const last = chunks[chunks.length - 1];
    if (last && Math.abs(last.end - start) < 1e-9) last.end = stop;
    else chunks.push({ start, end: stop });
  };
  for (const i of used) {
    cost += slotCost[i]!;
    append(slotStart(i), slotStart(i + 1));
  }
  append(slotStart(end), slotStart(end) + need);
  return { chunks, cost: cost + tail };
}

/** Keeps the `capacity` smallest values offered so far, with their sum and largest. */
class BoundedMaxHeap {
  private readonly items: Float64Array;
  size = 0;
  sum = 0;

  constructor(private readonly capacity: number) {
    this.items = new Float64Array(capacity);
  }

  get max(): number {
    return this.size > 0 ? this.items[0]! : 0;
  }

  offer(v: number): void {
    if (this.size < this.capacity) {
      this.sum += v;
      this.siftUp(this.size++, v);
    } else if (this.capacity > 0 && v < this.items[0]!) {
      this.sum += v - this.items[0]!;
      this.siftDown(v);
    }
  }

  private siftUp(at: number, v: number): void {
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.items[parent]! >= v) break;
      this.items[i] = this.items[parent]!;
      i = parent;
    }
    this.items[i] = v;
  }

  /** Replaces the root with v and restores the heap. */
  private siftDown(v: number): void {
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.items[child + 1]! > this.items[child]!) child++;
      if (this.items[child]! <= v) break;
      this.items[i] = this.items[child]!;
      i = child;
    }
    this.items[i] = v;
  }
}
