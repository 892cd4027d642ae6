import type { Command } from 'commander';
import { register as accel } from './accel.js';
import { register as agent } from './agent.js';
import { register as compareRegions } from './compare-regions.js';
import { register as estimate } from './estimate.js';
import { register as forecast } from './forecast.js';
import { register as intensity } from './intensity.js';
import { register as jobs } from './jobs.js';
import { register as moe } from './moe.js';
import { register as plan } from './plan.js';
import { register as report } from './report.js';
import { register as resume } from './resume.js';
import { register as run } from './run.js';
import { register as runs } from './runs.js';
import { register as serve } from './serve.js';
import { register as simulate } from './simulate.js';
import { register as submit } from './submit.js';
import { register as zones } from './zones.js';

/** Every CLI command registers itself here (one import + one call per command module). */
export function registerAll(program: Command): void {
  agent(program);
  run(program);
  resume(program);
  runs(program);
  report(program);
  estimate(program);
  serve(program);
  simulate(program);
  intensity(program);
  forecast(program);
  plan(program);
  compareRegions(program);
  zones(program);
  submit(program);
  jobs(program);
  accel(program);
  moe(program);
}
