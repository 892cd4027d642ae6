import { invalidInput } from '@verdant/core';
import type { DiscoveryContext, EnergySensor, SensorProvider } from '../sensor.js';
import { AmdSmiProvider } from './amd-smi.js';
import { TdpModelProvider } from './cpu-model.js';
import { FakeSensorProvider } from './fake.js';
import { HlSmiProvider } from './hl-smi.js';
import { NvidiaSmiProvider } from './nvidia-smi.js';
import { NvmlProvider } from './nvml.js';
import { RamModelProvider, type RamAttribution } from './ram-model.js';
import { RaplProvider } from './rapl.js';
import { RocmSmiProvider } from './rocm-smi.js';

export { AmdSmiProvider, parseAmdSmi } from './amd-smi.js';
export { GPU_SHARE_RULE, runShareOfGpu, AttributedCounter, type GpuProcess } from './attribution.js';
export { TdpModelProvider, TdpModelSensor } from './cpu-model.js';
export { FakeSensorProvider, FakeSensor, loadFakeSensorFile, type FakeSensorSpec } from './fake.js';
export { HlSmiProvider, parseHlSmi } from './hl-smi.js';
export { NvidiaSmiProvider, parseSmiApps, parseSmiGpus } from './nvidia-smi.js';
export { NvmlProvider, NVML_LIBRARY } from './nvml.js';
export {
  USER_HZ,
  parseProcStat,
  readProcStat,
  listProcesses,
  processTree,
  scanProcessTree,
  processTreePids,
  treeCpuSeconds,
  treeRssBytes,
  machineCpuTicks,
  cpuCount,
  cpuInfo,
  memTotalBytes,
  type ProcStat,
} from './procfs.js';
export { RamModelProvider, RamModelSensor, RAM_WATTS_PER_GIB, type RamAttribution } from './ram-model.js';
export { RaplProvider, RAPL_PERMISSION_FIX } from './rapl.js';
export { RocmSmiProvider, parseRocmSmi } from './rocm-smi.js';
export { TDP_TABLE, DEFAULT_WATTS_PER_CPU, lookupTdp, cpuTdpWatts, type TdpEntry } from './tdp.js';
export { visibleGpus, type GpuIdentity } from './visible-devices.js';

/**
 * Device families in discovery order. Within a family the first provider that finds devices wins
 * (NVML before nvidia-smi, amd-smi before rocm-smi).
 */
export const SENSOR_FAMILIES = ['fake', 'nvidia', 'amd', 'gaudi', 'rapl', 'cpu-model', 'ram-model'] as const;
export type SensorFamily = (typeof SENSOR_FAMILIES)[number];

const PROVIDER_NAMES = ['fake', 'nvml', 'nvidia-smi', 'amd-smi', 'rocm-smi', 'hl-smi', 'rapl', 'cpu-model', 'ram-model'];

export interface DiscoverOptions {
  /** Families or provider names to use, e.g. ['nvidia', 'rapl'] or ['nvidia-smi']; all when omitted. */
  only?: string[];
  /** Families or provider names to skip, e.g. ['gaudi', 'nvml']. */
  exclude?: string[];
  /** How the RAM model charges memory (default 'installed'). */
  ram?: RamAttribution;
}

/**
 * Finds every sensor for this machine and run: measured ones first (GPUs, accelerators, RAPL), then
 * the CPU model only when no RAPL package is readable and the RAM model only when no DRAM domain is.
 * Never throws for an absent or broken device family (it warns and moves on); throws a VerdantError
 * only for bad options or a bad VERDANT_FAKE_SENSORS file.
 */
export async function discoverSensors(ctx: DiscoveryContext, options: DiscoverOptions = {}): Promise<EnergySensor[]> {
  const enabled = familyFilter(options);
  const tryProviders = async (family: SensorFamily, providers: SensorProvider[]): Promise<EnergySensor[]> => {
    for (const provider of providers) {
      if (!enabled(family, provider.name)) continue;
      try {
        const sensors = await provider.discover(ctx);
        if (sensors.length > 0) return sensors;
      } catch (e) {
        ctx.warn(`${provider.name} sensors skipped: ${(e as Error).message}`);
      }
    }
    return [];
  };

  const fake = new FakeSensorProvider();
  const fakes = enabled('fake', fake.name) ? await fake.discover(ctx) : [];
  if (fakes.length > 0 && fake.exclusive) return fakes;

  const measuredGroups = await Promise.all([
    tryProviders('nvidia', [new NvmlProvider(), new NvidiaSmiProvider()]),
    tryProviders('amd', [new AmdSmiProvider(), new RocmSmiProvider()]),
    tryProviders('gaudi', [new HlSmiProvider()]),
    tryProviders('rapl', [new RaplProvider()]),
  ]);
  const measured = uniqueIds([...fakes, ...measuredGroups.flat()], ctx);
  const models: EnergySensor[] = [];
  if (!measured.some((s) => s.kind === 'cpu')) models.push(...(await tryProviders('cpu-model', [new TdpModelProvider()])));
  if (!measured.some((s) => s.kind === 'dram')) {
    models.push(...(await tryProviders('ram-model', [new RamModelProvider(options.ram ?? 'installed')])));
  }
  return [...measured, ...models];
}

/** Two vendors can both number their GPUs from 0 (a mixed node): later duplicates get their method appended. */
function uniqueIds(sensors: EnergySensor[], ctx: DiscoveryContext): EnergySensor[] {
  const seen = new Set<string>();
  return sensors.map((s) => {
    if (!seen.has(s.id)) {
      seen.add(s.id);
      return s;
    }
    const id = `${s.id}:${s.method}`;
    seen.add(id);
    ctx.warn(`two sensors are called ${s.id}; the ${s.method} one is reported as ${id}`);
    return renamed(s, id);
  });
}

function renamed(sensor: EnergySensor, id: string): EnergySensor {
  return {
    id,
    kind: sensor.kind,
    method: sensor.method,
    description: sensor.description,
    estimate: sensor.estimate,
    read: () => sensor.read(),
    ...(sensor.close ? { close: () => sensor.close!() } : {}),
  };
}

function familyFilter(options: DiscoverOptions): (family: SensorFamily, provider: string) => boolean {
  const known = new Set<string>([...SENSOR_FAMILIES, ...PROVIDER_NAMES]);
  for (const key of ['only', 'exclude'] as const) {
    for (const name of options[key] ?? []) {
      if (!known.has(name)) {
        throw invalidInput(key, `unknown sensor family or provider "${name}"`, `use one of: ${[...known].join(', ')}`);
      }
    }
  }
  const only = options.only && new Set(options.only);
  const exclude = new Set(options.exclude ?? []);
  return (family, provider) =>
    (!only || only.has(family) || only.has(provider)) && !exclude.has(family) && !exclude.has(provider);
}
