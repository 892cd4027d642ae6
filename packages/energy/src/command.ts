import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';
import type { IntensityLookup, RunStatus, Store } from '@verdant/core';
import { checkBudget, describeBreach, type Budget, type BudgetBreach } from './budget.js';
import { PROGRESS_ENV, ProgressReader } from './progress.js';
import { resolveCommand } from './resolve-command.js';
import type { EnergySensor } from './sensor.js';
import { isStopped, signalTree } from './signals.js';
import { Tracker, type TrackerSnapshot } from './tracker.js';

/** Decides, after each sample, whether a running command should pause or a paused one resume. */
export type PauseController = (snap: TrackerSnapshot, paused: boolean) => 'pause' | 'resume' | undefined;

export interface RunCommandOptions {
  argv: string[];
  name?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  lookup: IntensityLookup;
  sensors: EnergySensor[];
  store?: Store;
  intervalS?: number;
  pue?: number;
  budget?: Budget;
  /** Carbon-aware pausing (see @verdant/schedule's policy). */
  controller?: PauseController;
  stdio?: 'inherit' | 'ignore' | 'pipe';
  /** Forward SIGINT/SIGTERM received by this process to the command (the CLI does; libraries may not). */
  forwardSignals?: boolean;
  procfsRoot?: string;
  meta?: Record<string, unknown>;
  onSample?: (snap: TrackerSnapshot) => void;
  /** Human notices: budget warnings, pauses, resumes. */
  onNotice?: (message: string) => void;
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
  const tracker = new Tracker({
    name: opts.name ?? cmd,
    sensors: opts.sensors,
    lookup: opts.lookup,
    ...(opts.intervalS !== undefined ? { intervalS: opts.intervalS } : {}),
    ...(opts.pue !== undefined ? { pue: opts.pue } : {}),
    ...(opts.store ? { store: opts.store } : {}),
    command: opts.argv,
    cwd: opts.cwd ?? process.cwd(),
    meta: { ...(opts.meta ?? {}), ...(opts.budget ? { budget: opts.budget } : {}) },
  });
  const progressPath = join(tmpdir(), `verdant-${tracker.runId}.progress`);
  env[PROGRESS_ENV] = progressPath;
  env.VERDANT_RUN_ID = tracker.runId;
  const progress = new ProgressReader(progressPath);

  await tracker.start();
  const child = spawn(executable, args, {
    cwd: opts.cwd,
    env,
    stdio: opts.stdio ?? 'inherit',
    argv0: cmd,
  });
  const spawned = await new Promise<Error | undefined>((res) => {
    child.once('spawn', () => res(undefined));
    child.once('error', (e) => res(e));
  });
  if (spawned || child.pid === undefined) {
    await tracker.stop('failed', 127, { error: spawned?.message });
    throw spawned ?? new Error('spawn failed');
  }
  const pid = child.pid;
  await tracker.setChildPid(pid);

  let paused = false;
  let stopping: { reason: string } | undefined;
  let breachHandled: BudgetBreach | undefined;
  let pauseReason: string | undefined;
  const procfs = opts.procfsRoot ?? '/proc';

  const pause = async (reason = 'requested') => {
    if (paused) return;
    paused = true;
    pauseReason = reason;
    await signalTree(pid, 'SIGSTOP', procfs);
    await tracker.setStatus('paused');
    notice(`paused (${reason}); resume with: verdant resume ${tracker.runId}`);
  };
  const resume = async (reason = 'requested') => {
    if (!paused) return;
    paused = false;
    await signalTree(pid, 'SIGCONT', procfs);
    await tracker.setStatus('running');
    notice(`resumed (${reason})`);
  };
  let killTimer: NodeJS.Timeout | undefined;
  const stop = async (reason = 'requested', graceS = opts.budget?.graceS ?? 10) => {
    if (stopping) return;
    stopping = { reason };
    if (paused) await signalTree(pid, 'SIGCONT', procfs); // a stopped process cannot handle SIGTERM
    notice(`stopping (${reason}): SIGTERM, SIGKILL after ${graceS}s`);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    killTimer = setTimeout(() => void signalTree(pid, 'SIGKILL', procfs), graceS * 1000);
    killTimer.unref();
  };

  tracker.on('sample', (snap) => {
    void (async () => {
      const p = await progress.poll(snap.t);
      if (p) tracker.setProgress(p);
      const current = p ? tracker.snapshot() : snap;
      // Someone else (`verdant resume`, a shell's `kill -CONT`) may have resumed the tree.
      if (paused && !(await isStopped(pid, procfs))) {
        paused = false;
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
      if (opts.controller && !stopping && (!paused || pauseReason?.startsWith('carbon'))) {
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

  const done = new Promise<CommandResult>((resolveDone) => {
    child.once('exit', (code, signal) => {
      void (async () => {
        if (killTimer) clearTimeout(killTimer);
        for (const [sig, h] of forwarded) process.off(sig, h);
        const p = await progress.poll(Date.now() / 1000);
        if (p) tracker.setProgress(p);
        await progress.close();
        await rm(progressPath, { force: true });
        const exitCode = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
        const status: RunStatus = stopping ? 'stopped' : exitCode === 0 ? 'succeeded' : 'failed';
        const snapshot = await tracker.stop(status, exitCode, stopping ? { stop_reason: stopping.reason } : {});
        resolveDone({ runId: tracker.runId, status, exitCode, signal, snapshot });
      })();
    });
  });

  return { runId: tracker.runId, pid, tracker, child, pause, resume, stop, done };
}
