import type { Command } from 'commander';
import { register as estimate } from './estimate.js';
import { register as report } from './report.js';
import { register as run } from './run.js';
import { register as runs } from './runs.js';
import { register as serve } from './serve.js';

/** Every CLI command registers itself here (one import + one call per command module). */
export function registerAll(program: Command): void {
  run(program);
  runs(program);
  report(program);
  estimate(program);
  serve(program);
}
