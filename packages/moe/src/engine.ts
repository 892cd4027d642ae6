// The lab's tensor engine: TensorFlow.js tensors and autograd on its wasm backend (XNNPACK), with the few heavy
// operations a MoE layer needs behind a small interface (`EngineKernels`) so a native backend can serve them where
// one is present. Measured on wasm 4.22 (issue 10): BatchMatMul with transposeA/B is ~14x slower than without, so
// every matmul here transposes explicitly, its gradient included; the wasm backend has no UnsortedSegmentSum (the
// gradient of gather), which `registerSegmentSumKernel` supplies.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { invalidInput } from '@verdant/core/errors';

export type Tf = typeof tf;
export type EngineBackend = 'wasm' | 'cpu';

/** The heavy operations, forward only; `Engine` builds the differentiable ops on them. */
export interface EngineKernels {
  readonly name: string;
  /** a·b, or with aᵀ / bᵀ: transposes are explicit (never BatchMatMul's transpose flags). */
  matmul(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean): tf.Tensor2D;
  /** The same over a batch: [n, p, q]·[n, q, r]. */
  batchMatmul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D;
  /** Row r of x added into row ids[r] of an [n, …] result (the gradient of a row gather). */
  segmentSum(x: tf.Tensor, ids: tf.Tensor1D, n: number): tf.Tensor;
}

/** Differentiable operations of the lab, on one backend. */
export interface Engine {
  readonly tf: Tf;
  readonly backend: EngineBackend;
  readonly kernels: EngineKernels;
  /** x·w (+ b): [n, in]·[in, out]; its gradient transposes explicitly. */
  linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D;
  /** a·b over a batch, [n, p, q]·[n, q, r]; its gradient transposes explicitly. */
  bmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D;
  /** Rows of x at `rows` (a plain list of row numbers); the gradient is the kernels' segment sum. */
  gatherRows(x: tf.Tensor2D, rows: ArrayLike<number>): tf.Tensor2D;
  /** Elements of a 1-D tensor at `at`. */
  gather1d(x: tf.Tensor1D, at: ArrayLike<number>): tf.Tensor1D;
  /** An [n, d] tensor whose row ids[r] is the sum of the rows r of y with that id (the kernels' segment sum). */
  scatterAddRows(y: tf.Tensor2D, ids: ArrayLike<number>, n: number): tf.Tensor2D;
}

export interface EngineOptions {
  /** 'wasm' (default; Node and browser) or 'cpu' (TensorFlow.js's plain JavaScript backend, slow; for checks). */
  backend?: EngineBackend;
  /**
   * Where the wasm binaries are, as a URL or path prefix ending in '/'. Under Node the default is the
   * `dist/` folder of the installed @tensorflow/tfjs-backend-wasm package (they ship in it: nothing is downloaded).
   * A browser page must give it or `wasmFiles`.
   */
  wasmPath?: string;
  /**
   * Or the URL of each wasm binary by its file name (all three of WASM_FILES), for a bundler that gives each asset
   * its own hashed URL (the web dashboard's browser lab imports them with Vite's `?url`).
   */
  wasmFiles?: Readonly<Record<WasmFile, string>>;
}

/** The wasm binaries of @tensorflow/tfjs-backend-wasm: plain, SIMD, and SIMD with threads (used only where cross-origin isolated). */
export const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;
export type WasmFile = (typeof WASM_FILES)[number];

let current: Promise<Engine> | undefined;
let currentBackend: EngineBackend | undefined;

/**
 * Start the engine once per process (TensorFlow.js has one global backend): later calls return the same engine and
 * must ask for the same backend.
 */
export function initEngine(options: EngineOptions = {}): Promise<Engine> {
  const backend = options.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') {
    throw invalidInput('engine.backend', `unknown backend "${String(backend)}"`, 'use "wasm" or "cpu"');
  }
  if (options.wasmPath !== undefined && (typeof options.wasmPath !== 'string' || !options.wasmPath.endsWith('/'))) {
    throw invalidInput('engine.wasmPath', `"${String(options.wasmPath)}" is not a folder prefix`, 'give the folder holding the .wasm files, ending in "/"');
  }
  if (options.wasmFiles !== undefined) {
    const files = options.wasmFiles as unknown;
    if (files === null || typeof files !== 'object') throw invalidInput('engine.wasmFiles', 'must be an object of file name to URL', `give a URL for each of ${WASM_FILES.join(', ')}`);
    for (const name of WASM_FILES) {
      const url = (files as Record<string, unknown>)[name];
      if (typeof url !== 'string' || url === '') throw invalidInput(`engine.wasmFiles.${name}`, 'has no URL', `give a URL for each of ${WASM_FILES.join(', ')}`);
    }
    if (options.wasmPath !== undefined) throw invalidInput('engine.wasmFiles', 'is given together with engine.wasmPath', 'give one of them');
  }
  if (current) {
    if (currentBackend !== backend) {
      throw invalidInput('engine.backend', `the engine already runs on "${currentBackend}"`, 'use one backend per process');
    }
    return current;
  }
  currentBackend = backend;
  current = start(backend, options.wasmFiles ? { ...options.wasmFiles } : options.wasmPath);
  current.catch(() => {
    current = undefined;
    currentBackend = undefined;
  });
  return current;
}

async function start(backend: EngineBackend, wasmPath: string | Record<WasmFile, string> | undefined): Promise<Engine> {
  if (backend === 'wasm') {
    setWasmPaths(wasmPath ?? (await packagedWasmPath()));
    registerSegmentSumKernel();
  }
  if (!(await tf.setBackend(backend))) {
    throw invalidInput('engine.backend', `the ${backend} backend could not start`, backend === 'wasm' ? 'check engine.wasmPath or engine.wasmFiles' : undefined);
  }
  await tf.ready();
  return makeEngine(backend, tfKernels);
}

async function packagedWasmPath(): Promise<string> {
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!isNode) {
    throw invalidInput('engine.wasmPath', 'the wasm binaries cannot be located outside Node', 'give engine.wasmPath (the folder serving the .wasm files) or engine.wasmFiles');
  }
  // Named through a variable so that a bundler building the browser entry does not pull Node's modules in.
  const nodeModule = 'node:module';
  const { createRequire } = (await import(/* @vite-ignore */ nodeModule)) as typeof import('node:module');
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  const dir = pkg.slice(0, pkg.length - 'package.json'.length); // ends with the platform's separator
  return `${dir}dist${dir.slice(-1)}`;
}

/** The kernels TensorFlow.js serves itself (with the segment sum registered for wasm). */
export const tfKernels: EngineKernels = {
  name: 'tfjs',
  matmul(a, b, transposeA, transposeB) {
    return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));
  },
  batchMatmul(a, b, transposeA, transposeB) {
    return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a, [0, 2, 1]) : a, transposeB ? tf.transpose(b, [0, 2, 1]) : b));
  },
  segmentSum(x, ids, n) {
    return tf.unsortedSegmentSum(x, ids, n);
  },
};

/** A·B through `mm` (a plain or batched matmul kernel) with the matmul gradient: dA = dY·Bᵀ, dB = Aᵀ·dY. */
function withMatmulGrad<T extends tf.Tensor2D | tf.Tensor3D>(mm: (a: T, b: T, transposeA: boolean, transposeB: boolean) => T): (a: T, b: T) => T {
  return tf.customGrad((a, b, save) => {
    (save as tf.GradSaveFunc)([a as T, b as T]);
    return {
      value: mm(a as T, b as T, false, false),
      gradFunc: (dy, saved) => {
        const [as, bs] = saved as [T, T];
        return [mm(dy as T, bs, false, true), mm(as, dy as T, true, false)];
      },
    };
  }) as (a: T, b: T) => T;
}

/** Build the differentiable operations over a set of kernels. */
export function makeEngine(backend: EngineBackend, kernels: EngineKernels): Engine {
  const linearNoBias = withMatmulGrad((a: tf.Tensor2D, b: tf.Tensor2D, ta, tb) => kernels.matmul(a, b, ta, tb));
  const bmm = withMatmulGrad((a: tf.Tensor3D, b: tf.Tensor3D, ta, tb) => kernels.batchMatmul(a, b, ta, tb));

  // Row gather and its adjoint, the segment sum: each one's gradient is the other.
  // The index tensor is saved for the backward pass (a gradient runs after the forward scope has been disposed).
  const gatherRows = (x: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D => tf.customGrad((xx, save) => {
    (save as tf.GradSaveFunc)([ids]);
    return {
      value: tf.gather(xx as tf.Tensor2D, ids),
      gradFunc: (dy, saved) => kernels.segmentSum(dy as tf.Tensor2D, saved[0] as tf.Tensor1D, x.shape[0]),
    };
  })(x) as tf.Tensor2D;
  const scatterAdd = (y: tf.Tensor2D, ids: tf.Tensor1D, n: number): tf.Tensor2D => tf.customGrad((yy, save) => {
    (save as tf.GradSaveFunc)([ids]);
    return {
      value: kernels.segmentSum(yy as tf.Tensor2D, ids, n) as tf.Tensor2D,
      gradFunc: (dy, saved) => tf.gather(dy as tf.Tensor2D, saved[0] as tf.Tensor1D),
    };
  })(y) as tf.Tensor2D;

  return {
    tf,
    backend,
    kernels,
    linear(x, w, b) {
      const y = linearNoBias(x, w);
      return b ? tf.add(y, b) : y;
    },
    bmm,
    gatherRows(x, rows) {
      return gatherRows(x, tf.tensor1d(Int32Array.from(rows), 'int32'));
    },
    gather1d(x, at) {
      return tf.gather(x, tf.tensor1d(Int32Array.from(at), 'int32'));
    },
    scatterAddRows(y, ids, n) {
      return scatterAdd(y, tf.tensor1d(Int32Array.from(ids), 'int32'), n);
    },
  };
}

/** Register UnsortedSegmentSum for the wasm backend (which lacks it), as a plain loop over the heap. */
export function registerSegmentSumKernel(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const b = backend as unknown as {
        readSync(id: tf.DataId): ArrayLike<number>;
        makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: ArrayLike<number>): tf.TensorInfo;
      };
      const xs = b.readSync(x.dataId);
      const ids = b.readSync(segmentIds.dataId);
      const rows = ids.length;
      const inner = rows === 0 ? 0 : xs.length / rows;
      const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
      for (let r = 0; r < rows; r++) {
        const s = ids[r]!;
        if (s < 0 || s >= numSegments) continue;
        const o = s * inner;
        const i0 = r * inner;
        for (let j = 0; j < inner; j++) out[o + j]! += xs[i0 + j]!;
      }
      return b.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype, undefined, out);
    },
  });
}
