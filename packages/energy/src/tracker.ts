import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { emissionsG, newId, nowS, type IntensityLookup, type RunStatus, type SampleRow, type Store } from '@verdant/core';
import { SensorIntegrator } from './integrate.js';
import { predict, type Prediction } from './predict.js';
import type { ProgressUpdate } from './progress.js';
import type { EnergySensor } from './sensor.js';

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
  /** How often buffered samples are written, s (a run is readable while it runs, and after a crash). */
  flushEveryS?: number;
  command?: string[];
  cwd?: string;
  meta?: Record<string, unknown>;
  runId?: string;
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
  error: [Error];
}

/**
 * Polls every sensor each interval, turns readings into per-interval energy, charges each interval at the
 * grid intensity in force at its midpoint, and appends the samples to the store in batches.
 */
export class Tracker extends EventEmitter<TrackerEvents> {
  readonly runId: string;
  readonly intervalS: number;
  readonly pue: number;
  private readonly integrators = new Map<string, SensorIntegrator>();
  private readonly state = new Map<string, SensorState>();
  private buffer: SampleRow[] = [];
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
  private stopped = false;

  constructor(private readonly opts: TrackerOptions) {
    super();
    this.runId = opts.runId ?? newId('r');
    this.intervalS = opts.intervalS ?? 1;
    this.pue = opts.pue ?? 1;
    for (const s of opts.sensors) {
      this.integrators.set(s.id, new SensorIntegrator());
      this.state.set(s.id, {
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

  /** Records the run, takes the baseline reading and starts the sampling timer. */
  async start(): Promise<void> {
    this.startedAt = nowS();
    this.lastFlush = this.startedAt;
    const store = this.opts.store;
    if (store) {
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
          heartbeat_at: this.startedAt,
          exit_code: null,
          pid: process.pid,
          child_pid: this.childPid,
          host: hostname(),
          energy_j: 0,
          emissions_g: 0,
          meta: JSON.stringify(this.opts.meta ?? {}),
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
    }
    await this.sampleSensors();
    this.timer = setInterval(() => {
      if (this.ticking) return; // a slow sensor must not pile up overlapping reads
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
      });
    }, this.intervalS * 1000);
  }

  /** The pid of the measured command, recorded so `verdant resume` and `runs show` can find it. */
  async setChildPid(pid: number): Promise<void> {
    this.childPid = pid;
    await this.opts.store?.updateRun(this.runId, { child_pid: pid });
  }

  async setStatus(status: RunStatus): Promise<void> {
    await this.opts.store?.updateRun(this.runId, { status });
  }

  /** Extra facts to keep with the run (budget events, notes); merged into the run's meta at flush. */
  note(key: string, value: unknown): void {
    this.metaExtra[key] = value;
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
      sensors: [...this.state.values()].map((s) => ({ ...s })),
      ...(this.progress ? { progress: this.progress } : {}),
      ...(this.prediction ? { prediction: this.prediction } : {}),
    };
  }

  /** One sampling step: read, integrate, buffer, and flush when due. */
  async tick(): Promise<void> {
    try {
      await this.sampleSensors();
      if (nowS() - this.lastFlush >= (this.opts.flushEveryS ?? Math.max(1, this.intervalS))) await this.flush();
      this.emit('sample', this.snapshot());
    } catch (e) {
      this.emit('error', e as Error);
    }
  }

  private async sampleSensors(): Promise<void> {
    const readings = await Promise.all(
      this.opts.sensors.map(async (s) => {
        try {
          return await s.read();
        } catch {
          return undefined; // a sensor that fails once (busy vendor CLI) just skips the interval
        }
      }),
    );
    let power = 0;
    let any = false;
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i];
      const sensor = this.opts.sensors[i]!;
      if (!r) continue;
      const step = this.integrators.get(sensor.id)!.next(r);
      if (!step || step.dt <= 0) continue;
      any = true;
      const mid = r.t - step.dt / 2;
      const intensity = this.opts.lookup.at(mid);
      const g = emissionsG(step.energyJ * this.pue, intensity);
      const st = this.state.get(sensor.id)!;
      st.energyJ += step.energyJ;
      st.emissionsG += g;
      st.powerW = step.powerW;
      power += step.powerW;
      this.energyJ += step.energyJ * this.pue;
      this.emissions += g;
      this.lastIntensity = intensity;
      this.buffer.push({
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
  }

  /** Writes buffered samples with the running totals and heartbeat in one transaction. */
  async flush(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    const now = nowS();
    this.lastFlush = now;
    const store = this.opts.store;
    if (!store) return;
    try {
      await store.appendSamples(batch, { id: this.runId, energy_j: this.energyJ, emissions_g: this.emissions, heartbeat_at: now });
    } catch (e) {
      this.buffer = batch.concat(this.buffer); // keep them for the next flush rather than lose data
      throw e;
    }
  }

  /** Takes a last reading, writes everything and closes the run with its final status. */
  async stop(status: RunStatus, exitCode: number | null, extraMeta: Record<string, unknown> = {}): Promise<TrackerSnapshot> {
    if (this.stopped) return this.snapshot();
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await this.sampleSensors().catch(() => undefined);
    await this.flush();
    const endedAt = nowS();
    const store = this.opts.store;
    if (store) {
      const meta = { ...(this.opts.meta ?? {}), ...this.metaExtra, ...extraMeta };
      if (this.progress) meta.progress = this.progress;
      if (this.prediction) meta.prediction = this.prediction;
      await store.updateRun(this.runId, {
        status,
        exit_code: exitCode,
        ended_at: endedAt,
        heartbeat_at: endedAt,
        energy_j: this.energyJ,
        emissions_g: this.emissions,
        meta: JSON.stringify(meta),
      });
    }
    await Promise.all(this.opts.sensors.map((s) => s.close?.().catch(() => undefined)));
    return this.snapshot();
  }
}
