import { nowS } from '@verdant/core';
import type { DiscoveryContext, EnergySensor, SensorProvider, SensorReading } from '../sensor.js';
import { cpuCount, cpuInfo, machineCpuTicks, treeCpuSeconds } from './procfs.js';
import { cpuTdpWatts } from './tdp.js';

/**
 * CPU estimate when RAPL is unavailable: TDP x the run's share of the machine's CPU time.
 * share = (CPU seconds of the run's process tree over the interval) / (wall seconds x logical CPUs).
 * Before the run has a pid, the whole machine's busy share from /proc/stat is used instead.
 */
export class TdpModelProvider implements SensorProvider {
  readonly name = 'cpu-model';

  async discover(ctx: DiscoveryContext): Promise<EnergySensor[]> {
    const [info, cpus] = await Promise.all([cpuInfo(ctx.procfsRoot), cpuCount(ctx.procfsRoot)]);
    const tdp = cpuTdpWatts(info.model, info.sockets, cpus);
    return [new TdpModelSensor(ctx, tdp.watts, cpus, tdp.basis)];
  }
}

interface Baseline {
  mode: 'tree' | 'machine';
  wallS: number;
  busy: number;
  total: number;
}

export class TdpModelSensor implements EnergySensor {
  readonly id = 'model:cpu';
  readonly kind = 'model' as const;
  readonly method = 'tdp-model';
  readonly estimate = true;
  readonly description: string;
  private last: Baseline | undefined;
  private energyJ = 0;

  constructor(
    private readonly ctx: DiscoveryContext,
    readonly tdpW: number,
    private readonly cpus: number,
    basis: string,
  ) {
    this.description = `CPU estimate: ${tdpW.toFixed(0)} W (${basis}) x the run's share of CPU time (process tree utime+stime, incl. waited-for children, / wall time x ${cpus} CPUs)`;
  }

  async read(): Promise<SensorReading> {
    const now = await this.sample();
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

  private async sample(): Promise<Baseline> {
    const root = this.ctx.rootPid();
    if (root !== undefined) {
      const busy = await treeCpuSeconds(this.ctx.procfsRoot, root);
      return { mode: 'tree', wallS: nowS(), busy, total: 0 };
    }
    const ticks = await machineCpuTicks(this.ctx.procfsRoot);
    return { mode: 'machine', wallS: nowS(), busy: ticks?.busy ?? 0, total: ticks?.total ?? 0 };
  }
}
