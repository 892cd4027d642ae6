import { StepCurve } from '../planner/index.js';
import { createRng } from './prng.js';

/**
 * A forecast with error, following Wiesner et al. (2021): every step gets independent Gaussian noise whose
 * standard deviation is `fraction` of the trace's mean. The scheduler decides on this curve; emissions are
 * always measured on the true one. Values are not clipped at zero, as in the paper: the planner only compares
 * them. fraction 0 returns the true curve itself.
 */
export function noisyForecast(truth: StepCurve, fraction: number, seed: number): StepCurve {
  if (fraction === 0) return truth;
  const rng = createRng(seed);
  const sigma = fraction * truth.mean(truth.t0, truth.end);
  return truth.map((v) => v + sigma * rng.normal());
}
