import { afterEach, describe, expect, it } from 'vitest';
import { constantLookup } from '@verdant/core';
import { runCommand } from '../src/process/run-command.js';
import type { TrackerSnapshot } from '../src/measurement/tracker.js';
import { cleanupTemp, finish, tempStore } from './helpers.js';

afterEach(cleanupTemp);

describe('runCommand: progress while the command runs', () => {
  it('reads a progress line the command wrote, at a later sample, before the command ends', async () => {
    const { store } = await tempStore('verdant-progress-run-');
    const seen: TrackerSnapshot[] = [];
    // Writes progress, then waits to be stopped: what is read can only come from a sample, not from the exit.
    const script = `require('fs').appendFileSync(process.env.VERDANT_PROGRESS_FILE, '{"progress":0.4}\\n'); setInterval(() => {}, 1000)`;
    const run = await runCommand({
      argv: [process.execPath, '-e', script],
      lookup: constantLookup(300, 'DE'),
      store,
      intervalS: 0.1,
      stdio: 'ignore',
      discover: { only: ['cpu-model', 'ram-model'] },
      onSample: (s) => seen.push(s),
    });
    const deadline = Date.now() + 60_000;
    while (!seen.some((s) => s.progress?.fraction === 0.4) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(seen.find((s) => s.progress)?.progress?.fraction).toBe(0.4);
    await run.stop('test done', 1);
    const result = await finish(run, 60);
    expect(result.status).toBe('stopped');
    expect(result.snapshot.progress?.fraction).toBe(0.4);
  });

  it('reads it without an onSample too (the per-sample hook alone)', async () => {
    const { store } = await tempStore('verdant-progress-run-');
    const script = `require('fs').appendFileSync(process.env.VERDANT_PROGRESS_FILE, '{"step":3,"total":4}\\n'); setInterval(() => {}, 1000)`;
    const run = await runCommand({ argv: [process.execPath, '-e', script], lookup: constantLookup(300, 'DE'), store, intervalS: 0.1, stdio: 'ignore', discover: { only: ['cpu-model', 'ram-model'] } });
    const deadline = Date.now() + 60_000;
    while (run.tracker.snapshot().progress === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(run.tracker.snapshot().progress?.fraction).toBe(0.75);
    await run.stop('test done', 1);
    await finish(run, 60);
  });
});
