import type { Command } from 'commander';
import { action } from '../options/action.js';
import { printJson } from '../options/print.js';
import { withStore } from '../options/store.js';

export function register(program: Command): void {
  program
    .command('report')
    .description('Write a self-contained HTML report of a run (power chart per sensor, breakdown, methods)')
    .argument('<run>', 'run id or unique prefix')
    .option('--html <file>', 'the HTML file to write')
    .option('--json', 'print where it was written as JSON')
    .action(
      action(async (id: string, o: { html?: string; json?: boolean }) => {
        const [{ checkOutputFile, invalidInput, writeOutputFile }, { renderRunReport, summarizeRun }] = await Promise.all([import('@verdant/core'), import('@verdant/energy')]);
        if (!o.html) throw invalidInput('--html', 'is required', 'e.g. verdant report <run> --html report.html');
        checkOutputFile(o.html, '--html', 'report.html');
        await withStore(async (store) => {
          const runId = await store.resolveRunId(id);
          const html = await renderRunReport((await summarizeRun(store, runId))!, await store.samples(runId));
          await writeOutputFile(o.html!, html, '--html');
          if (o.json) printJson({ run_id: runId, html: o.html, bytes: Buffer.byteLength(html) });
          else process.stderr.write(`verdant: wrote ${o.html}\n`);
        });
      }),
    );
}
