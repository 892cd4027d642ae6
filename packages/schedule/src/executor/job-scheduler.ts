import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { nowS, pidAlive, toIso, type Store } from '@verdant/core';
import { decideWithReason } from '../policy/decide.js';
import { JobQueue, type Guard } from '../queue/job-queue.js';
import { ranSoFar, remainingS, type JobRecord } from '../queue/record.js';
import { hasThresholds } from '../queue/request.js';
import type { IntensitySource } from './intensity-source.js';
import { exitStatus, ProcessRunner } from './process-runner.js';
import type { JobRunner, RunExit, RunningJob } from './runner.js';
import type { Executor } from './types.js';
import type { SchedulerMetrics } from './scheduler-metrics.js';

export interface JobSchedulerOptions {
  store: Store;
  /** Starts processes; default a plain child process (the CLI's serve passes the tracked runner). */
  runner?: JobRunner;
  /** Intensity for the pause policy; without one, thresholds are not applied (the job just runs). */
  intensity?: IntensitySource;
  /** This scheduler's name in the queue's owner column; default host:pid:random. */
  owner?: string;
  /** Seconds between passes (claim, policy, heartbeat). Default 5. */
  tickS?: number;
  /** A claim expires this long after the last heartbeat. Default 30 s (several ticks). */
  leaseS?: number;
  /** SIGTERM-to-SIGKILL grace when cancelling, s. Default 10. */
  stopGraceS?: number;
  /** How long a job has to save and exit after its checkpoint signal before it is stopped, s. Default 120. */
  checkpointGraceS?: number;
  /** Every state change, for logs. */
  onEvent?: (event: { jobId: string; state: string; message: string }) => void;
  clock?: () => number;
  /**
   * Executors whose jobs this scheduler also follows: each pass calls their `tick` (Slurm: refresh each
   * job's state and apply the carbon policy by suspend/resume). Local jobs are this scheduler's own.
   */
  executors?: readonly Executor[];
  /** Health series (last pass, failures, jobs held) to update each pass: createSchedulerMetrics(). */
  metrics?: SchedulerMetrics;
}

export interface StopOptions {
  /**
   * Leave every job and process exactly as it is and stop heartbeating, as a crash would; another scheduler
   * recovers the jobs once the lease runs out.
   */
  abandon?: boolean;
  /** Longest wait for running jobs to finish before they are stopped, s. Default: until they finish. */
  drainS?: number;
}

interface Live {
  proc?: RunningJob;
  /** Pid of a process a dead scheduler left running: watched until it exits, not controlled. */
  watchPid?: number;
  /** For a watched pid: the scheduler that died, and its last heartbeat. */
  formerOwner?: string | null;
  lostAt?: number;
  checkpointing?: boolean;
  cancelling?: boolean;
  checkpointTimer?: NodeJS.Timeout;
  /** The process's pid and run id (and a restart's attempt count), not yet in the store: retried each pass. */
  unrecorded?: JobPatch;
  /** The process exited at `at`; its outcome is not yet in the store (it failed): settled again each pass. */
  exited?: { exit: RunExit; at: number; error?: string };
  /** A state change not yet in the store (it failed): written again each pass before anything else happens. */
  pending?: { patch: JobPatch; now: number; keep: boolean };
}

type JobPatch = Parameters<JobQueue['update']>[2];

/**
 * The local scheduler loop: claims due jobs atomically, runs them, pauses and resumes them by the carbon
 * policy, applies user requests (cancel, hold, resume), heartbeats its claims, and recovers jobs whose
 * scheduler died (see docs/scheduling.md for the recovery rules).
 */
export class JobScheduler {
  readonly owner: string;
  private readonly queue: JobQueue;
  private readonly runner: JobRunner;
  private readonly host = hostname();
  private readonly tickS: number;
  private readonly leaseS: number;
  private readonly clock: () => number;
  private readonly live = new Map<string, Live>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private draining = false;
  private readonly settling = new Set<Promise<void>>();
  /** Set by an abandoning stop: every callback becomes a no-op, as if the process had died. */
  private halted = false;

  constructor(private readonly opts: JobSchedulerOptions) {
    this.queue = JobQueue.of(opts.store);
    this.runner = opts.runner ?? new ProcessRunner();
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.tickS = opts.tickS ?? 5;
    this.leaseS = opts.leaseS ?? 30;
    this.clock = opts.clock ?? nowS;
    opts.metrics?.interval.set(this.tickS);
    // Until a first pass ends, its start counts as the last pass: a first pass that never ends shows as stalled.
    opts.metrics?.lastPass.set(this.clock());
  }

  /** Starts the loop (first pass at once). */
  start(): void {
    if (this.timer || this.halted) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.tickS * 1000);
    this.timer.unref();
  }

  /**
   * Stops claiming jobs. Checkpointable jobs are sent their checkpoint signal and handed back to the queue;
   * other running jobs are waited for (heartbeats continue) up to drainS, then stopped and marked failed.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (options.abandon) {
      this.halted = true;
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      for (const l of this.live.values()) if (l.checkpointTimer) clearTimeout(l.checkpointTimer);
      return;
    }
    this.draining = true;
    await this.ticking;
    for (const [id, l] of this.live) {
      const job = await this.queue.get(id);
      if (job?.spec.checkpointSignal && l.proc && !l.checkpointing) await this.pauseJob(job, l, 'the scheduler is stopping');
    }
    const deadline = options.drainS === undefined ? Infinity : this.clock() + options.drainS;
    // An outcome the store has not taken yet (exited, pending) is waited for too: letting go would lose it.
    while ([...this.live.values()].some((l) => l.proc || l.watchPid || l.exited || l.pending)) {
      if (this.clock() >= deadline) {
        for (const [id, l] of this.live) {
          if (!l.proc) continue;
          l.cancelling = true;
          await this.queue.update(id, { owner: this.owner }, { message: 'stopping: the scheduler shut down' });
          await l.proc.stop(this.opts.stopGraceS ?? 10);
        }
        await Promise.all([...this.settling]);
        break;
      }
      await sleep(Math.min(500, this.tickS * 1000));
      if (!this.timer) await this.tick();
    }
    await Promise.all([...this.settling]);
    await this.ticking;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // Paused checkpointed jobs have no process: hand them back for the next scheduler to adopt.
    for (const id of this.live.keys()) {
      await this.queue.update(id, { owner: this.owner, states: ['paused'] }, { owner: null, lease_until: null, message: 'checkpointed; released by a stopping scheduler' });
    }
    this.live.clear();
    this.halted = true;
  }

  /** One pass; passes never overlap. Public so `serve` and tests can drive it deterministically. */
  tick(): Promise<void> {
    if (this.halted) return Promise.resolve();
    // A failed pass (store busy, disk full) is reported and retried next tick; it must not crash `serve`.
    this.ticking ??= this.measuredPass()
      .catch((e) => this.emit('scheduler', 'error', `pass failed: ${(e as Error).message}`))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** A pass, recorded in the health series (a failed one counts as an error and leaves the last-pass time). */
  private async measuredPass(): Promise<void> {
    const m = this.opts.metrics;
    if (!m) return this.pass();
    const started = performance.now();
    const finish = (outcome: 'ok' | 'error'): void => {
      m.lastPassDuration.set((performance.now() - started) / 1000);
      m.passes.inc({ outcome });
      m.jobsHeld.set(this.live.size);
      if (outcome === 'ok') m.lastPass.set(this.clock());
    };
    try {
      await this.pass();
    } catch (e) {
      finish('error');
      throw e;
    }
    finish('ok');
  }

  private async pass(): Promise<void> {
    const now = this.clock();
    await this.queue.renew(this.owner, now, this.leaseS);
    await this.queue.flushEvents();
    await this.retryUnsettled();
    await this.recover(now);
    await this.checkWatched();
    await this.applyRequestsAndPolicy(now);
    if (!this.draining) await this.startDue(now);
    for (const executor of this.opts.executors ?? []) {
      await executor.tick?.(this.opts.intensity, now).catch((e) => this.emit(executor.name, 'error', (e as Error).message));
    }
  }

  // ---- starting ----

  private async startDue(now: number): Promise<void> {
    for (const job of await this.queue.due(now)) {
      if (this.halted || this.draining) return;
      if (job.pendingRequest === 'cancel') {
        await this.queue.update(job.id, { states: ['queued', 'scheduled'], owner: null }, { state: 'cancelled', ended_at: now, request: null, message: 'cancelled before it started' });
        continue;
      }
      if (!(await this.queue.claim(job, this.owner, this.host, now, this.leaseS))) continue; // another scheduler won
      const l: Live = {};
      this.live.set(job.id, l);
      await this.launch(job, l, false);
    }
  }

  private async launch(job: JobRecord, l: Live, resumed: boolean, attempt = job.attempts + 1 /* the claim (or this restart) counts it */): Promise<void> {
    const env: Record<string, string> = {
      ...job.spec.env,
      VERDANT_JOB_ID: job.id,
      VERDANT_JOB_ATTEMPT: String(attempt),
      ...(job.spec.checkpointSignal ? { VERDANT_CHECKPOINT_SIGNAL: job.spec.checkpointSignal } : {}),
      ...(resumed ? { VERDANT_JOB_RESUMED: '1' } : {}),
    };
    try {
      l.proc = await this.runner.start({
        jobId: job.id,
        name: job.name,
        argv: job.spec.argv,
        cwd: job.spec.cwd,
        env,
        zone: job.spec.zone,
        outputPath: job.spec.outputPath ?? join(job.spec.cwd, `verdant-${job.id}.out`),
      });
    } catch (e) {
      if (this.halted) return;
      const now = this.clock();
      await this.commit(job.id, l, { state: 'failed', ended_at: now, exit_code: 127, owner: null, lease_until: null, pid: null, message: `cannot start ${job.spec.argv[0]}: ${(e as Error).message}` }, now, false);
      return;
    }
    if (this.halted) return;
    const proc = l.proc;
    // Watched before anything else can fail, so an exit is never missed. Tracked so stop() waits until each
    // exit is written before it lets go of its jobs. A runner whose `done` rejects (its measured run could
    // not be saved) still ended the process: that is recorded as a failure with the reason.
    const settled: Promise<void> = proc.done
      .then(
        (exit) => this.onExit(job.id, proc, exit),
        (e) => this.onExit(job.id, proc, { exitCode: null, signal: null }, (e as Error)?.message ?? String(e)),
      )
      .catch((e) => this.emit(job.id, 'error', `cannot record the exit yet (retried each pass): ${(e as Error).message}`))
      .finally(() => this.settling.delete(settled));
    this.settling.add(settled);
    l.unrecorded = { pid: proc.pid, run_id: proc.runId ?? null, ...(resumed ? { attempts: job.attempts + 1 } : {}) };
    await this.recordProcess(job.id, l).catch((e) => this.emit(job.id, 'error', `cannot record pid ${proc.pid} yet (retried each pass): ${(e as Error).message}`));
  }

  private async recordProcess(id: string, l: Live): Promise<void> {
    const patch = l.unrecorded;
    if (!patch || this.halted) return;
    await this.queue.update(id, { owner: this.owner }, patch);
    if (l.unrecorded === patch) l.unrecorded = undefined;
  }

  private async onExit(id: string, proc: RunningJob, exit: RunExit, error?: string): Promise<void> {
    if (this.halted) return;
    const l = this.live.get(id);
    if (!l || l.proc !== proc) return;
    l.proc = undefined;
    if (l.checkpointTimer) clearTimeout(l.checkpointTimer);
    l.exited = { exit, at: this.clock(), ...(error !== undefined ? { error } : {}) };
    await this.settleExit(id, l);
  }

  /**
   * Writes an exited process's outcome. While the store cannot be written the exit stays in `l.exited` (the
   * job stays held, heartbeats go on) and every pass tries again, so no outcome is lost and nothing restarts.
   */
  private async settleExit(id: string, l: Live): Promise<void> {
    const exited = l.exited;
    if (!exited || this.halted) return;
    const job = await this.queue.get(id);
    if (!job) {
      this.live.delete(id);
      return;
    }
    const now = exited.at;
    const { exit } = exited;
    const code = exitStatus(exit);
    const restarted = l.unrecorded?.attempts !== undefined ? { attempts: l.unrecorded.attempts } : {};
    const common = { ran_s: ranSoFar(job, now), resumed_at: null, pid: null, exit_code: code, ...restarted };
    const ended = { ended_at: now, owner: null, lease_until: null };
    let patch: JobPatch;
    let keep = false;
    if (exited.error !== undefined) {
      patch = { ...common, exit_code: null, ...ended, state: 'failed', message: `ended, but ${exited.error}` };
    } else if (l.cancelling) {
      const why = job.pendingRequest === 'cancel' ? 'cancelled by request' : 'stopped: the scheduler shut down';
      patch = { ...common, ...ended, state: job.pendingRequest === 'cancel' ? 'cancelled' : 'failed', request: null, message: why };
    } else if (l.checkpointing) {
      if (exit.signal && exit.signal === job.spec.checkpointSignal) {
        patch = { ...common, ...ended, state: 'failed', message: `the job did not handle its checkpoint signal ${exit.signal} (it must save its state and exit)` };
      } else {
        keep = true;
        patch = { ...common, state: 'paused', message: `checkpointed (exit ${code}); restarts from its checkpoint when resumed` };
      }
    } else {
      patch = { ...common, ...ended, state: code === 0 ? 'succeeded' : 'failed', message: code === 0 ? 'exited 0' : `exited ${code}` };
    }
    l.unrecorded = undefined; // the pid of a process that is gone is not written
    l.exited = undefined;
    l.checkpointing = false;
    await this.commit(id, l, patch, now, keep);
  }

  /** A state change that must reach the store: kept in `l.pending` until it does (see writePending). */
  private async commit(id: string, l: Live, patch: JobPatch, now: number, keep: boolean): Promise<void> {
    l.pending = { patch, now, keep };
    await this.writePending(id, l);
  }

  private async writePending(id: string, l: Live): Promise<void> {
    const p = l.pending;
    if (!p || this.halted) return;
    const won = await this.transition(id, p.patch, p.now);
    if (l.pending === p) l.pending = undefined;
    // Not won: the job is no longer ours (our lease ran out during the outage and another scheduler took it
    // over, or an earlier attempt was applied but its answer lost). Either way there is nothing left to do.
    if (!p.keep || !won) this.live.delete(id);
  }

  /** Each pass, first: what the store did not take while it failed (pids, exits, state changes). */
  private async retryUnsettled(): Promise<void> {
    for (const [id, l] of [...this.live]) {
      if (l.exited) await this.settleExit(id, l);
      else if (l.pending) await this.writePending(id, l);
      else if (l.unrecorded) await this.recordProcess(id, l);
    }
  }

  // ---- requests and policy ----

  private async applyRequestsAndPolicy(now: number): Promise<void> {
    for (const job of await this.queue.owned(this.owner)) {
      const l = this.live.get(job.id);
      if (!l) {
        await this.retrack(job, now);
        continue;
      }
      if (l.exited || l.pending || l.watchPid !== undefined || l.cancelling || l.checkpointing) continue;
      if (!l.proc && job.state === 'running') {
        // Held as running with no process: a checkpointed job's restart or recovery whose write failed midway.
        // Paused again (no running time is added: no process of ours ran); the policy restarts it.
        if (job.spec.checkpointSignal) await this.markCheckpointed(job.id, now, l.lostAt ?? job.resumedAt ?? now);
        continue;
      }
      if (job.pendingRequest === 'cancel') {
        l.cancelling = true;
        if (l.proc) await l.proc.stop(this.opts.stopGraceS ?? 10);
        else await this.commit(job.id, l, { state: 'cancelled', request: null, ended_at: now, owner: null, lease_until: null, message: 'cancelled by request' }, now, false);
        continue;
      }
      if (job.pendingRequest === 'hold') {
        if (job.state === 'running') await this.pauseJob(job, l, 'held by request');
        continue;
      }
      if (job.pendingRequest === 'resume') {
        await this.queue.update(job.id, { owner: this.owner }, { request: null }, now);
        if (job.state === 'paused') await this.resumeJob(job, l, 'resumed by request', now);
        continue;
      }
      await this.applyPolicy(job, l, now);
    }
  }

  /**
   * A job the store says is ours but this scheduler does not track: a write whose answer was lost while the
   * store went away (a claim, an adoption). Never started by us (no pid): start it now, once. A process
   * recorded: watch it until it ends, as after a crash. A checkpointed job: hand it to the policy.
   */
  private async retrack(job: JobRecord, now: number): Promise<void> {
    if (this.draining || this.halted) return;
    if (job.pid !== null) {
      this.live.set(job.id, { watchPid: job.pid, formerOwner: job.owner, lostAt: now });
    } else if (job.state === 'paused') {
      this.live.set(job.id, {});
    } else if (job.state === 'running') {
      const l: Live = {};
      this.live.set(job.id, l);
      this.emit(job.id, 'running', 'claimed while the store was failing; starting it now');
      await this.launch(job, l, false, job.attempts);
    }
  }

  private async applyPolicy(job: JobRecord, l: Live, now: number): Promise<void> {
    if (!hasThresholds(job.spec)) {
      // A checkpointed job without thresholds (paused by a stopping scheduler) simply continues.
      if (job.state === 'paused') await this.resumeJob(job, l, 'continuing after a scheduler restart', now);
      return;
    }
    const source = this.opts.intensity;
    if (!source) {
      if (job.state === 'paused') await this.resumeJob(job, l, 'no intensity source: cannot apply thresholds', now);
      return;
    }
    let intensity: number;
    try {
      intensity = await source.current(job.spec.zone, now);
    } catch {
      return; // keep the current state until intensity is known again
    }
    const policyState = job.state === 'paused' ? 'paused' : 'running';
    const restartCost = job.spec.checkpointSignal ? this.tickS : 0;
    const d = decideWithReason(policyState, intensity, now, job.spec.deadline, remainingS(job, now), {
      pauseAboveG: job.spec.pauseAboveG,
      resumeBelowG: job.spec.resumeBelowG,
      marginS: 2 * this.tickS + restartCost,
    });
    const g = intensity.toFixed(0);
    if (policyState === 'running' && d.action === 'pause') await this.pauseJob(job, l, `intensity ${g} > ${job.spec.pauseAboveG} g/kWh`);
    else if (policyState === 'paused' && d.action === 'resume') {
      await this.resumeJob(job, l, d.reason === 'deadline' ? `deadline: ${Math.round(d.slackS)} s of slack left` : `intensity ${g} < ${job.spec.resumeBelowG} g/kWh`, now);
    }
  }

  private async pauseJob(job: JobRecord, l: Live, why: string): Promise<void> {
    if (!l.proc) return;
    const now = this.clock();
    const sig = job.spec.checkpointSignal as NodeJS.Signals | undefined;
    if (sig) {
      l.checkpointing = true;
      l.proc.signal(sig);
      const proc = l.proc;
      l.checkpointTimer = setTimeout(() => void proc.stop(this.opts.stopGraceS ?? 10), (this.opts.checkpointGraceS ?? 120) * 1000);
      l.checkpointTimer.unref();
      await this.queue.update(job.id, { owner: this.owner }, { message: `checkpointing (${why}): sent ${sig}` }, now);
      this.emit(job.id, job.state, `checkpointing (${why}): sent ${sig}`);
      return;
    }
    await l.proc.pause();
    await this.transition(job.id, { state: 'paused', ran_s: ranSoFar(job, now), resumed_at: null, message: `paused: ${why}` }, now);
  }

  private async resumeJob(job: JobRecord, l: Live, why: string, now: number): Promise<void> {
    if (l.proc) {
      await l.proc.resume();
      await this.transition(job.id, { state: 'running', resumed_at: now, message: `resumed: ${why}` }, now);
      return;
    }
    // Checkpointed: start it again; the job resumes from its own checkpoint. Not while shutting down.
    if (this.draining) return;
    await this.transition(job.id, { state: 'running', resumed_at: now, message: `restarting from checkpoint: ${why}` }, now);
    await this.launch(job, l, true);
  }

  // ---- recovery ----

  /**
   * Jobs whose owner stopped heartbeating. A live process on this host is adopted and watched until it ends.
   * Once the process is gone (or was never started): a job with a checkpoint signal is adopted as paused and
   * restarted from its checkpoint; any other job is marked failed ("interrupted"), never run twice.
   */
  private async recover(now: number): Promise<void> {
    for (const job of await this.queue.orphans(now)) {
      if (job.owner === this.owner) continue;
      const local = job.host === this.host;
      const alive = local && job.pid !== null && pidAlive(job.pid);
      const lostAt = lastHeartbeat(job, now);
      if (alive) {
        if (await this.queue.adopt(job, this.owner, now, this.leaseS, `adopted from ${job.owner}: watching pid ${job.pid} it left running`)) {
          this.live.set(job.id, { watchPid: job.pid!, formerOwner: job.owner, lostAt });
        }
        continue;
      }
      const gone = job.pid === null || local;
      if (gone && job.spec.checkpointSignal) {
        if (await this.queue.adopt(job, this.owner, now, this.leaseS, `adopted from ${job.owner ?? 'a stopped scheduler'}`)) {
          this.live.set(job.id, { lostAt }); // if marking it fails, the next pass finishes it (applyRequestsAndPolicy)
          await this.markCheckpointed(job.id, now, lostAt);
        }
        continue;
      }
      const where = gone ? '' : ` on ${job.host} (its process cannot be checked from here)`;
      // Counted up to the last heartbeat: nothing says it ran any longer.
      await this.failInterrupted(job, now, `the scheduler running it (${job.owner ?? 'unknown'}) stopped at about ${toIso(lostAt)}${where}`, ranSoFar(job, lostAt), {
        owner: job.owner,
        states: [job.state],
        leaseBefore: now,
      });
    }
  }

  private async checkWatched(): Promise<void> {
    for (const [id, l] of this.live) {
      if (l.watchPid === undefined || pidAlive(l.watchPid)) continue;
      const job = await this.queue.get(id);
      if (!job) continue;
      const now = this.clock();
      // The entry changes only once the store has the outcome: if the write fails, the next pass repeats it.
      if (job.spec.checkpointSignal) {
        await this.markCheckpointed(id, now, now);
        l.watchPid = undefined;
      } else {
        // The process ran until this pass found it gone.
        const what = `the scheduler running it (${l.formerOwner ?? 'unknown'}) stopped at about ${toIso(l.lostAt ?? now)}; the process it left running (pid ${l.watchPid}) ended at about ${toIso(now)}`;
        await this.failInterrupted(job, now, what, ranSoFar(job, now), { owner: this.owner });
        this.live.delete(id);
      }
    }
  }

  /**
   * A restartable job whose process is gone: paused with no process, restarted by the policy or at once. Its
   * running time counts until `ranUntil` (the last heartbeat, or when a watched process was found gone).
   */
  private async markCheckpointed(id: string, now: number, ranUntil: number): Promise<void> {
    const job = await this.queue.get(id);
    if (!job) return;
    await this.transition(id, { state: 'paused', pid: null, ran_s: ranSoFar(job, Math.min(ranUntil, now)), resumed_at: null, message: 'interrupted with its scheduler; restarts from its checkpoint' }, now);
  }

  private async failInterrupted(job: JobRecord, now: number, what: string, ranS: number, guard: Guard): Promise<void> {
    const message = `interrupted: ${what}; outcome unknown, not restarted (it declares no checkpoint signal)`;
    const won = await this.queue.update(job.id, guard, { state: 'failed', ended_at: now, owner: null, lease_until: null, pid: null, ran_s: ranS, resumed_at: null, message }, now);
    if (won) this.emit(job.id, 'failed', message);
  }

  // ---- helpers ----

  /** Writes a change to a job this scheduler owns; whether it did (the job was still ours). */
  private async transition(id: string, patch: JobPatch, now: number): Promise<boolean> {
    if (this.halted) return false;
    const won = await this.queue.update(id, { owner: this.owner }, patch, now);
    if (won && patch.state !== undefined) this.emit(id, patch.state as string, String(patch.message ?? ''));
    return won;
  }

  private emit(jobId: string, state: string, message: string): void {
    this.opts.onEvent?.({ jobId, state, message });
  }
}

/**
 * When a job's scheduler was last heard of: its last write to the row (every heartbeat writes one), never
 * later than the lease it held (a user's request after the crash also touches the row).
 */
function lastHeartbeat(job: JobRecord, now: number): number {
  return Math.min(job.updatedAt, job.leaseUntil ?? job.updatedAt, now);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
