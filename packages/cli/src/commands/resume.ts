import type { Command } from 'commander';
import { action } from '../options/action.js';
import { printJson } from '../options/print.js';
import { withStore } from '../options/store.js';

export function register(program: Command): void {
  program
    .command('resume')
    .description('Resume a run paused by a budget (--on-exceed pause) or by hand')
    .argument('<run>', 'run id or unique prefix')
    .option('--json', 'print the run as JSON')
    .action(
      action(async (id: string, o: { json?: boolean }) => {
        const { resumeRun } = await import('@verdant/energy');
        await withStore(async (store) => {
          const runId = await store.resolveRunId(id);
          const summary = await resumeRun(store, runId);
          if (o.json) printJson(summary);
          else process.stderr.write(`verdant: resumed ${runId}\n`);
        });
      }),
    );
}
