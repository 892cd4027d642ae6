import { Counter, Gauge, Pushgateway, Registry } from 'prom-client';
import type { RunSummary } from './summary.js';
import type { TrackerSnapshot } from './tracker.js';

/**
 * The run metrics, one definition for both exposures: `verdant serve`'s /metrics (from the store) and the
 * Pushgateway (from a live tracker). Names follow Prometheus conventions: base units, _total for counters.
 */
export interface RunMetrics {
  registry: Registry;
  energy: Counter<'run' | 'name' | 'sensor'>;
  emissions: Counter<'run' | 'name' | 'sensor'>;
  power: Gauge<'run' | 'name' | 'sensor'>;
  intensity: Gauge<'run' | 'name' | 'zone'>;
  info: Gauge<'run' | 'name' | 'status' | 'zone'>;
}

export function createRunMetrics(registry = new Registry()): RunMetrics {
  return {
    registry,
    energy: new Counter({ name: 'verdant_energy_joules_total', help: 'Device energy measured, by run and sensor (J).', labelNames: ['run', 'name', 'sensor'], registers: [registry] }),
    emissions: new Counter({ name: 'verdant_emissions_grams_total', help: 'Emissions including PUE, by run and sensor (gCO2e).', labelNames: ['run', 'name', 'sensor'], registers: [registry] }),
    power: new Gauge({ name: 'verdant_power_watts', help: 'Latest interval-average power, by run and sensor (W).', labelNames: ['run', 'name', 'sensor'], registers: [registry] }),
    intensity: new Gauge({ name: 'verdant_grid_intensity_grams_per_kwh', help: 'Grid carbon intensity in force (gCO2e/kWh).', labelNames: ['run', 'name', 'zone'], registers: [registry] }),
    info: new Gauge({ name: 'verdant_run_info', help: 'Run status (1 for the current status).', labelNames: ['run', 'name', 'status', 'zone'], registers: [registry] }),
  };
}

/** Sets counters to absolute values (they come from measurements, not increments). */
function setCounter(c: Counter<'run' | 'name' | 'sensor'>, labels: Record<'run' | 'name' | 'sensor', string>, value: number): void {
  c.remove(labels);
  c.inc(labels, Math.max(0, value));
}

export function observeSnapshot(m: RunMetrics, name: string, zone: string, snap: TrackerSnapshot): void {
  for (const s of snap.sensors) {
    const labels = { run: snap.runId, name, sensor: s.id };
    setCounter(m.energy, labels, s.energyJ);
    setCounter(m.emissions, labels, s.emissionsG);
    m.power.set(labels, s.powerW);
  }
  m.intensity.set({ run: snap.runId, name, zone }, snap.intensityGPerKwh);
}

export function observeSummary(m: RunMetrics, s: RunSummary, powerBySensor: Map<string, number> = new Map()): void {
  for (const sensor of s.sensors) {
    const labels = { run: s.run_id, name: s.name, sensor: sensor.id };
    setCounter(m.energy, labels, sensor.energy_j);
    setCounter(m.emissions, labels, sensor.emissions_g);
    m.power.set(labels, s.status === 'running' ? (powerBySensor.get(sensor.id) ?? 0) : 0);
  }
  m.intensity.set({ run: s.run_id, name: s.name, zone: s.zone }, s.intensity_g_per_kwh);
  m.info.set({ run: s.run_id, name: s.name, status: s.status, zone: s.zone }, 1);
}

/** Pushes a live run's metrics to a Prometheus Pushgateway (job "verdant", grouped by run). */
export class PushgatewayReporter {
  private readonly metrics = createRunMetrics();
  private readonly gateway: Pushgateway<'text/plain; version=0.0.4; charset=utf-8'>;
  private inFlight: Promise<unknown> | undefined;

  constructor(
    url: string,
    private readonly name: string,
    private readonly zone: string,
    private readonly onError: (e: Error) => void = () => undefined,
  ) {
    this.gateway = new Pushgateway(url, { timeout: 5000 }, this.metrics.registry);
  }

  push(snap: TrackerSnapshot): void {
    if (this.inFlight) return; // never queue pushes behind a slow gateway
    observeSnapshot(this.metrics, this.name, this.zone, snap);
    this.inFlight = this.gateway
      .pushAdd({ jobName: 'verdant', groupings: { run: snap.runId } })
      .catch((e: Error) => this.onError(e))
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  async flush(snap: TrackerSnapshot): Promise<void> {
    await this.inFlight;
    this.push(snap);
    await this.inFlight;
  }
}
