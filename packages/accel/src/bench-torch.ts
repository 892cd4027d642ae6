import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExitCode, VerdantError, constantLookup, invalidInput, type Store } from '@verdant/core';
import { runCommand } from '@verdant/energy';
import { accelBenchChannel } from './channel.js';
import { PRECISIONS, deviceById, type Precision } from './devices.js';
import { checkDeviceForBackend } from './bench-profiles.js';
import type { TorchBenchProfiles } from './bench-profiles.js';

/** Devices the PyTorch script can be asked for ('auto': Gaudi, else CUDA/ROCm, else the CPU). */
export const TORCH_BENCH_DEVICES = ['auto', 'cuda', 'hpu', 'cpu'] as const;
export type TorchBenchDevice = (typeof TORCH_BENCH_DEVICES)[number];
/** Training-step models of the script ('reference' is the MoE lab's reference configuration). */
export const TORCH_TRAIN_MODELS = ['tiny', 'reference', 'large', 'none'] as const;

/**
 * The shipped script, integrations/python/verdant_accel_bench.py: the repository's in a checkout, else the package's
 * own copy (put there by its prepack) where it is installed from a tarball.
 */
export const shippedTorchBenchScript = (): string => {
  const repo = fileURLToPath(new URL('../../../integrations/python/verdant_accel_bench.py', import.meta.url));
  return existsSync(repo) ? repo : fileURLToPath(new URL('../python/verdant_accel_bench.py', import.meta.url));
};

export interface TorchBenchOptions {
  /** The Python that has torch; default python3 (from PATH). */
  python?: string;
  /** The script; default the shipped integrations/python/verdant_accel_bench.py. */
  script?: string;
  /** Default auto. */
  device?: TorchBenchDevice;
  /** GEMM sizes (default the script's: 1024…8192 on accelerators, 256…1024 on CPU). */
  sizes?: number[];
  /** Precisions to try (default all the script knows; those a device lacks are reported as skipped). */
  precisions?: Precision[];
  /** Timed seconds per case (default the script's: 10 on accelerators, longer than the power meters' averaging windows; 1 on CPU). */
  secondsPerCase?: number;
  /** MiB copied for the bandwidth (default the script's; 0 skips). */
  bandwidthMiB?: number;
  /** Training-step model (default the script's: large on accelerators, reference on CPU). */
  trainModel?: (typeof TORCH_TRAIN_MODELS)[number];
  /** Catalog device the profiles are stored under (default: matched from the name the script reports). */
  deviceId?: string;
  /** Environment of the script and of sensor discovery (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The script's progress goes to stderr; 'ignore' drops it. */
  stdio?: 'inherit' | 'ignore';
  /** Sensor discovery notes and store trouble. */
  onNotice?: (message: string) => void;
}

export interface TorchBenchResult extends TorchBenchProfiles {
  exitCode: number;
}

/**
 * Runs the PyTorch bench script under the tracker, as `verdant run` would (a run named "accel bench torch" in the
 * store, sensors discovered for its process tree: NVML / nvidia-smi, amd-smi / rocm-smi, hl-smi, RAPL), and stores
 * a measured profile per precision of the device it found (`profilesFromTorchBench`). Refuses before anything runs
 * when the Python has no torch or the script is missing.
 */
export async function benchTorch(store: Store, opts: TorchBenchOptions = {}): Promise<TorchBenchResult> {
  const python = opts.python ?? 'python3';
  const script = opts.script ?? shippedTorchBenchScript();
  const device = opts.device ?? 'auto';
  const env = opts.env ?? process.env;
  if (python.trim() === '') throw invalidInput('python', 'is empty', 'give a Python executable that has torch, e.g. python3');
  if (!TORCH_BENCH_DEVICES.includes(device)) throw invalidInput('device', `unknown device "${String(device)}"`, `use one of ${TORCH_BENCH_DEVICES.join(', ')}`);
  if (opts.sizes) {
    if (opts.sizes.length === 0) throw invalidInput('sizes', 'give at least one matrix size', 'e.g. 1024,4096');
    for (const n of opts.sizes) if (!(Number.isInteger(n) && n >= 8 && n <= 65536)) throw invalidInput('sizes', `matrix size must be a whole number from 8 to 65536, got ${n}`);
  }
  for (const p of opts.precisions ?? []) if (!PRECISIONS.includes(p) || p === 'int8') throw invalidInput('precisions', `the bench measures fp32, tf32, bf16, fp16 and fp8, not "${p}"`);
  if (opts.secondsPerCase !== undefined && !(opts.secondsPerCase > 0 && opts.secondsPerCase <= 60)) throw invalidInput('secondsPerCase', `must be between 0 and 60 seconds, got ${opts.secondsPerCase}`);
  if (opts.bandwidthMiB !== undefined && !(Number.isInteger(opts.bandwidthMiB) && opts.bandwidthMiB >= 0 && opts.bandwidthMiB <= 65536)) throw invalidInput('bandwidthMiB', `must be a whole number of MiB from 0 to 65536, got ${opts.bandwidthMiB}`, '0 skips the copy');
  if (opts.trainModel !== undefined && !TORCH_TRAIN_MODELS.includes(opts.trainModel)) throw invalidInput('trainModel', `unknown model "${String(opts.trainModel)}"`, `use one of ${TORCH_TRAIN_MODELS.join(', ')}`);
  if (opts.deviceId) {
    // The backend is known up front unless auto: refuse a catalog device of another kind before anything runs.
    if (device === 'auto') deviceById(opts.deviceId, 'deviceId');
    else checkDeviceForBackend(opts.deviceId, device);
  }
  if (!existsSync(script)) throw invalidInput('script', `${script} does not exist`, 'give the path of integrations/python/verdant_accel_bench.py from the Verdant repository');
  const probe = spawnSync(python, ['-c', 'import torch'], { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (probe.error) throw invalidInput('python', `cannot run ${python}: ${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message}`, 'give a Python executable that has torch');
  if (probe.status !== 0) throw invalidInput('python', `${python} cannot import torch`, 'install PyTorch for it (CUDA, ROCm or Gaudi build), or give the Python that has it');

  const args = [script, '--device', device];
  if (opts.sizes) args.push('--sizes', opts.sizes.join(','));
  if (opts.precisions) args.push('--precisions', opts.precisions.join(','));
  if (opts.secondsPerCase !== undefined) args.push('--seconds', String(opts.secondsPerCase));
  if (opts.bandwidthMiB !== undefined) args.push('--bandwidth-mib', String(opts.bandwidthMiB));
  if (opts.trainModel) args.push('--train-model', opts.trainModel);
  let outcome: { profiles: TorchBenchProfiles | null; error: unknown } | undefined;
  const channel = accelBenchChannel({ ...(opts.deviceId ? { deviceId: opts.deviceId } : {}), onResult: (r) => (outcome = r) });
  const run = await runCommand({
    argv: [python, ...args],
    name: 'accel bench torch',
    env,
    lookup: constantLookup(0, 'none', 'accel bench (no intensity)'),
    store,
    intervalS: 0.5,
    pue: 1,
    stdio: opts.stdio ?? 'inherit',
    channels: [channel],
    ...(opts.onNotice ? { onNotice: opts.onNotice } : {}),
  });
  const done = await run.done;
  if (done.exitCode !== 0) {
    throw new VerdantError(`the benchmark script failed (exit ${done.exitCode}); its messages are above`, { field: 'script', fix: `run ${python} ${script} --device ${device} by hand to see why`, exitCode: ExitCode.failure });
  }
  if (outcome?.error) throw outcome.error;
  if (!outcome?.profiles) throw new VerdantError('the benchmark wrote no records', { field: 'script', fix: 'give the shipped integrations/python/verdant_accel_bench.py' });
  return { ...outcome.profiles, exitCode: done.exitCode };
}
