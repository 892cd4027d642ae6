import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { invalidInput } from '@verdant/core';
import { renderRunReport, summarizeRun } from '@verdant/energy';
import { action, printJson, withStore } from '../shared.js';

export function register(program: Command): void {
  program
    .command('report')
    .description('Write a self-contained HTML report of a run (power chart per sensor, breakdown, methods)')
    .argument('<run>', 'run id or unique prefix')
    .option('--html <file>', 'the HTML file to write')
    .option('--json', 'print where it was written as JSON')
    .action(
      action(async (id: string, o: { html?: string; json?: boolean }) => {
        if (!o.html) throw invalidInput('--html', 'is required', 'e.g. verdant report <run> --html report.html');
        await withStore(async (store) => {
          const runId = await store.resolveRunId(id);
          const html = await renderRunReport((await summarizeRun(store, runId))!, await store.samples(runId));
          await writeFile(o.html!, html);
          if (o.json) printJson({ run_id: runId, html: o.html, bytes: Buffer.byteLength(html) });
          else process.stderr.write(`verdant: wrote ${o.html}\n`);
        });
      }),
    );
}
