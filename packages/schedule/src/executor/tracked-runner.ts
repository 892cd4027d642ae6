import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { IntensityLookup, Store } from '@verdant/core';
import { runCommand } from '@verdant/energy';
import type { JobRunner, RunExit, RunnableJob, RunningJob } from './runner.js';

export interface TrackedRunnerOptions {
  store: Store;
  /** Intensity the tracker charges each sample with, per zone (e.g. `resolveIntensity({ zone })` from @verdant/grid). */
  lookupFor: (zone: string) => Promise<IntensityLookup> | IntensityLookup;
  /** Sampling interval, s. */
  intervalS?: number;
  pue?: number;
  env?: NodeJS.ProcessEnv;
  /** Sensor discovery warnings. */
  onWarning?: (message: string) => void;
}

/**
 * Runs each job under the energy tracker (`runCommand`), so it appears in `verdant runs` with its energy and
 * emissions; the job row records the run id. Output is piped into the job's output file, so a job outlives
 * a crashed scheduler only until it next writes (SIGPIPE); the ProcessRunner writes to the file directly.
 */
export class TrackedRunner implements JobRunner {
  constructor(private readonly opts: TrackedRunnerOptions) {}

  async start(job: RunnableJob): Promise<RunningJob> {
    const env = this.opts.env ?? process.env;
    // runCommand discovers the sensors for the job's own process tree.
    const run = await runCommand({
      argv: job.argv,
      name: job.name,
      cwd: job.cwd,
      env: { ...env, ...job.env },
      lookup: await this.opts.lookupFor(job.zone),
      store: this.opts.store,
      stdio: 'pipe',
      onWarning: (m) => this.opts.onWarning?.(m),
      meta: { job_id: job.jobId },
      ...(this.opts.intervalS !== undefined ? { intervalS: this.opts.intervalS } : {}),
      ...(this.opts.pue !== undefined ? { pue: this.opts.pue } : {}),
    });
    const out = createWriteStream(job.outputPath, { flags: 'a' });
    run.child.stdout?.pipe(out, { end: false });
    run.child.stderr?.pipe(out, { end: false });
    const done: Promise<RunExit> = run.done.then(async (r) => {
      // The pipes may still hold the last writes when the exit is reported.
      await Promise.all([run.child.stdout, run.child.stderr].map((s) => (s ? finished(s).catch(() => undefined) : undefined)));
      await new Promise<void>((res) => out.end(res));
      return { exitCode: r.signal ? null : r.exitCode, signal: r.signal };
    });
    return {
      pid: run.pid,
      runId: run.runId,
      pause: () => run.pause('scheduler'),
      resume: () => run.resume('scheduler'),
      signal: (sig) => {
        try {
          process.kill(run.pid, sig);
        } catch {
          // already gone
        }
      },
      stop: (graceS) => run.stop('scheduler', graceS),
      done,
    };
  }
}
