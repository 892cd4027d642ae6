import { nowS } from '@verdant/core';
import { defineSensorSource, type DiscoveryContext, type EnergySensor, type SensorSource, type SensorReading } from './sensor.js';
import { cpuCount, cpuInfo, machineCpuTicksSync, processTreeSync, reapedChildrenCpuSeconds, releaseProcessTree } from './procfs.js';
import { cpuTdpWatts } from './tdp.js';

/**
 * CPU estimate when RAPL is unavailable: TDP x the run's share of the machine's CPU time.
 * share = (CPU seconds of the run's process tree over the interval) / (wall seconds x logical CPUs).
 * Before the run has a pid, the whole machine's busy share from /proc/stat is used instead. When the root has
 * exited and been reaped, its last CPU time is read from this process's reaped-children rusage.
 */
export class TdpModelSource implements SensorSource {
  readonly name = 'cpu-model';

  async discover(ctx: DiscoveryContext): Promise<EnergySensor[]> {
    const [info, cpus] = await Promise.all([cpuInfo(ctx.procfsRoot), cpuCount(ctx.procfsRoot)]);
    const tdp = cpuTdpWatts(info.model, info.sockets, cpus);
    return [new TdpModelSensor(ctx, tdp.watts, cpus, tdp.basis)];
  }
}

/**
 * How old the reaped-children figure taken while the root is alive may be, s. It is the baseline the root's final
 * CPU time is measured from; read at most this often rather than at every sample (a tenth of a second apart, it
 * would be half of a sample's cost). A child of this process other than the root reaped meanwhile (a vendor CLI)
 * adds to the last interval, which is capped at all CPUs busy.
 */
const REAPED_BASELINE_S = 0.5;

interface Baseline {
  mode: 'tree' | 'machine';
  wallS: number;
  busy: number;
  total: number;
  /** CPU seconds of the children this process has reaped (cutime + cstime of <procfs>/self/stat), if readable. */
  reaped: number | undefined;
}

export class TdpModelSensor implements EnergySensor {
  readonly id = 'model:cpu';
  readonly kind = 'model' as const;
  readonly method = 'tdp-model';
  readonly estimate = true;
  readonly description: string;
  private last: Baseline | undefined;
  private energyJ = 0;
  /** The tree's final CPU seconds once its root has exited: nothing more is charged after that. */
  private finalBusy: number | undefined;
  /** The last reaped-children figure read while the root was alive, and when (epoch s). */
  private reapedBaseline: { value: number | undefined; at: number } | undefined;

  constructor(
    private readonly ctx: DiscoveryContext,
    readonly tdpW: number,
    private readonly cpus: number,
    basis: string,
  ) {
    this.description = `CPU estimate: ${tdpW.toFixed(0)} W (${basis}) x the run's share of CPU time (process tree utime+stime, incl. waited-for children and the exited root's own rusage, / wall time x ${cpus} CPUs)`;
  }

  async read(): Promise<SensorReading> {
    return this.readNow();
  }

  readNow(): SensorReading {
    const root = this.ctx.rootPid();
    const now = root === undefined ? this.machineSample() : this.treeSample(root);
    if (this.last && this.last.mode === 'machine' && now.mode === 'tree') {
      // The run's pid has just appeared: every CPU second of its tree was spent since the previous read.
      this.last = { ...now, wallS: this.last.wallS, busy: 0 };
    }
    if (this.last && this.last.mode === now.mode) {
      const wall = now.wallS - this.last.wallS;
      const capacity = now.mode === 'tree' ? wall * this.cpus : now.total - this.last.total;
      const used = Math.max(0, now.busy - this.last.busy);
      const share = capacity > 0 ? Math.min(1, used / capacity) : 0;
      this.energyJ += share * this.tdpW * Math.max(0, wall);
    }
    // A drop (a descendant exited unwaited by the tree) counts 0 and re-bases, so later growth still counts.
    this.last = now;
    return { t: now.wallS, energyJ: this.energyJ };
  }

  /** Closes the process files held open for reading the tree. */
  async close(): Promise<void> {
    const root = this.ctx.rootPid();
    if (root !== undefined) releaseProcessTree(this.ctx.procfsRoot, root);
  }

  private treeSample(root: number): Baseline {
    if (this.finalBusy !== undefined) return { mode: 'tree', wallS: nowS(), busy: this.finalBusy, total: 0, reaped: undefined };
    // Reaped-children time first: if the root is alive now, this figure cannot yet hold its final time.
    const at = nowS();
    const age = this.reapedBaseline ? at - this.reapedBaseline.at : Infinity;
    const fresh = !this.reapedBaseline || !(age >= 0 && age < REAPED_BASELINE_S); // also when the clock was set back
    const reapedBefore = fresh ? reapedChildrenCpuSeconds(this.ctx.procfsRoot) : this.reapedBaseline!.value;
    const tree = processTreeSync(this.ctx.procfsRoot, root);
    if (tree.length > 0) {
      if (fresh) this.reapedBaseline = { value: reapedBefore, at };
      let busy = 0;
      for (let i = 0; i < tree.length; i++) busy += tree[i]!.cpuS + tree[i]!.childrenCpuS;
      return { mode: 'tree', wallS: at, busy, total: 0, reaped: reapedBefore }; // read microseconds after `at`
    }
    // The root has exited: gone from procfs means reaped, and a reaped child's whole CPU time (its own and its
    // waited-for descendants') has moved into this process's children rusage since the baseline. That is the
    // tree's final figure; descendants the root did not wait for are not in it (their time counts 0).
    const reaped = reapedChildrenCpuSeconds(this.ctx.procfsRoot);
    const before = this.last?.mode === 'tree' ? this.last.busy : 0;
    const since = reaped !== undefined && this.last?.reaped !== undefined ? Math.max(0, reaped - this.last.reaped) : 0;
    this.finalBusy = Math.max(before, since);
    return { mode: 'tree', wallS: nowS(), busy: this.finalBusy, total: 0, reaped: undefined };
  }

  private machineSample(): Baseline {
    const reaped = reapedChildrenCpuSeconds(this.ctx.procfsRoot);
    const ticks = machineCpuTicksSync(this.ctx.procfsRoot);
    return { mode: 'machine', wallS: nowS(), busy: ticks?.busy ?? 0, total: ticks?.total ?? 0, reaped };
  }
}

/** The CPU estimate (TDP x the run's CPU share), only when no RAPL package is readable. */
export const cpuModelSensorSource = defineSensorSource({
  name: 'cpu-model',
  family: 'cpu-model',
  stage: 'model',
  fills: 'cpu',
  create: () => new TdpModelSource(),
});
