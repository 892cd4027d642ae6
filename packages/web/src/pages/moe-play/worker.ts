// The browser lab's Web Worker: TensorFlow.js on its wasm backend (the binaries are this app's own assets, hashed by
// Vite: nothing is fetched from another origin) trains @verdant/moe's training session step by step and posts each
// step's loss and router metrics to the page. The page stops a training by terminating the worker.
import { TrainingSession, initEngine, isVerdantError, parseTrainConfig, syntheticText, type SessionStep } from '@verdant/moe/browser';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { FromWorker, StepPoint, ToWorker } from './protocol';

const scope = self as unknown as { postMessage(m: FromWorker): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const post = (m: FromWorker) => scope.postMessage(m);

function point(s: SessionStep): StepPoint {
  return {
    step: s.step, loss: s.loss, ce: s.ce, evalLoss: s.evalLoss, tokens: s.tokens, trainS: s.trainS, tokensPerS: s.tokensPerS,
    layers: s.layers.map(({ layer, metrics: m }) => ({
      layer, share: m.share, maxVio: m.maxVio, cv: m.cv, tokenEntropy: m.tokenEntropy, marginalEntropy: m.marginalEntropy,
      droppedFraction: m.droppedFraction, dead: m.dead.length, bias: m.bias, expertsPerToken: m.expertsPerToken,
    })),
  };
}

async function train(request: ToWorker): Promise<void> {
  const t0 = performance.now();
  const engine = await initEngine({
    wasmFiles: { 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd },
  });
  const session = new TrainingSession(engine, parseTrainConfig(request.config, '/'), syntheticText());
  try {
    post({
      type: 'ready', totalSteps: session.config.steps, experts: session.experts, moeLayers: session.moeBlocks, parameters: session.parameterCount(),
      vocab: session.vocab, startS: (performance.now() - t0) / 1000,
    });
    while (!session.done) post({ type: 'step', point: point(session.next()) });
    post({ type: 'done' });
  } finally {
    session.dispose();
  }
}

// WebAssembly needs the page's Content-Security-Policy to allow it ('wasm-unsafe-eval'); where it does not, say so
// (the engine would otherwise never start).
self.addEventListener('securitypolicyviolation', (e) => {
  post({ type: 'error', message: `the browser blocked the engine: the Content-Security-Policy's ${e.effectiveDirective} does not allow ${e.blockedURI || 'it'}`, fix: "serve the app with 'wasm-unsafe-eval' in its script-src, as verdant serve does" });
});

let started = false;
scope.onmessage = (e) => {
  if (e.data?.type !== 'start' || started) return;
  started = true;
  train(e.data).catch((err: unknown) => {
    if (isVerdantError(err)) post({ type: 'error', message: err.message, ...(err.field ? { field: err.field } : {}), ...(err.fix ? { fix: err.fix } : {}) });
    else post({ type: 'error', message: err instanceof Error ? err.message : String(err), fix: 'reload the page and try again, or pick a smaller model; if it persists, see the browser console' });
  });
};
