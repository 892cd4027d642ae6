// Measured profiles from the records of integrations/python/verdant_accel_bench.py and the samples of the run that
// measured it (what the accel channel does when such a run ends).
import { VerdantError, invalidInput, localHostName, type Store } from '@verdant/core';
import { CPU_SENSOR_KINDS, saveTrainingProfile, windowEnergy, type BenchWindow } from './bench.js';
import { PRECISIONS, deviceById, loadDevices, matchDevice, type Precision } from './devices.js';
import type { GemmPoint, ProfileMeasurements, TrainingStepPoint } from './measurements.js';
import { saveProfile, type Profile } from './store.js';

/** What one run of the script made: the device, its profiles (one per precision measured) and what else it measured. */
export interface TorchBenchProfiles {
  runId: string;
  backend: string;
  deviceName: string;
  /** The catalog device the profiles are stored under. */
  deviceId: string;
  /** False when no catalog device matched the reported name (the profiles are kept under a made-up id that recommend does not use). */
  inCatalog: boolean;
  sweep: GemmPoint[];
  memoryBandwidthBytesPerS: number | null;
  trainingStep: TrainingStepPoint | null;
  skipped: Array<{ what: string; reason: string }>;
  powerMethod: string;
  /** True when every sensor chosen is an estimate (the tracker's models): the power is not measured. */
  powerEstimated: boolean;
  /** One GEMM profile (kind 'gemm') per precision measured: an achievable peak and its power, never a utilization. */
  profiles: Profile[];
  /** The training step as a training profile (the measured utilization figure), when it ran in a catalog precision. */
  trainingProfile: Profile | null;
  warnings: string[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
const VENDOR = /^(nvidia|amd|intel|habana|instinct|radeon|geforce|tesla)$/i;

/**
 * The catalog device of a name as a driver reports it ("NVIDIA H100 80GB HBM3", "AMD Instinct MI300X", "GAUDI2"):
 * the whole name, then without vendor words, then its leading words, longest first, each with the memory size.
 * When the memory is known, a device whose memory is not within 10% of it is no match ("H100 NVL" with 94 GB is
 * not the 80 GB H100 SXM): the caller keeps such a device out of the catalog.
 */
export function catalogDeviceOf(name: string, memoryBytes: number | null, devices = loadDevices()) {
  const words = name.split(/\s+/).filter((w) => w !== '');
  const bare = words.filter((w) => !VENDOR.test(w));
  const tries = [name, bare.join(' ')];
  for (let k = bare.length; k >= 1; k--) tries.push(bare.slice(0, k).join(' '));
  for (const t of tries) {
    if (t === '') continue;
    const d = matchDevice(t, memoryBytes, devices);
    if (!d || d.kind === 'cpu') continue;
    if (memoryBytes && memoryBytes > 0 && d.memoryBytes !== null && !(Math.abs(d.memoryBytes - memoryBytes) / d.memoryBytes < 0.1)) continue;
    return d;
  }
  return undefined;
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'device';

/**
 * Measured profiles from the script's records (JSON lines) and the run's stored samples: for each precision its
 * best GEMM case (FLOP/s) with the device's average power over that case's window and J per TFLOP, plus the copy's
 * bandwidth and the training step's tokens/s and J/token. Power is the device's: on a GPU or Gaudi the busiest of
 * the run's GPU/accelerator sensors over each window (the one the script ran on), on the CPU all of the run's
 * sensors. Lines that are not JSON are skipped; a run without a device record or a GEMM case is an error.
 */
export async function profilesFromTorchBench(store: Store, runId: string, text: string, opts: { deviceId?: string } = {}): Promise<TorchBenchProfiles> {
  const records: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as unknown;
      if (r && typeof r === 'object' && !Array.isArray(r)) records.push(r as Record<string, unknown>);
    } catch {
      // not a record
    }
  }
  const dev = records.find((r) => r.type === 'device');
  if (!dev) throw new VerdantError('the benchmark wrote no device record', { field: 'script', fix: 'run integrations/python/verdant_accel_bench.py (its first line names the device)' });
  if (!records.some((r) => r.type === 'done')) {
    throw new VerdantError('the benchmark did not finish (no done record): it failed or was interrupted, and nothing was stored', { field: 'script', fix: 'see its messages above, then run the bench again' });
  }
  const backend = str(dev.backend) ?? 'unknown';
  const deviceName = str(dev.name) ?? backend;
  const warnings: string[] = [];
  let deviceId: string;
  let inCatalog = true;
  if (opts.deviceId) deviceId = checkDeviceForBackend(opts.deviceId, backend).id;
  else if (backend === 'cpu') deviceId = 'cpu';
  else {
    const d = catalogDeviceOf(deviceName, num(dev.memory_bytes));
    if (d) deviceId = d.id;
    else {
      deviceId = slug(deviceName);
      inCatalog = false;
      warnings.push(`no catalog device matches "${deviceName}": its profiles are kept as "${deviceId}", which recommend does not use; run the bench again naming the catalog device (verdant accel devices lists them)`);
    }
  }

  const sensors = await store.runSensors(runId);
  const accel = backend !== 'cpu';
  // The device's own sensors: on a GPU or Gaudi its accelerator sensors; on the CPU its package and memory
  // sensors (and the models standing in for them), never the GPUs' idle draw on a GPU node.
  const chosen = sensors.filter((s) => (accel ? s.kind === 'gpu' || s.kind === 'accelerator' : CPU_SENSOR_KINDS.has(s.kind)));
  const ids = new Set(chosen.map((s) => s.sensor_id));
  const powerMethod = [...new Set(chosen.map((s) => `${s.method}${s.estimate ? ' (estimate)' : ''}`))].join(', ') || 'no sensor';
  const powerEstimated = chosen.length > 0 && chosen.every((s) => Boolean(s.estimate));
  if (powerEstimated) warnings.push(`no power meter answered (${powerMethod}): the power is the tracker's estimate, kept with the profiles but shown as a default, not as measured`);
  if (accel && chosen.length === 0) warnings.push(`no ${backend === 'hpu' ? 'Gaudi (hl-smi)' : 'GPU (NVML, nvidia-smi, amd-smi or rocm-smi)'} power sensor answered during the run: the profiles have no power and no J per TFLOP`);
  const samples = ids.size ? await store.samples(runId) : [];
  const energy = (w: BenchWindow) => (ids.size ? windowEnergy(samples, w, ids, accel ? 'busiest' : 'sum') : null);
  const windowOf = (r: Record<string, unknown>): BenchWindow | null => {
    const t0 = num(r.t_start_s);
    const t1 = num(r.t_end_s);
    return t0 !== null && t1 !== null && t1 > t0 ? { t0, t1 } : null;
  };

  const sweep: GemmPoint[] = [];
  for (const r of records.filter((x) => x.type === 'gemm')) {
    const precision = r.precision as Precision;
    const n = num(r.n);
    const flops = num(r.flops_per_s);
    const seconds = num(r.duration_s);
    const w = windowOf(r);
    if (!PRECISIONS.includes(precision) || n === null || flops === null || !(flops > 0) || seconds === null || !w) continue;
    const e = energy(w);
    sweep.push({ precision, n, multiplies: num(r.multiplies) ?? 0, seconds, flops, energyJ: e?.energyJ ?? null, powerW: e?.powerW ?? null, jPerTflop: e ? e.energyJ / ((flops * seconds) / 1e12) : null });
  }
  if (sweep.length === 0) throw new VerdantError('the benchmark measured no GEMM case', { field: 'script', fix: 'see its messages above (every precision skipped?)' });
  const bw = records.find((r) => r.type === 'bandwidth');
  const memoryBandwidthBytesPerS = bw ? num(bw.bytes_per_s) : null;
  const tr = records.find((r) => r.type === 'train_step');
  let trainingStep: TrainingStepPoint | null = null;
  const tokensPerS = tr ? num(tr.tokens_per_s) : null;
  if (tr && tokensPerS !== null && tokensPerS > 0) {
    const w = windowOf(tr);
    const e = w ? energy(w) : null;
    const seconds = num(tr.duration_s) ?? (w ? w.t1 - w.t0 : 0);
    const tokens = tokensPerS * seconds;
    trainingStep = {
      model: `PyTorch MoE ${str(tr.config) ?? ''} (${num(tr.params_total) ?? '?'} parameters, ${num(tr.params_active) ?? '?'} active; batch ${num(tr.batch) ?? '?'} × ${num(tr.seq_len) ?? '?'})`.replace('  ', ' '),
      precision: str(tr.precision) ?? 'fp32',
      paramsTotal: num(tr.params_total),
      paramsActive: num(tr.params_active),
      tokensPerStep: num(tr.tokens_per_step) ?? 0,
      steps: num(tr.steps) ?? 0,
      seconds,
      tokensPerS,
      flopsPerS: num(tr.flops_per_s),
      energyJ: e?.energyJ ?? null,
      powerW: e?.powerW ?? null,
      jPerToken: e && tokens > 0 ? e.energyJ / tokens : null,
    };
  }
  const skipped = records.filter((r) => r.type === 'skipped').map((r) => ({ what: str(r.what) ?? '?', reason: str(r.reason) ?? '' }));

  const host = localHostName();
  const torch = str(dev.torch) ?? '?';
  const profiles: Profile[] = [];
  for (const precision of PRECISIONS) {
    const mine = sweep.filter((s) => s.precision === precision);
    if (mine.length === 0) continue;
    const best = mine.reduce((x, y) => (y.flops > x.flops ? y : x));
    const measurements: ProfileMeasurements = { runId, backend, deviceName, sweep: mine, jPerTflop: best.jPerTflop, memoryBandwidthBytesPerS, trainingStep, powerMethod };
    profiles.push(
      await saveProfile(store, {
        deviceId,
        precision,
        provenance: 'measured',
        achievedFlops: best.flops,
        powerW: best.powerW,
        scalingEfficiency: null,
        source: `verdant accel bench (PyTorch ${torch}, ${backend}): ${deviceName}, GEMM ${best.n}×${best.n} ${precision}, run ${runId}; power from ${powerMethod}`,
        host,
        meta: { kind: 'gemm', ...(powerEstimated ? { powerEstimated: true } : {}), workload: `GEMM sweep ${precision} (${mine.map((s) => s.n).join(', ')}) on one ${deviceName}`, measurements },
      }),
    );
  }
  const stepMeasurements: ProfileMeasurements = { runId, backend, deviceName, sweep, jPerTflop: null, memoryBandwidthBytesPerS, trainingStep, powerMethod };
  const trainingProfile = await saveTrainingProfile(store, deviceId, trainingStep, stepMeasurements, { source: `verdant accel bench (PyTorch ${torch}, ${backend}): ${deviceName}, training step, run ${runId}; power from ${powerMethod}`, host, powerEstimated });
  return { runId, backend, deviceName, deviceId, inCatalog, sweep, memoryBandwidthBytesPerS, trainingStep, skipped, powerMethod, powerEstimated, profiles, trainingProfile, warnings };
}

/** The script's backend as a catalog device kind. */
const KIND_OF_BACKEND: Record<string, string> = { cpu: 'cpu', cuda: 'gpu', rocm: 'gpu', hpu: 'hpu' };

/** The catalog device `--as` names, refused (field deviceId) when its kind is not the backend's (a GPU's profiles under a CPU …). */
export function checkDeviceForBackend(name: string, backend: string) {
  const d = deviceById(name, 'deviceId');
  const want = KIND_OF_BACKEND[backend];
  if (want !== undefined && d.kind !== want) {
    throw invalidInput('deviceId', `${d.id} is a ${d.kind.toUpperCase()} but the benchmark ran on ${backend === 'cpu' ? 'the CPU' : `a ${want.toUpperCase()} (${backend})`}`, `name a ${want.toUpperCase()} of the catalog (verdant accel devices lists them), or leave it out to match the name the driver reports`);
  }
  return d;
}

