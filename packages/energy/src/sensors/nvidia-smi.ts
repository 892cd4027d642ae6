import { nowS } from '@verdant/core';
import { defineSensorSource, type DiscoveryContext, type EnergySensor, type SensorSource, type SensorReading } from './sensor.js';
import { GPU_SHARE_RULE, runShareOfGpu, type GpuProcess } from './attribution.js';
import { runPidsReader, type RunProcesses } from './run-pids.js';
import { csvRows, numberField, runTool, sharedQuery, ToolMissing } from './tool.js';
import { visibleGpus } from './visible-devices.js';

interface SmiGpu {
  index: number;
  uuid: string;
  name: string;
  powerW: number | undefined;
}

const MIB = 1024 * 1024;

/**
 * The --query-gpu fields, name last: nvidia-smi's CSV does not quote, so a comma inside a GPU name would
 * shift every column after it. With the name last, all that follows the third comma is the name.
 */
const SMI_GPU_QUERY = '--query-gpu=index,uuid,power.draw,name';

/** Rows of `nvidia-smi --query-gpu=index,uuid,power.draw,name --format=csv,noheader,nounits`. */
export function parseSmiGpus(csv: string): SmiGpu[] {
  return csv.split('\n').flatMap((line) => {
    const [index, uuid, power, ...rest] = line.split(',');
    const i = numberField(index);
    const id = uuid?.trim();
    if (i === undefined || !id) return [];
    return [{ index: i, uuid: id, name: rest.join(',').trim() || 'NVIDIA GPU', powerW: numberField(power) }];
  });
}

/** Compute processes per GPU UUID from --query-compute-apps=gpu_uuid,pid,used_memory (MiB). */
export function parseSmiApps(csv: string): Map<string, GpuProcess[]> {
  const byGpu = new Map<string, GpuProcess[]>();
  for (const [uuid, pid, mem] of csvRows(csv)) {
    const p = numberField(pid);
    if (!uuid || p === undefined) continue;
    const mib = numberField(mem);
    const list = byGpu.get(uuid) ?? [];
    list.push({ pid: p, usedMemoryBytes: mib === undefined ? undefined : mib * MIB });
    byGpu.set(uuid, list);
  }
  return byGpu;
}

/** NVIDIA GPUs through the nvidia-smi CLI: power draw only (the fallback when NVML cannot be loaded). */
export class NvidiaSmiSource implements SensorSource {
  readonly name = 'nvidia-smi';

  async discover(ctx: DiscoveryContext): Promise<EnergySensor[]> {
    const gpus = sharedQuery(async () =>
      parseSmiGpus(await runTool('nvidia-smi', [SMI_GPU_QUERY, '--format=csv,noheader,nounits'], ctx.env)),
    );
    const apps = sharedQuery(async () =>
      parseSmiApps(
        await runTool('nvidia-smi', ['--query-compute-apps=gpu_uuid,pid,used_memory', '--format=csv,noheader,nounits'], ctx.env),
      ),
    );
    let found: SmiGpu[];
    try {
      found = await gpus();
    } catch (e) {
      if (!(e instanceof ToolMissing)) ctx.warn(`NVIDIA GPUs skipped: ${(e as Error).message}`);
      return [];
    }
    const runPids = runPidsReader(ctx);
    return visibleGpus(found, ctx.env.CUDA_VISIBLE_DEVICES).flatMap((gpu) => {
      if (gpu.powerW === undefined) {
        ctx.warn(`gpu:${gpu.index} (${gpu.name}): nvidia-smi reports no power.draw; this GPU is not measured`);
        return [];
      }
      return [new NvidiaSmiSensor(gpu, gpus, apps, runPids)];
    });
  }
}

class NvidiaSmiSensor implements EnergySensor {
  readonly id: string;
  readonly kind = 'gpu' as const;
  readonly method = 'nvidia-smi-power';
  readonly estimate = false;
  readonly description: string;

  constructor(
    private readonly gpu: SmiGpu,
    private readonly gpus: () => Promise<SmiGpu[]>,
    private readonly apps: () => Promise<Map<string, GpuProcess[]>>,
    private readonly runPids: () => Promise<RunProcesses | undefined>,
  ) {
    this.id = `gpu:${gpu.index}`;
    this.description = `${gpu.name} (${gpu.uuid}), power.draw from nvidia-smi; ${GPU_SHARE_RULE}`;
  }

  async read(): Promise<SensorReading> {
    const [gpus, pids] = await Promise.all([this.gpus(), this.runPids()]);
    const t = nowS();
    const powerW = gpus.find((g) => g.uuid === this.gpu.uuid)?.powerW;
    if (powerW === undefined) throw new Error(`${this.id}: nvidia-smi no longer reports this GPU's power`);
    const share = pids === undefined ? 1 : runShareOfGpu((await this.apps()).get(this.gpu.uuid) ?? [], pids.run, pids.visible);
    return { t, powerW: powerW * share };
  }
}

/** NVIDIA GPUs through nvidia-smi, when NVML finds none. */
export const nvidiaSmiSensorSource = defineSensorSource({
  name: 'nvidia-smi',
  family: 'nvidia',
  stage: 'measured',
  create: () => new NvidiaSmiSource(),
});
