import { nowS } from '@verdant/core';
import { checkRamAttribution, defineSensorSource, type DiscoveryContext, type EnergySensor, type RamAttribution, type SensorSource, type SensorReading } from './sensor.js';
import { memTotalBytes, processTreeSync, releaseProcessTree } from './procfs.js';

/**
 * 3 W per 8 GB of DRAM, the figure CodeCarbon uses (after Crucial's guidance for DDR3/DDR4 modules):
 * 0.375 W per GiB.
 */
export const RAM_WATTS_PER_GIB = 3 / 8;
const GIB = 1024 ** 3;

/** The sensor's method per mode, so every listing of a run (`runs show`, reports) says which one was used. */
export const RAM_MODEL_METHODS: Record<RamAttribution, string> = { rss: 'ram-model-rss', machine: 'ram-model-machine' };

/** RAM estimate when no DRAM RAPL domain is readable. */
export class RamModelSource implements SensorSource {
  readonly name = 'ram-model';

  constructor(private readonly attribution: RamAttribution = 'rss') {
    checkRamAttribution(attribution, 'ram');
  }

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
  readonly method: string;
  readonly estimate = true;
  readonly description: string;

  constructor(
    private readonly ctx: DiscoveryContext,
    private readonly totalBytes: number,
    private readonly attribution: RamAttribution,
  ) {
    const gib = (totalBytes / GIB).toFixed(1);
    this.method = RAM_MODEL_METHODS[attribution];
    this.description =
      attribution === 'machine'
        ? `RAM estimate, mode machine: ${RAM_WATTS_PER_GIB} W/GiB (3 W per 8 GB) x all ${gib} GiB installed, whatever the run uses`
        : `RAM estimate, mode rss: ${RAM_WATTS_PER_GIB} W/GiB (3 W per 8 GB) x the run's resident memory (process tree RSS; ${gib} GiB installed)`;
  }

  async read(): Promise<SensorReading> {
    return this.readNow();
  }

  readNow(): SensorReading {
    const root = this.ctx.rootPid();
    let bytes = this.attribution === 'machine' ? this.totalBytes : 0;
    if (this.attribution === 'rss' && root !== undefined) {
      const tree = processTreeSync(this.ctx.procfsRoot, root);
      for (let i = 0; i < tree.length; i++) bytes += tree[i]!.rssBytes;
    }
    return { t: nowS(), powerW: (Math.min(bytes, this.totalBytes) / GIB) * RAM_WATTS_PER_GIB };
  }

  /** Closes the process files held open for reading the tree. */
  async close(): Promise<void> {
    const root = this.ctx.rootPid();
    if (root !== undefined) releaseProcessTree(this.ctx.procfsRoot, root);
  }
}

/** The RAM estimate, only when no DRAM domain is readable. */
export const ramModelSensorSource = defineSensorSource({
  name: 'ram-model',
  family: 'ram-model',
  stage: 'model',
  fills: 'dram',
  create: (options) => new RamModelSource(options.ram ?? 'rss'),
});
