import { nowS } from '@verdant/core';
import type { DiscoveryContext, EnergySensor, SensorProvider, SensorReading } from '../sensor.js';
import { memTotalBytes, treeRssBytes } from './procfs.js';

/**
 * 3 W per 8 GB of DRAM, the figure CodeCarbon uses (after Crucial's guidance for DDR3/DDR4 modules):
 * 0.375 W per GiB.
 */
export const RAM_WATTS_PER_GIB = 3 / 8;
const GIB = 1024 ** 3;

/** 'installed': all memory in the machine (DRAM draws refresh power whether used or not); 'rss': the run's resident memory only. */
export type RamAttribution = 'installed' | 'rss';

/** RAM estimate when no DRAM RAPL domain is readable. */
export class RamModelProvider implements SensorProvider {
  readonly name = 'ram-model';

  constructor(private readonly attribution: RamAttribution = 'installed') {}

  async discover(ctx: DiscoveryContext): Promise<EnergySensor[]> {
    const total = await memTotalBytes(ctx.procfsRoot);
    if (total === undefined) {
      ctx.warn(`no MemTotal in ${ctx.procfsRoot}/meminfo; RAM energy is not estimated`);
      return [];
    }
    return [new RamModelSensor(ctx, total, this.attribution)];
  }
}

export class RamModelSensor implements EnergySensor {
  readonly id = 'model:ram';
  readonly kind = 'model' as const;
  readonly method = 'ram-model';
  readonly estimate = true;
  readonly description: string;

  constructor(
    private readonly ctx: DiscoveryContext,
    private readonly totalBytes: number,
    private readonly attribution: RamAttribution,
  ) {
    const gib = (totalBytes / GIB).toFixed(1);
    this.description =
      attribution === 'installed'
        ? `RAM estimate: ${RAM_WATTS_PER_GIB} W/GiB (3 W per 8 GB) x ${gib} GiB installed`
        : `RAM estimate: ${RAM_WATTS_PER_GIB} W/GiB (3 W per 8 GB) x the run's resident memory (of ${gib} GiB installed)`;
  }

  async read(): Promise<SensorReading> {
    const root = this.ctx.rootPid();
    const bytes =
      this.attribution === 'installed' ? this.totalBytes : root === undefined ? 0 : await treeRssBytes(this.ctx.procfsRoot, root);
    return { t: nowS(), powerW: (Math.min(bytes, this.totalBytes) / GIB) * RAM_WATTS_PER_GIB };
  }
}
