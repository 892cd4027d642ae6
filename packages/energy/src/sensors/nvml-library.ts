import type { GpuProcess } from './attribution.js';

/** NVML return codes used here (nvml.h). */
const NVML_SUCCESS = 0;
const NVML_ERROR_INSUFFICIENT_SIZE = 7;
/** usedGpuMemory when the driver cannot say (NVML_VALUE_NOT_AVAILABLE). */
const VALUE_NOT_AVAILABLE = 0xffffffffffffffffn;

/** The few NVML calls Verdant makes, behind a plain interface so the sensor logic stays FFI-free. */
export interface NvmlLibrary {
  deviceCount(): number;
  handle(index: number): unknown;
  name(device: unknown): string;
  uuid(device: unknown): string;
  /** Energy since driver load, mJ; undefined when the GPU has no counter (before Volta). */
  totalEnergyMj(device: unknown): number | undefined;
  /** Board power, mW; undefined when not supported. */
  powerMw(device: unknown): number | undefined;
  computeProcesses(device: unknown): GpuProcess[];
  shutdown(): void;
}

export class NvmlError extends Error {
  constructor(
    readonly call: string,
    readonly code: number,
  ) {
    super(`${call} returned NVML error ${code}`);
    this.name = 'NvmlError';
  }
}

type Fn = (...args: unknown[]) => number;

/**
 * Loads libnvidia-ml through koffi and initialises it. Throws when the library is absent (no NVIDIA
 * driver) or nvmlInit fails; the caller falls back to nvidia-smi.
 */
export async function openNvml(libraryPath: string): Promise<NvmlLibrary> {
  const { default: koffi } = await import('koffi');
  const lib = koffi.load(libraryPath);
  const device = koffi.pointer(koffi.opaque());
  const fn = (name: string, result: string, args: unknown[]): Fn => lib.func(name, result, args as never) as unknown as Fn;
  const optional = (name: string, result: string, args: unknown[]): Fn | undefined => {
    try {
      return fn(name, result, args);
    } catch {
      return undefined;
    }
  };
  const check = (call: string, code: number): void => {
    if (code !== NVML_SUCCESS) throw new NvmlError(call, code);
  };

  const init = fn('nvmlInit_v2', 'int', []);
  const shutdown = fn('nvmlShutdown', 'int', []);
  const getCount = fn('nvmlDeviceGetCount_v2', 'int', [koffi.out(koffi.pointer('uint'))]);
  const getHandle = fn('nvmlDeviceGetHandleByIndex_v2', 'int', ['uint', koffi.out(koffi.pointer(device))]);
  const getName = fn('nvmlDeviceGetName', 'int', [device, 'void *', 'uint']);
  const getUuid = fn('nvmlDeviceGetUUID', 'int', [device, 'void *', 'uint']);
  const getEnergy = fn('nvmlDeviceGetTotalEnergyConsumption', 'int', [device, koffi.out(koffi.pointer('uint64'))]);
  const getPower = fn('nvmlDeviceGetPowerUsage', 'int', [device, koffi.out(koffi.pointer('uint'))]);
  // v3/v2 use the 24-byte nvmlProcessInfo_t; the unversioned v1 symbol uses the 16-byte v1 struct.
  const procArgs = [device, koffi.inout(koffi.pointer('uint')), 'void *'];
  const processes: { fn: Fn; stride: number; name: string } | undefined = (() => {
    for (const [name, stride] of [
      ['nvmlDeviceGetComputeRunningProcesses_v3', 24],
      ['nvmlDeviceGetComputeRunningProcesses_v2', 24],
      ['nvmlDeviceGetComputeRunningProcesses', 16],
    ] as const) {
      const f = optional(name, 'int', procArgs);
      if (f) return { fn: f, stride, name };
    }
    return undefined;
  })();

  check('nvmlInit_v2', init());

  const text = (call: string, f: Fn, d: unknown): string => {
    const buf = Buffer.alloc(96);
    check(call, f(d, buf, buf.length));
    const end = buf.indexOf(0);
    return buf.subarray(0, end < 0 ? buf.length : end).toString('utf8');
  };
  const optionalNumber = (f: Fn, d: unknown): number | undefined => {
    const out: unknown[] = [0];
    return f(d, out) === NVML_SUCCESS ? Number(out[0]) : undefined;
  };

  return {
    deviceCount() {
      const out: unknown[] = [0];
      check('nvmlDeviceGetCount_v2', getCount(out));
      return Number(out[0]);
    },
    handle(index) {
      const out: unknown[] = [null];
      check('nvmlDeviceGetHandleByIndex_v2', getHandle(index, out));
      return out[0];
    },
    name: (d) => text('nvmlDeviceGetName', getName, d),
    uuid: (d) => text('nvmlDeviceGetUUID', getUuid, d),
    totalEnergyMj: (d) => optionalNumber(getEnergy, d),
    powerMw: (d) => optionalNumber(getPower, d),
    computeProcesses(d) {
      if (!processes) return [];
      // Processes come and go between the two calls: retry with room to spare.
      for (let capacity = 16; capacity <= 4096; capacity *= 4) {
        const count = [capacity];
        const buf = Buffer.alloc(capacity * processes.stride);
        const code = processes.fn(d, count, buf);
        if (code === NVML_ERROR_INSUFFICIENT_SIZE) continue;
        check(processes.name, code);
        const list: GpuProcess[] = [];
        for (let i = 0; i < Number(count[0]); i++) {
          const at = i * processes.stride;
          const mem = buf.readBigUInt64LE(at + 8);
          list.push({ pid: buf.readUInt32LE(at), usedMemoryBytes: mem === VALUE_NOT_AVAILABLE ? undefined : Number(mem) });
        }
        return list;
      }
      return [];
    },
    shutdown() {
      shutdown();
    },
  };
}
