import { EventEmitter } from 'node:events';
import { ExitCode, VerdantError, emissionsG, joulesToWh, localHostName, newId, nowS, type IntensityLookup, type RunStatus, type SampleRow, type Store } from '@verdant/core';
import { SensorIntegrator } from './integrate.js';
import { predict, type Prediction } from './predict.js';
import type { ProgressUpdate } from './progress.js';
import type { OpenRunChannel } from './channels.js';
import type { EnergySensor, SensorReading } from '../sensors/sensor.js';

export interface TrackerOptions {
  name: string;
  sensors: EnergySensor[];
  lookup: IntensityLookup;
  /** Sampling interval, s. */
  intervalS?: number;
  /** Power usage effectiveness of the facility; multiplies device energy. */
  pue?: number;
  /** Where samples go. Without a store the tracker still measures (library use without persistence). */
  store?: Store;
  /**
   * How often buffered samples are written while a reader watches the run live (`Store.markWatched`: the
   * dashboard's overview or the run's page), s; default 1 s, or the interval when longer. Given without
   * `idleFlushEveryS`, it is the cadence whether watched or not.
   */
  flushEveryS?: number;
  /**
   * How often they are written while nobody watches, s (the run stays readable, and a crash loses at most this
   * much); default 5 s, or `flushEveryS` when longer. A reader that starts watching is seen at the next write.
   */
  idleFlushEveryS?: number;
  /**
   * Most samples held in memory while the store cannot be written (default 50,000). Beyond that, held
   * intervals of each sensor are merged pairwise: energy and emissions stay exact, time resolution coarsens.
   */
  maxHeldSamples?: number;
  /** How long `stop()` keeps retrying a store that cannot be written before it gives up, s (default 300). */
  storeRetryS?: number;
  command?: string[];
  cwd?: string;
  meta?: Record<string, unknown>;
  runId?: string;
  /** The run group this run is a member of (one job on several hosts or tasks), and its task (rank) in it. */
  group?: string;
  task?: string;
  /** The host the run is recorded under; default `VERDANT_HOSTNAME`, else the machine's host name. */
  host?: string;
  /**
   * Run channels open for this run (`openRunChannels`): polled after each write once the run is recorded, and
   * finished after stop()'s final write.
   */
  channels?: readonly OpenRunChannel[];
}

export interface SensorState {
  id: string;
  kind: string;
  method: string;
  description: string;
  estimate: boolean;
  energyJ: number;
  emissionsG: number;
  powerW: number;
}

export interface TrackerSnapshot {
  runId: string;
  t: number;
  elapsedS: number;
  /** Facility power (sum of sensors x PUE), W. */
  powerW: number;
  /** Facility energy so far, J. */
  energyJ: number;
  emissionsG: number;
  intensityGPerKwh: number;
  sensors: SensorState[];
  progress?: ProgressUpdate;
  prediction?: Prediction;
}

export interface TrackerEvents {
  sample: [TrackerSnapshot];
  /** Store trouble and recovery, for humans: the run keeps measuring and holds its samples meanwhile. */
  warning: [string];
  error: [Error];
}

/** Samples written per statement; a backlog after an outage goes in several. */
const BATCH_MAX = 5000;
const DEFAULT_MAX_HELD = 50_000;
/** SQLite: how long a periodic write waits for another writer's lock (the wait blocks sampling). */
const WRITE_WAIT_MS = 250;
const DEFAULT_STORE_RETRY_S = 300;
/**
 * Default seconds between writes while a reader watches the run live (`verdant serve`'s overview or the run's
 * page, in any process: `Store.markWatched`): the reader sees a sample within about a second of its being taken.
 * The cost is one small transaction a second (the new samples, the totals, the heartbeat, and the meta when it
 * changed), a few hundred microseconds of CPU (docs/benchmarks.md); samples taken faster are still written in
 * batches. Each write reads back whether anyone watches, in the same UPDATE.
 */
const FLUSH_EVERY_S = 1;
/** Default seconds between writes while nobody watches: the run stays readable, at a fifth of the writes. */
const IDLE_FLUSH_EVERY_S = 5;

/**
 * Polls every sensor each interval, turns readings into per-interval energy, charges each interval at the
 * grid intensity in force at its midpoint, and appends the samples to the store in batches.
 */
export class Tracker extends EventEmitter<TrackerEvents> {
  readonly runId: string;
  readonly intervalS: number;
  readonly pue: number;
  /** Seconds between writes while watched (TrackerOptions.flushEveryS, else FLUSH_EVERY_S or the interval when longer). */
  private readonly flushEveryS: number;
  /** Seconds between writes while nobody watches (TrackerOptions.idleFlushEveryS, else IDLE_FLUSH_EVERY_S or flushEveryS when longer). */
  private readonly idleFlushEveryS: number;
  /** The latest deadline of the run's live readers that the last write read back, epoch s (0: none). */
  private watchedUntil = 0;
  private readonly onWatched = (untilS: number): void => {
    this.watchedUntil = untilS;
  };
  /** Per sensor, in the order of `opts.sensors`. */
  private readonly integrators: SensorIntegrator[] = [];
  /** Every sensor reads synchronously (readNow): a sample then makes no promise at all. */
  private readonly readsNow: boolean;
  /** Per sensor, in the order of `opts.sensors`. */
  private readonly state: SensorState[] = [];
  private sampled: ((t: number) => void) | undefined;
  /** tickNow()'s readings, one per sensor, reused from sample to sample. */
  private readonly readings: Array<SensorReading | undefined> = [];
  /** Samples not yet known to be stored, oldest first. */
  private held: SampleRow[] = [];
  /**
   * How many leading held samples are being written, or were in a write whose outcome is unknown (it may have
   * committed): these are never merged, so a retry writes exactly the same rows and the store skips any it has.
   */
  private fixedHead = 0;
  private writing: Promise<void> | undefined;
  /** Totals of the samples stored so far (what a reader can sum), J facility energy and g. */
  private writtenEnergyJ = 0;
  private writtenEmissionsG = 0;
  private runRecorded = false;
  private status: RunStatus = 'running';
  /** setStatus() changed the status and no write has carried it yet. */
  private statusDirty = false;
  private failedWrites = 0;
  private outage: { since: number; warned: boolean } | undefined;
  private mergeWarned = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private lastFlush = 0;
  private startedAt = 0;
  private energyJ = 0;
  private emissions = 0;
  private lastIntensity = 0;
  private lastPowerW = 0;
  private progress: ProgressUpdate | undefined;
  private prediction: Prediction | undefined;
  private childPid: number | null = null;
  private metaExtra: Record<string, unknown> = {};
  /** Bumped by every change of what the meta holds (notes, progress); `metaWritten` is the version last written. */
  private metaVersion = 0;
  private metaWritten = 0;
  /** Channels whose last poll failed and were reported: one warning until one succeeds. */
  private readonly channelTrouble = new Set<string>();
  private stopped = false;

  constructor(private readonly opts: TrackerOptions) {
    super();
    this.runId = opts.runId ?? newId('r');
    this.intervalS = opts.intervalS ?? 1;
    this.pue = opts.pue ?? 1;
    this.flushEveryS = opts.flushEveryS ?? Math.max(FLUSH_EVERY_S, this.intervalS);
    this.idleFlushEveryS =
      opts.idleFlushEveryS ?? (opts.flushEveryS !== undefined ? opts.flushEveryS : Math.max(IDLE_FLUSH_EVERY_S, this.flushEveryS));
    this.readsNow = opts.sensors.every((s) => typeof s.readNow === 'function');
    for (const s of opts.sensors) {
      this.integrators.push(new SensorIntegrator());
      this.state.push({
        id: s.id,
        kind: s.kind,
        method: s.method,
        description: s.description,
        estimate: s.estimate,
        energyJ: 0,
        emissionsG: 0,
        powerW: 0,
      });
    }
  }

  get sensors(): readonly EnergySensor[] {
    return this.opts.sensors;
  }

  /**
   * Records the run, takes the baseline reading and starts the sampling timer. A store that cannot be written
   * now does not stop the run: it is recorded with the first write that succeeds.
   */
  async start(): Promise<void> {
    this.startedAt = nowS();
    this.lastFlush = this.startedAt;
    await this.sampleSensors(); // the baseline, taken at the start: a slow store must not shift it
    if (this.opts.store) await this.persist();
    this.timer = setInterval(
      this.readsNow
        ? () => this.tickNow() // synchronous from end to end: nothing to overlap, no promise per sample
        : () => {
            if (this.ticking) return; // a slow sensor must not pile up overlapping reads
            this.ticking = this.tick().finally(() => {
              this.ticking = undefined;
            });
          },
      this.intervalS * 1000,
    );
  }

  private async recordRun(store: Store): Promise<void> {
    const version = this.metaVersion;
    await store.createRun(
      {
        id: this.runId,
        name: this.opts.name,
        status: 'running',
        command: JSON.stringify(this.opts.command ?? []),
        cwd: this.opts.cwd ?? process.cwd(),
        zone: this.opts.lookup.zone,
        intensity_source: this.opts.lookup.source,
        pue: this.pue,
        interval_s: this.intervalS,
        started_at: this.startedAt,
        ended_at: null,
        heartbeat_at: nowS(),
        exit_code: null,
        pid: process.pid,
        child_pid: this.childPid,
        host: this.opts.host ?? localHostName(),
        energy_j: 0,
        emissions_g: 0,
        meta: JSON.stringify(this.composeMeta()),
        group_id: this.opts.group ?? null,
        task: this.opts.task ?? null,
      },
      this.opts.sensors.map((s) => ({
        run_id: this.runId,
        sensor_id: s.id,
        kind: s.kind,
        method: s.method,
        description: s.description,
        estimate: s.estimate ? 1 : 0,
      })),
    );
    this.runRecorded = true;
    this.metaWritten = version;
  }

  /** The run's meta as stored: the caller's, the notes, the progress and the prediction (and `extra`, at stop). */
  private composeMeta(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const meta: Record<string, unknown> = { ...(this.opts.meta ?? {}), ...this.metaExtra, ...extra };
    if (this.progress) meta.progress = this.progress;
    if (this.prediction) meta.prediction = this.prediction;
    return meta;
  }

  /** The pid of the measured command, recorded so `verdant resume` and `runs show` can find it. */
  async setChildPid(pid: number): Promise<void> {
    this.childPid = pid;
    await this.persist();
  }

  async setStatus(status: RunStatus): Promise<void> {
    if (this.stopped) return; // the final status is stop()'s
    this.status = status;
    this.statusDirty = true;
    await this.persist();
  }

  /**
   * Extra facts to keep with the run (budget events, pauses, notes); merged into the run's meta, written with the
   * next write. A value changed in place (an array pushed to) needs note() again to be written.
   */
  note(key: string, value: unknown): void {
    this.metaExtra[key] = value;
    this.metaVersion++;
  }

  setProgress(p: ProgressUpdate): void {
    this.progress = p;
    this.prediction = predict({
      fraction: p.fraction,
      startedAt: this.startedAt,
      now: nowS(),
      energyJ: this.energyJ,
      emissionsG: this.emissions,
      lookup: this.opts.lookup,
    });
    this.metaVersion++;
  }

  snapshot(): TrackerSnapshot {
    const t = nowS();
    return {
      runId: this.runId,
      t,
      elapsedS: t - this.startedAt,
      powerW: this.lastPowerW,
      energyJ: this.energyJ,
      emissionsG: this.emissions,
      intensityGPerKwh: this.lastIntensity || this.opts.lookup.at(t),
      sensors: this.state.map((s) => ({ ...s })),
      ...(this.progress ? { progress: this.progress } : {}),
      ...(this.prediction ? { prediction: this.prediction } : {}),
    };
  }

  /**
   * One sampling step: read, integrate, buffer, and start a write when one is due. The write goes on in the
   * background, so a slow or unreachable store never holds up sampling; `flush()` waits for it.
   */
  async tick(): Promise<void> {
    if (this.readsNow) return this.tickNow();
    try {
      await this.sampleSensors();
      this.afterSample();
    } catch (e) {
      if (this.listenerCount('error')) this.emit('error', e as Error);
    }
  }

  /**
   * Calls `hook(t)` after each sample (t: epoch s), before the 'sample' listeners: for work that most samples
   * skip (a poll due twice a second), which a 'sample' listener would pay a snapshot for at every sample. One hook
   * at a time; undefined removes it.
   */
  onSampled(hook: ((t: number) => void) | undefined): void {
    this.sampled = hook;
  }

  /** tick() when every sensor reads synchronously. */
  private tickNow(): void {
    try {
      const sensors = this.opts.sensors;
      const readings = this.readings;
      for (let i = 0; i < sensors.length; i++) {
        try {
          readings[i] = sensors[i]!.readNow!();
        } catch {
          readings[i] = undefined; // as readNowOrSkip(), written out: this loop runs at every sample
        }
      }
      this.integrate(readings);
      this.afterSample();
    } catch (e) {
      if (this.listenerCount('error')) this.emit('error', e as Error);
    }
  }

  /** Starts a write when one is due, then tells the hook and the listeners. */
  private afterSample(): void {
    const t = nowS();
    if (!this.writing && t - this.lastFlush >= (this.watchedUntil > t ? this.flushEveryS : this.idleFlushEveryS)) void this.persist();
    this.sampled?.(t);
    if (this.listenerCount('sample') > 0) this.emit('sample', this.snapshot());
  }

  private async sampleSensors(): Promise<void> {
    this.integrate(this.readsNow ? this.opts.sensors.map(readNowOrSkip) : await Promise.all(this.opts.sensors.map(readOrSkip)));
  }

  /** Turns one reading of every sensor (undefined: skipped this interval) into interval energies and samples. */
  private integrate(readings: ReadonlyArray<SensorReading | undefined>): void {
    let power = 0;
    let any = false;
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i];
      const sensor = this.opts.sensors[i]!;
      if (!r) continue;
      const step = this.integrators[i]!.next(r);
      if (!step || step.dt <= 0) continue;
      any = true;
      const mid = r.t - step.dt / 2;
      const intensity = this.opts.lookup.at(mid);
      const g = emissionsG(step.energyJ * this.pue, intensity);
      const st = this.state[i]!;
      st.energyJ += step.energyJ;
      st.emissionsG += g;
      st.powerW = step.powerW;
      power += step.powerW;
      this.energyJ += step.energyJ * this.pue;
      this.emissions += g;
      this.lastIntensity = intensity;
      this.held.push({
        run_id: this.runId,
        sensor_id: sensor.id,
        t: r.t,
        dt: step.dt,
        energy_j: step.energyJ,
        power_w: step.powerW,
        intensity_g_per_kwh: intensity,
        emissions_g: g,
      });
    }
    if (any) this.lastPowerW = power * this.pue;
    if (this.held.length > this.maxHeld) this.mergeHeld();
  }

  private get maxHeld(): number {
    return Math.max(2, this.opts.maxHeldSamples ?? DEFAULT_MAX_HELD);
  }

  /**
   * Keeps memory bounded during a long outage: merges each sensor's held intervals pairwise (after the samples
   * a write may already have stored). Energy and emissions are summed, so nothing measured is lost.
   */
  private mergeHeld(): void {
    const head = this.held.slice(0, this.fixedHead);
    const bySensor = new Map<string, SampleRow[]>();
    for (const s of this.held.slice(this.fixedHead)) {
      const list = bySensor.get(s.sensor_id);
      if (list) list.push(s);
      else bySensor.set(s.sensor_id, [s]);
    }
    const merged: SampleRow[] = [];
    for (const list of bySensor.values()) {
      for (let i = 0; i < list.length; i += 2) merged.push(i + 1 < list.length ? mergeSamples(list[i]!, list[i + 1]!) : list[i]!);
    }
    merged.sort((a, b) => a.t - b.t || (a.sensor_id < b.sensor_id ? -1 : a.sensor_id > b.sensor_id ? 1 : 0));
    this.held = head.concat(merged);
    if (!this.mergeWarned) {
      this.mergeWarned = true;
      this.emit('warning', `more than ${this.maxHeld} samples held while the store is unavailable: merging held intervals pairwise (energy and emissions stay exact; time resolution is coarser)`);
    }
  }

  /**
   * Writes the held samples, oldest first in batches, each with the totals of the samples stored so far, the
   * heartbeat and the run's status, in one transaction. Rejects when the store cannot be written; the samples
   * stay held for the next attempt.
   */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined); // one writer at a time
    const write = this.writeHeld().then(() => this.pollChannels());
    this.writing = write;
    try {
      await write;
    } finally {
      if (this.writing === write) this.writing = undefined;
    }
  }

  /** After a write: each channel stores what its command wrote meanwhile (never rejects). */
  private async pollChannels(): Promise<void> {
    const channels = this.opts.channels;
    if (!channels?.length || !this.runRecorded || this.stopped) return;
    for (const { name, channel } of channels) {
      if (!channel.poll) continue;
      try {
        await channel.poll();
        this.channelTrouble.delete(name);
      } catch (e) {
        if (!this.channelTrouble.has(name)) {
          this.channelTrouble.add(name);
          this.emit('warning', `${name}: cannot store what the command reported yet: ${describe(e)}; trying again with the next write`);
        }
      }
    }
  }

  /** At stop, after the final write (or after giving up on it): each channel stores the rest and cleans up. */
  private async finishChannels(): Promise<void> {
    for (const { name, channel } of this.opts.channels ?? []) {
      try {
        await channel.finish();
      } catch (e) {
        this.emit('warning', `${name}: cannot store what the command reported: ${describe(e)}`);
      }
    }
  }

  /** flush(), reporting a failure as a warning instead of rejecting (the samples stay held). */
  private async persist(): Promise<void> {
    try {
      await this.flush();
    } catch {
      // reported by writeHeld; retried at the next flush
    }
  }

  private async writeHeld(): Promise<void> {
    this.lastFlush = nowS();
    const store = this.opts.store;
    if (!store) {
      this.held = [];
      return;
    }
    const batchMax = Math.max(1, Math.min(BATCH_MAX, Math.ceil(this.maxHeld / 2)));
    let stored = 0;
    try {
      if (!this.runRecorded) await this.recordRun(store);
      do {
        const n = Math.min(this.held.length, batchMax);
        const batch = this.held.slice(0, n);
        this.fixedHead = Math.max(this.fixedHead, n);
        const status = this.status;
        const reviveOnly = !this.statusDirty;
        // The meta goes with the first batch when it changed since it was last written (one JSON column).
        const metaVersion = this.metaVersion;
        const meta = metaVersion !== this.metaWritten ? JSON.stringify(this.composeMeta()) : undefined;
        let energyJ = this.writtenEnergyJ;
        let emissions = this.writtenEmissionsG;
        for (const x of batch) {
          energyJ += x.energy_j * this.pue;
          emissions += x.emissions_g;
        }
        await store.appendSamples(
          batch,
          { id: this.runId, energy_j: energyJ, emissions_g: emissions, heartbeat_at: nowS(), status, reviveOnly, child_pid: this.childPid, ...(meta !== undefined ? { meta } : {}) },
          this.idleFlushEveryS === this.flushEveryS ? { waitMs: WRITE_WAIT_MS } : { waitMs: WRITE_WAIT_MS, onWatched: this.onWatched },
        );
        this.held.splice(0, n); // only samples after fixedHead change meanwhile, and new ones are appended
        this.fixedHead = Math.max(0, this.fixedHead - n);
        this.writtenEnergyJ = energyJ;
        this.writtenEmissionsG = emissions;
        if (this.status === status) this.statusDirty = false;
        if (meta !== undefined) this.metaWritten = metaVersion;
        stored += n;
      } while (this.held.length > 0);
    } catch (e) {
      this.failedWrites++;
      this.outage ??= { since: this.lastFlush, warned: false };
      // One failed write can be a moment's lock contention; the second in a row is worth telling.
      if (!this.outage.warned && this.failedWrites >= 2) {
        this.outage.warned = true;
        this.emit('warning', `cannot write to the store (${store.location}): ${describe(e)}; measuring on and holding ${this.held.length} samples until it is back`);
      }
      throw e;
    }
    if (this.outage?.warned) {
      this.emit('warning', `the store is back after ${Math.round(nowS() - this.outage.since)} s: wrote the ${stored} held samples`);
    }
    this.outage = undefined;
    this.failedWrites = 0;
  }

  /**
   * Takes a last reading, writes everything and closes the run with its final status. While the store cannot
   * be written it retries for `storeRetryS`, then rejects with a VerdantError (exit 4) carrying the totals.
   */
  async stop(status: RunStatus, exitCode: number | null, extraMeta: Record<string, unknown> = {}): Promise<TrackerSnapshot> {
    if (this.stopped) return this.snapshot();
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await this.sampleSensors().catch(() => undefined);
    const endedAt = nowS();
    const store = this.opts.store;
    try {
      if (store) {
        const meta = this.composeMeta(extraMeta);
        const final = { status, exit_code: exitCode, ended_at: endedAt, heartbeat_at: endedAt, energy_j: this.energyJ, emissions_g: this.emissions, meta: JSON.stringify(meta) };
        const giveUpAt = nowS() + (this.opts.storeRetryS ?? DEFAULT_STORE_RETRY_S);
        for (let attempt = 0; ; attempt++) {
          try {
            await this.flush();
            await store.updateRun(this.runId, final);
            break;
          } catch (e) {
            if (nowS() >= giveUpAt) throw this.unsaved(store, e);
            if (attempt === 0) this.emit('warning', `the run has ended; waiting for the store (${store.location}) to write its last ${this.held.length} samples`);
            await sleep(Math.min(5000, 250 * 2 ** attempt));
          }
        }
      } else {
        this.held = [];
      }
    } finally {
      await this.finishChannels();
      await Promise.all(this.opts.sensors.map((s) => s.close?.().catch(() => undefined)));
    }
    return this.snapshot();
  }

  private unsaved(store: Store, cause: unknown): VerdantError {
    const postgres = store.dialect === 'postgres';
    return new VerdantError(
      `could not write run ${this.runId} to the store (${store.location}): ${describe(cause)}. ` +
        `${this.held.length} samples were not saved; the run measured ${joulesToWh(this.energyJ).toFixed(3)} Wh and ${this.emissions.toFixed(3)} gCO2e`,
      {
        field: postgres ? 'VERDANT_DATABASE_URL' : 'VERDANT_HOME',
        fix: postgres ? 'check that PostgreSQL is running and reachable' : 'check that no other process holds the store file locked and the disk is writable',
        exitCode: ExitCode.store,
        cause,
      },
    );
  }
}

const skipped = (): undefined => undefined;
const SKIPPED = Promise.resolve(undefined);

/** A sensor's reading, or undefined when it fails this once (a busy vendor CLI): the interval is skipped. */
function readOrSkip(sensor: EnergySensor): Promise<SensorReading | undefined> {
  try {
    return sensor.read().catch(skipped);
  } catch {
    return SKIPPED;
  }
}

/** readOrSkip() for a sensor that reads synchronously. */
function readNowOrSkip(sensor: EnergySensor): SensorReading | undefined {
  try {
    return sensor.readNow!();
  } catch {
    return undefined;
  }
}

/** Two consecutive intervals of one sensor as one: energy and emissions summed, intensity energy-weighted. */
function mergeSamples(a: SampleRow, b: SampleRow): SampleRow {
  const energy = a.energy_j + b.energy_j;
  const dt = a.dt + b.dt;
  const intensity =
    energy > 0 ? (a.intensity_g_per_kwh * a.energy_j + b.intensity_g_per_kwh * b.energy_j) / energy : (a.intensity_g_per_kwh * a.dt + b.intensity_g_per_kwh * b.dt) / dt;
  return { ...b, dt, energy_j: energy, power_w: dt > 0 ? energy / dt : b.power_w, intensity_g_per_kwh: intensity, emissions_g: a.emissions_g + b.emissions_g };
}

function describe(e: unknown): string {
  const err = e as { message?: string; code?: string };
  return err?.message || err?.code || String(e);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
