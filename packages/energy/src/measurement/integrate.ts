import type { SensorReading } from '../sensors/sensor.js';

/**
 * Turns successive readings of one sensor into interval energies. Counters are differenced (exact);
 * power readings are integrated by the trapezoid rule. A counter that goes backwards (device reset) falls
 * back to power for that interval when the reading has one, else contributes nothing.
 */
export class SensorIntegrator {
  private last: SensorReading | undefined;

  /** Returns the energy (J) since the previous reading, and the interval's mean power (W). */
  next(r: SensorReading): { energyJ: number; powerW: number; dt: number } | undefined {
    const prev = this.last;
    this.last = r;
    if (!prev) return undefined;
    const dt = r.t - prev.t;
    if (dt <= 0) return { energyJ: 0, powerW: 0, dt: 0 };
    let energyJ: number | undefined;
    if (r.energyJ !== undefined && prev.energyJ !== undefined && r.energyJ >= prev.energyJ) {
      energyJ = r.energyJ - prev.energyJ;
    } else if (r.powerW !== undefined) {
      energyJ = ((prev.powerW ?? r.powerW) + r.powerW) * 0.5 * dt;
    }
    const e = energyJ ?? 0;
    return { energyJ: e, powerW: e / dt, dt };
  }
}
