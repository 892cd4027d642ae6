import type { Command } from 'commander';
import { collect } from './print.js';

// The options `plan` and `compare-regions` share. Loaded at start-up: commander only.

export interface PlanOptions {
  duration: string;
  deadline?: string;
  earliest?: string;
  region: string[];
  interruptible?: boolean;
  minChunk?: string;
  pauseOverhead?: string;
  power?: string;
  energy?: string;
  trace: string[];
  objective: string;
  prices?: string;
  carbonWeight: string;
  costWeight: string;
  signal: string;
  json?: boolean;
}

export function addPlanOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--duration <duration>', 'running time the job needs, e.g. 90m or 3h')
    .option('--earliest <time>', 'earliest start (ISO 8601 or epoch seconds); default now')
    .option('--deadline <time>', 'latest finish: a time, or a duration after the earliest start (e.g. 12h); default 24 h after the run could end')
    .option('--region <zone>', 'grid zone, country code or cloud region to consider (repeatable)', collect, [])
    .option('--interruptible', 'the job may pause and resume (planned in chunks)')
    .option('--min-chunk <duration>', 'interruptible: shortest chunk of running (default 0)')
    .option('--pause-overhead <duration>', 'interruptible: extra running time each resume costs (default 0)')
    .option('--power <W>', 'average power while running, e.g. 300 or 1.2kW (without it or --energy, windows are ranked by intensity alone)')
    .option('--energy <kWh>', 'energy for the whole run instead of --power, e.g. 2kWh')
    .option('--trace <file>', 'plan over a trace as a perfect forecast: a file, or shipped such as ES:2023 (repeatable)', collect, [])
    .option('--objective <name>', 'carbon, cost (needs --prices) or mix', 'carbon')
    .option('--prices <file>', 'CSV with time,price_per_kwh for the cost and mix objectives')
    .option('--carbon-weight <w>', 'mix: weight of carbon', '1')
    .option('--cost-weight <w>', 'mix: weight of cost', '1')
    .option('--signal <signal>', 'average or marginal', 'average')
    .option('--json', 'print JSON');
}
