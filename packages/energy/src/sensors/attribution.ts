/** A compute process on a GPU, as NVML or nvidia-smi report it. */
export interface GpuProcess {
  pid: number;
  /** GPU memory it holds, bytes; undefined when the driver does not say. */
  usedMemoryBytes: number | undefined;
}

/** The shared-GPU rule, stated once so that sensor descriptions and docs say the same thing. */
export const GPU_SHARE_RULE =
  "shared GPUs: the run's share is its processes' share of GPU memory held by compute processes " +
  '(by process count when the driver reports no memory); an idle GPU counts wholly to the run; a GPU ' +
  'used only by others counts 0; processes whose pid is not in our procfs (another pid namespace) are not counted';

/**
 * Fraction of a GPU's energy charged to the run whose process tree is `runPids`.
 * Memory held is the one per-process figure every driver reports, and it tracks who keeps the device
 * busy and who blocks others from it; the count fallback keeps the rule defined without it.
 */
export function runShareOfGpu(
  all: readonly GpuProcess[],
  runPids: ReadonlySet<number> | undefined,
  /** Every pid in our procfs. In a container the driver reports host pids, which can be attributed to no one. */
  visiblePids?: ReadonlySet<number>,
): number {
  const processes = visiblePids ? all.filter((p) => visiblePids.has(p.pid)) : all;
  if (runPids === undefined || processes.length === 0) return 1;
  const ours = processes.filter((p) => runPids.has(p.pid));
  if (ours.length === 0) return 0;
  if (ours.length === processes.length) return 1;
  const memoryKnown = processes.every((p) => p.usedMemoryBytes !== undefined);
  const total = memoryKnown ? processes.reduce((s, p) => s + p.usedMemoryBytes!, 0) : 0;
  if (total > 0) return ours.reduce((s, p) => s + p.usedMemoryBytes!, 0) / total;
  return ours.length / processes.length;
}

/**
 * Turns a device's cumulative energy counter into the run's cumulative energy: each interval's delta is
 * multiplied by the share measured at its end. A counter that goes backwards (driver reload) adds 0.
 */
export class AttributedCounter {
  private last: number | undefined;
  private total = 0;

  add(rawEnergyJ: number, share: number): number {
    if (this.last !== undefined && rawEnergyJ >= this.last) this.total += (rawEnergyJ - this.last) * share;
    this.last = rawEnergyJ;
    return this.total;
  }
}
