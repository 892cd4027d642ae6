import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';
import { newId, nowS, readEnv, type IntensityLookup, type RunStatus, type Store } from '@verdant/core';
import { checkBudget, describeBreach, type Budget, type BudgetBreach } from '../policy/budget.js';
import { sensorsForTree } from '../measurement/tree-sensors.js';
import { PROGRESS_ENV, ProgressReader } from '../measurement/progress.js';
import { resolveCommand } from './resolve-command.js';
import type { EnergySensor } from '../sensors/sensor.js';
import type { DiscoverOptions } from '../sensors/index.js';
import { isStopped, signalTree } from './tree-signals.js';
import { Tracker, type TrackerSnapshot } from '../measurement/tracker.js';
import { openRunChannels, runChannels, type RunChannelDescriptor } from '../measurement/channels.js';

/** Decides, after each sample, whether a running command should pause or a paused one resume. */
export type PauseController = (snap: TrackerSnapshot, paused: boolean) => 'pause' | 'resume' | undefined;

export interface RunCommandOptions {
  argv: string[];
  name?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  lookup: IntensityLookup;
  /**
   * Sensors to measure with. When omitted they are discovered for this command's own process tree (the models
   * attribute to the command once it has started), with `discover`'s families and RAM attribution; discovery
   * notes go to `onWarning` and into the run's meta as `warnings`.
   */
  sensors?: EnergySensor[];
  discover?: DiscoverOptions;
  /** Sensor discovery notes (a family skipped, a permission to grant); default `onNotice`. */
  onWarning?: (message: string) => void;
  store?: Store;
  intervalS?: number;
  pue?: number;
  budget?: Budget;
  /** Carbon-aware pausing (see @verdant/schedule's policy). */
  controller?: PauseController;
  /**
   * What the intensity source has data for (a trace's coverage from @verdant/grid). The caller refuses a start
   * outside it; if the run outlives it, the user is told once, the run's meta records when, and the pause
   * controller is no longer consulted (a paused run resumes), since it would only see a held value.
   */
  intensityCoverage?: IntensityCoverage;
  stdio?: 'inherit' | 'ignore' | 'pipe';
  /** Forward SIGINT/SIGTERM received by this process to the command (the CLI does; libraries may not). */
  forwardSignals?: boolean;
  /** Where the process tree is read for pausing and stopping; default VERDANT_PROCFS_ROOT of `env`, else /proc. */
  procfsRoot?: string;
  meta?: Record<string, unknown>;
  /** The run group the run joins (one job on several hosts or tasks), its task (rank) in it, and its host (see TrackerOptions). */
  group?: string;
  task?: string;
  host?: string;
  onSample?: (snap: TrackerSnapshot) => void;
  /**
   * The run channels the command gets (each adds its variables to the command's environment and stores what the
   * command reports through it); default every registered one (`registerRunChannel`).
   */
  channels?: readonly RunChannelDescriptor[];
  /** Human notices: budget warnings, pauses, resumes. */
  onNotice?: (message: string) => void;
}

/** The span an intensity source has data for (@verdant/grid's TraceCoverage is one). */
export interface IntensityCoverage {
  covers(t: number): boolean;
  describe(): string;
}

/** A period in which the command was paused (SIGSTOP), epoch seconds; kept in the run's meta as `pauses`. */
export interface PausePeriod {
  from: number;
  /** null while still paused. */
  to: number | null;
  reason: string;
}

export interface CommandResult {
  runId: string;
  status: RunStatus;
  /** The command's exit code, or 128 + signal number when a signal ended it (as a shell reports). */
  exitCode: number;
  signal: NodeJS.Signals | null;
  snapshot: TrackerSnapshot;
}

export interface CommandRun {
  runId: string;
  pid: number;
  tracker: Tracker;
  child: ChildProcess;
  pause(reason?: string): Promise<void>;
  resume(reason?: string): Promise<void>;
  /** SIGTERM, then SIGKILL after graceS. */
  stop(reason?: string, graceS?: number): Promise<void>;
  /** Settles when the command has exited and the run is written; rejects (exit 4) when the store stayed unwritable. */
  done: Promise<CommandResult>;
}

/**
 * Spawns a command (never through a shell) under the tracker and measures it until it exits. Budgets and
 * the pause controller act after each sample.
 */
export async function runCommand(opts: RunCommandOptions): Promise<CommandRun> {
  const [cmd, ...args] = opts.argv;
  if (!cmd) throw new Error('runCommand: empty argv');
  const env = { ...(opts.env ?? process.env) };
  const executable = resolveCommand(cmd, env, opts.cwd);
  const notice = opts.onNotice ?? (() => undefined);
  const procfs = opts.procfsRoot ?? readEnv(env).procfsRoot;
  const root: { pid?: number } = {}; // known once spawned: discovered sensors attribute to this tree from then on
  const warnings: string[] = [];
  const sensors =
    opts.sensors ??
    (await sensorsForTree(() => root.pid, {
      ...opts.discover,
      env,
      warn: (m) => {
        warnings.push(m);
        (opts.onWarning ?? notice)(m);
      },
    }));
  const runId = newId('r');
  const name = opts.name ?? cmd;
  const channels = await openRunChannels(opts.channels ?? runChannels(), { runId, name, store: opts.store });
  for (const { channel } of channels) Object.assign(env, channel.env);
  const tracker = new Tracker({
    runId,
    name,
    channels,
    sensors,
    lookup: opts.lookup,
    ...(opts.intervalS !== undefined ? { intervalS: opts.intervalS } : {}),
    ...(opts.pue !== undefined ? { pue: opts.pue } : {}),
    ...(opts.store ? { store: opts.store } : {}),
    command: opts.argv,
    cwd: opts.cwd ?? process.cwd(),
    ...(opts.group !== undefined ? { group: opts.group } : {}),
    ...(opts.task !== undefined ? { task: opts.task } : {}),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    meta: {
      ...(opts.meta ?? {}),
      ...(opts.sensors ? {} : { warnings: [...(Array.isArray(opts.meta?.warnings) ? opts.meta.warnings : []), ...warnings] }),
      ...(opts.budget ? { budget: opts.budget } : {}),
    },
  });
  const progressPath = join(tmpdir(), `verdant-${tracker.runId}.progress`);
  env[PROGRESS_ENV] = progressPath;
  env.VERDANT_RUN_ID = tracker.runId;
  const progress = new ProgressReader(progressPath);

  // Store trouble (unreachable, locked) and recovery, and a channel's: the run keeps measuring and holds its samples
  // meanwhile. Heard from the first write on.
  tracker.on('warning', (m) => notice(m));
  tracker.on('error', (e) => notice(`measurement error: ${e.message}`));
  await tracker.start();
  const child = spawn(executable, args, {
    cwd: opts.cwd,
    env,
    stdio: opts.stdio ?? 'inherit',
    argv0: cmd,
  });
  // Heard from the start: a short command can exit while the awaits below (store writes) are still pending.
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((res) => child.once('exit', (code, signal) => res([code, signal])));
  const spawned = await new Promise<Error | undefined>((res) => {
    child.once('spawn', () => res(undefined));
    child.once('error', (e) => res(e));
  });
  if (spawned || child.pid === undefined) {
    await tracker.stop('failed', 127, { error: spawned?.message });
    throw spawned ?? new Error('spawn failed');
  }
  const pid = child.pid;
  root.pid = pid;
  await tracker.setChildPid(pid);

  let paused = false;
  let stopping: { reason: string } | undefined;
  let breachHandled: BudgetBreach | undefined;
  let pauseReason: string | undefined;
  let uncoveredSince: number | undefined;
  const pauses: PausePeriod[] = [];
  const endPause = (): void => {
    const open = pauses[pauses.length - 1];
    if (open && open.to === null) open.to = nowS();
    tracker.note('pauses', pauses);
  };

  const pause = async (reason = 'requested') => {
    if (paused) return;
    paused = true;
    pauseReason = reason;
    pauses.push({ from: nowS(), to: null, reason });
    tracker.note('pauses', pauses);
    await signalTree(pid, 'SIGSTOP', procfs);
    await tracker.setStatus('paused');
    notice(`paused (${reason}); resume with: verdant resume ${tracker.runId}`);
  };
  const resume = async (reason = 'requested') => {
    if (!paused) return;
    paused = false;
    endPause();
    await signalTree(pid, 'SIGCONT', procfs);
    await tracker.setStatus('running');
    notice(`resumed (${reason})`);
  };
  let killTimer: NodeJS.Timeout | undefined;
  const stop = async (reason = 'requested', graceS = opts.budget?.graceS ?? 10) => {
    if (stopping) return;
    stopping = { reason };
    if (paused) {
      endPause();
      await signalTree(pid, 'SIGCONT', procfs); // a stopped process cannot handle SIGTERM
    }
    notice(`stopping (${reason}): SIGTERM, SIGKILL after ${graceS}s`);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    killTimer = setTimeout(() => void signalTree(pid, 'SIGKILL', procfs), graceS * 1000);
    killTimer.unref();
  };

  // After each sample. Most samples need nothing here (no budget, controller or display, progress looked at twice a
  // second), so the hook returns at once for them, without a snapshot or a promise: at 10 samples a second that
  // is most of what a sample would otherwise cost.
  tracker.onSampled((t) => {
    const needed =
      progress.due(t) ||
      paused ||
      (opts.budget && !breachHandled) ||
      (opts.intensityCoverage && uncoveredSince === undefined) ||
      opts.controller ||
      opts.onSample;
    if (!needed) return;
    void (async () => {
      const p = await progress.poll(t);
      if (p) tracker.setProgress(p);
      const current = tracker.snapshot();
      // Someone else (`verdant resume`, a shell's `kill -CONT`) may have resumed the tree.
      if (paused && !(await isStopped(pid, procfs))) {
        paused = false;
        endPause();
        await tracker.setStatus('running');
        notice(`resumed externally`);
      }
      if (opts.budget && !breachHandled) {
        const breach = checkBudget(current, opts.budget);
        if (breach) {
          breachHandled = breach; // act once: after a resume the user has accepted the overrun
          tracker.note('budget_exceeded', { ...breach, at: current.t, action: opts.budget.onExceed });
          notice(describeBreach(breach));
          if (opts.budget.onExceed === 'stop') await stop(describeBreach(breach));
          else if (opts.budget.onExceed === 'pause') await pause(describeBreach(breach));
        }
      }
      const coverage = opts.intensityCoverage;
      if (coverage && uncoveredSince === undefined && !coverage.covers(current.t)) {
        uncoveredSince = current.t;
        tracker.note('intensity_uncovered_from', current.t);
        notice(
          `${coverage.describe()}, and the run has outlived it: the rest is charged at the nearest value it has` +
            (opts.controller ? '; carbon-aware pausing stops' : ''),
        );
        if (paused && pauseReason?.startsWith('carbon')) await resume('carbon: no intensity data past the trace');
      }
      if (opts.controller && uncoveredSince === undefined && !stopping && (!paused || pauseReason?.startsWith('carbon'))) {
        const decision = opts.controller(current, paused);
        if (decision === 'pause') await pause(`carbon: intensity ${current.intensityGPerKwh.toFixed(0)} g/kWh`);
        else if (decision === 'resume') await resume(`carbon: intensity ${current.intensityGPerKwh.toFixed(0)} g/kWh`);
      }
      opts.onSample?.(current);
    })().catch(() => undefined);
  });

  const forwarded: Array<[NodeJS.Signals, () => void]> = [];
  if (opts.forwardSignals) {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as NodeJS.Signals[]) {
      const handler = () => {
        // On a terminal, Ctrl-C already reached the whole foreground group; a second SIGINT would
        // interrupt the command's own cleanup. Forward only what the terminal did not deliver.
        if (sig === 'SIGINT' && process.stdin.isTTY) return;
        if (paused) void signalTree(pid, 'SIGCONT', procfs);
        try {
          process.kill(pid, sig);
        } catch {
          // gone
        }
      };
      process.on(sig, handler);
      forwarded.push([sig, handler]);
    }
  }

  const done = new Promise<CommandResult>((resolveDone, rejectDone) => {
    void exited.then(([code, signal]) => {
      void (async () => {
        if (killTimer) clearTimeout(killTimer);
        for (const [sig, h] of forwarded) process.off(sig, h);
        if (pauses.length > 0) endPause(); // killed while paused: the pause ends with the command
        const p = await progress.poll(Date.now() / 1000, true); // the command's last lines, however recent the last look
        if (p) tracker.setProgress(p);
        await progress.close();
        await rm(progressPath, { force: true });
        const exitCode = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
        const status: RunStatus = stopping ? 'stopped' : exitCode === 0 ? 'succeeded' : 'failed';
        const snapshot = await tracker.stop(status, exitCode, stopping ? { stop_reason: stopping.reason } : {});
        resolveDone({ runId: tracker.runId, status, exitCode, signal, snapshot });
      })().catch(rejectDone); // the store could not be written in time (a VerdantError from tracker.stop)
    });
  });

  return { runId: tracker.runId, pid, tracker, child, pause, resume, stop, done };
}
