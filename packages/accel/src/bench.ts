import { hostname } from 'node:os';
import { constantLookup, invalidInput, type Store } from '@verdant/core';
import { track } from '@verdant/energy';
import { saveProfile, type Profile } from './store.js';

/** One size of the GEMM sweep. */
export interface GemmResult {
  n: number;
  multiplies: number;
  seconds: number;
  /** Achieved FLOP/s (2·n³ per multiply). */
  flops: number;
}

export interface CpuBenchOptions {
  /** Square matrix sizes; default 64, 128, 256, 384. */
  sizes?: number[];
  /** Seconds per size; default 1.5. */
  secondsPerSize?: number;
  /** Set to false to skip storing the profile. */
  save?: boolean;
  /** Environment for sensor discovery (default process.env; VERDANT_FAKE_SENSORS in tests). */
  env?: NodeJS.ProcessEnv;
}

export interface CpuBenchResult {
  sweep: GemmResult[];
  /** Average facility power during the sweep, W, from the tracker (null when no sensor answered). */
  powerW: number | null;
  /** How the tracker's sensors measured ("rapl", "model estimate" …). */
  powerMethod: string;
  energyJ: number;
  runId: string;
  profile: Profile | null;
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** C = A·B for n×n Float32Arrays, i-k-j order (rows of B streamed), one thread. */
function gemm(n: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[ci + k]!;
      const bk = k * n;
      for (let j = 0; j < n; j++) c[ci + j]! += aik * b[bk + j]!;
    }
  }
}

/**
 * A GEMM sweep on this CPU in Node (one thread, fp32 storage), run under the tracker (a run named
 * "accel bench cpu" in the store), stored as a measured fp32 profile of the `cpu` device: its best achieved
 * FLOP/s and the average power the tracker saw. `recommend` then uses it for CPU offers (provenance measured).
 */
export async function benchCpu(store: Store, opts: CpuBenchOptions = {}): Promise<CpuBenchResult> {
  const sizes = opts.sizes ?? [64, 128, 256, 384];
  const seconds = opts.secondsPerSize ?? 1.5;
  for (const n of sizes) if (!(Number.isInteger(n) && n >= 8 && n <= 2048)) throw invalidInput('sizes', `matrix size must be a whole number from 8 to 2048, got ${n}`);
  if (!(seconds > 0 && seconds <= 60)) throw invalidInput('secondsPerSize', `must be between 0 and 60 seconds, got ${seconds}`);
  const sweep: GemmResult[] = [];
  const { snapshot, runId } = await track(
    async () => {
      for (const n of sizes) {
        const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000);
        const b = Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000);
        const c = new Float32Array(n * n);
        gemm(n, a, b, c); // warm-up
        let multiplies = 0;
        const t0 = performance.now();
        let elapsed = 0;
        while (elapsed < seconds * 1000) {
          gemm(n, a, b, c);
          multiplies++;
          elapsed = performance.now() - t0;
          await yieldToLoop(); // let the tracker sample
        }
        sweep.push({ n, multiplies, seconds: elapsed / 1000, flops: (2 * n ** 3 * multiplies) / (elapsed / 1000) });
      }
    },
    { name: 'accel bench cpu', lookup: constantLookup(0, 'none', 'accel bench (no intensity)'), store, intervalS: 0.5, pue: 1, ...(opts.env ? { env: opts.env } : {}) },
  );
  const powerW = snapshot.elapsedS > 0 && snapshot.energyJ > 0 ? snapshot.energyJ / snapshot.elapsedS : null;
  const methods = [...new Set(snapshot.sensors.map((s) => `${s.method}${s.estimate ? ' (estimate)' : ''}`))].join(', ') || 'no sensor';
  const best = sweep.reduce((x, y) => (y.flops > x.flops ? y : x));
  const profile =
    opts.save === false
      ? null
      : await saveProfile(store, {
          deviceId: 'cpu',
          precision: 'fp32',
          provenance: 'measured',
          achievedFlops: best.flops,
          powerW,
          scalingEfficiency: null,
          source: `verdant accel bench: GEMM ${best.n}×${best.n}, one Node thread, run ${runId}; power from ${methods}`,
          host: hostname(),
        });
  return { sweep, powerW, powerMethod: methods, energyJ: snapshot.energyJ, runId, profile };
}
