import { nowS } from '@verdant/core';
import { defineSensorSource, type DiscoveryContext, type EnergySensor, type SensorSource, type SensorReading } from './sensor.js';
import { AttributedCounter, GPU_SHARE_RULE, runShareOfGpu } from './attribution.js';
import { openNvml, type NvmlLibrary } from './nvml-library.js';
import { runPidsReader, type RunProcesses } from './run-pids.js';
import { visibleGpus } from './visible-devices.js';

/** The driver's soname; VERDANT_NVML_LIBRARY overrides it (unusual installs, and tests). */
export const NVML_LIBRARY = 'libnvidia-ml.so.1';

/** One NVML initialisation shared by all GPU sensors; shut down when the last one closes. */
class NvmlSession {
  private refs = 0;
  constructor(readonly lib: NvmlLibrary) {}
  acquire(): void {
    this.refs++;
  }
  release(): void {
    if (--this.refs === 0) this.lib.shutdown();
  }
}

/**
 * NVIDIA GPUs through NVML (koffi FFI): the total-energy counter where the GPU has one (Volta and
 * newer), board power otherwise. Absent driver: returns [] so discovery falls back to nvidia-smi.
 */
export class NvmlSource implements SensorSource {
  readonly name = 'nvml';

  async discover(ctx: DiscoveryContext): Promise<EnergySensor[]> {
    if (ctx.env.VERDANT_NVML === '0') return [];
    let lib: NvmlLibrary;
    try {
      lib = await openNvml(ctx.env.VERDANT_NVML_LIBRARY?.trim() || NVML_LIBRARY);
    } catch (e) {
      // No library is the normal case on machines without NVIDIA GPUs; a failed init is worth a note.
      if (/nvmlInit/.test((e as Error).message)) ctx.warn(`NVML could not start (${(e as Error).message}); trying nvidia-smi`);
      return [];
    }
    const session = new NvmlSession(lib);
    const runPids = runPidsReader(ctx);
    const sensors: EnergySensor[] = [];
    try {
      const devices = Array.from({ length: lib.deviceCount() }, (_, index) => {
        const handle = lib.handle(index);
        return { index, handle, uuid: lib.uuid(handle), name: lib.name(handle) };
      });
      for (const d of visibleGpus(devices, ctx.env.CUDA_VISIBLE_DEVICES)) {
        const counter = lib.totalEnergyMj(d.handle) !== undefined;
        if (!counter && lib.powerMw(d.handle) === undefined) {
          ctx.warn(`gpu:${d.index} (${d.name}): NVML reports neither energy nor power; this GPU is not measured`);
          continue;
        }
        session.acquire();
        sensors.push(new NvmlSensor(session, d, counter, runPids));
      }
    } catch (e) {
      ctx.warn(`NVML device listing failed (${(e as Error).message}); trying nvidia-smi`);
      for (const s of sensors) await s.close?.();
      return [];
    } finally {
      if (sensors.length === 0) lib.shutdown();
    }
    return sensors;
  }
}

class NvmlSensor implements EnergySensor {
  readonly id: string;
  readonly kind = 'gpu' as const;
  readonly method: string;
  readonly estimate = false;
  readonly description: string;
  private readonly attributed = new AttributedCounter();
  private closed = false;

  constructor(
    private readonly session: NvmlSession,
    private readonly device: { index: number; handle: unknown; uuid: string; name: string },
    private readonly counter: boolean,
    private readonly runPids: () => Promise<RunProcesses | undefined>,
  ) {
    this.id = `gpu:${device.index}`;
    this.method = counter ? 'nvml-energy-counter' : 'nvml-power';
    const how = counter ? 'NVML total-energy counter (mJ)' : 'NVML board power (mW)';
    this.description = `${device.name} (${device.uuid}), ${how}; ${GPU_SHARE_RULE}`;
  }

  async read(): Promise<SensorReading> {
    const pids = await this.runPids();
    const { lib } = this.session;
    const h = this.device.handle;
    const t = nowS();
    const share = pids === undefined ? 1 : runShareOfGpu(lib.computeProcesses(h), pids.run, pids.visible);
    if (this.counter) {
      const mj = lib.totalEnergyMj(h);
      if (mj === undefined) throw new Error(`${this.id}: NVML energy counter stopped answering`);
      return { t, energyJ: this.attributed.add(mj / 1000, share) };
    }
    const mw = lib.powerMw(h);
    if (mw === undefined) throw new Error(`${this.id}: NVML power reading stopped answering`);
    return { t, powerW: (mw / 1000) * share };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session.release();
  }
}

/** NVIDIA GPUs through NVML (energy counter, else power): the family's first choice. */
export const nvmlSensorSource = defineSensorSource({
  name: 'nvml',
  family: 'nvidia',
  stage: 'measured',
  create: () => new NvmlSource(),
});
