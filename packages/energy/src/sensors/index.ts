import { invalidInput } from '@verdant/core';
import { checkRamAttribution, type DiscoveryContext, type EnergySensor, type RamAttribution, type SensorSourceDescriptor } from './sensor.js';
import { sensorFamilies, sensorSources } from './registry.js';

export { AmdSmiSource, parseAmdSmi } from './amd-smi.js';
export { GPU_SHARE_RULE, runShareOfGpu, AttributedCounter, type GpuProcess } from './attribution.js';
export { TdpModelSource, TdpModelSensor } from './cpu-model.js';
export { FakeSensorSource, FakeSensor, loadFakeSensorFile, type FakeSensorSpec } from './fake.js';
export { HlSmiSource, parseHlSmi } from './hl-smi.js';
export { NvidiaSmiSource, parseSmiApps, parseSmiGpus } from './nvidia-smi.js';
export { NvmlSource, NVML_LIBRARY } from './nvml.js';
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
  reapedChildrenCpuSeconds,
  machineCpuTicks,
  cpuCount,
  cpuInfo,
  memTotalBytes,
  type ProcStat,
} from './procfs.js';
export { RamModelSource, RamModelSensor, RAM_WATTS_PER_GIB, RAM_MODEL_METHODS } from './ram-model.js';
export { RAM_ATTRIBUTIONS, type RamAttribution } from './sensor.js';
export { RaplSource, RAPL_PERMISSION_FIX } from './rapl.js';
export { RocmSmiSource, parseRocmSmi } from './rocm-smi.js';
export { TDP_TABLE, DEFAULT_WATTS_PER_CPU, lookupTdp, cpuTdpWatts, type TdpEntry } from './tdp.js';
export { visibleGpus, type GpuIdentity } from './visible-devices.js';

export interface DiscoverOptions {
  /** Families or source names to use, e.g. ['nvidia', 'rapl'] or ['nvidia-smi']; all when omitted. */
  only?: string[];
  /** Families or source names to skip, e.g. ['gaudi', 'nvml']. */
  exclude?: string[];
  /** How the RAM model charges memory: 'rss' (default, the run's resident memory) or 'machine' (all installed memory). */
  ram?: RamAttribution;
}

/**
 * Finds every sensor for this machine and run: measured ones first (GPUs, accelerators, RAPL), then
 * the CPU model only when no RAPL package is readable and the RAM model only when no DRAM domain is.
 * Never throws for an absent or broken device family (it warns and moves on); throws a VerdantError
 * only for bad options or a bad VERDANT_FAKE_SENSORS file.
 */
export async function discoverSensors(ctx: DiscoveryContext, options: DiscoverOptions = {}): Promise<EnergySensor[]> {
  const sources = sensorSources();
  const enabled = sourceFilter(options, sources);
  if (options.ram !== undefined) checkRamAttribution(options.ram, 'ram');
  const ofStage = (stage: SensorSourceDescriptor['stage']) => sources.filter((s) => s.stage === stage && enabled(s));
  /** Each family's sources in order: the first that finds devices wins; a broken one is skipped with a warning. */
  const tryFamily = async (family: readonly SensorSourceDescriptor[]): Promise<EnergySensor[]> => {
    for (const descriptor of family) {
      const source = descriptor.create(options);
      try {
        const sensors = await source.discover(ctx);
        if (sensors.length > 0) return sensors;
      } catch (e) {
        ctx.warn(`${source.name} sensors skipped: ${(e as Error).message}`);
      }
    }
    return [];
  };

  // Fixtures first, one by one; their errors (a bad VERDANT_FAKE_SENSORS file) are the caller's to see.
  const fixtures: EnergySensor[] = [];
  for (const descriptor of ofStage('fixture')) {
    const source = descriptor.create(options);
    const found = await source.discover(ctx);
    if (found.length > 0 && source.exclusive) return found;
    fixtures.push(...found);
  }
  const measuredGroups = await Promise.all(byFamily(ofStage('measured')).map(tryFamily));
  const measured = uniqueIds([...fixtures, ...measuredGroups.flat()], ctx);
  // Models fill gaps only, so measured and modelled energy of one kind are never summed.
  const models: EnergySensor[] = [];
  for (const family of byFamily(ofStage('model'))) {
    if (family[0]!.fills !== undefined && measured.some((s) => s.kind === family[0]!.fills)) continue;
    models.push(...(await tryFamily(family)));
  }
  return [...measured, ...models];
}

/** Sources grouped by family, families in the order of their first source. */
function byFamily(sources: readonly SensorSourceDescriptor[]): SensorSourceDescriptor[][] {
  const groups = new Map<string, SensorSourceDescriptor[]>();
  for (const s of sources) groups.set(s.family, [...(groups.get(s.family) ?? []), s]);
  return [...groups.values()];
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
    ...(sensor.readNow ? { readNow: () => sensor.readNow!() } : {}),
    ...(sensor.close ? { close: () => sensor.close!() } : {}),
  };
}

function sourceFilter(options: DiscoverOptions, sources: readonly SensorSourceDescriptor[]): (source: SensorSourceDescriptor) => boolean {
  const known = new Set<string>([...sensorFamilies(), ...sources.map((s) => s.name)]);
  for (const key of ['only', 'exclude'] as const) {
    for (const name of options[key] ?? []) {
      if (!known.has(name)) {
        throw invalidInput(key, `unknown sensor family or source "${name}"`, `use one of: ${[...known].join(', ')}`);
      }
    }
  }
  const only = options.only && new Set(options.only);
  const exclude = new Set(options.exclude ?? []);
  return ({ family, name }) => (!only || only.has(family) || only.has(name)) && !exclude.has(family) && !exclude.has(name);
}
