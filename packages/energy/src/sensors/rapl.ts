import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nowS } from '@verdant/core';
import { KernelFile, parseDecimal } from './kernel-file.js';
import { defineSensorSource, type DiscoveryContext, type EnergySensor, type SensorSource, type SensorReading } from './sensor.js';

/** Top-level powercap zones: "intel-rapl:0" (package) and "intel-rapl:0:1" (subzone). AMD CPUs use the same driver. */
const ZONE = /^(intel-rapl|amd-rapl):(\d+)(?::(\d+))?$/;

export const RAPL_PERMISSION_FIX =
  'grant read access: sudo chmod o+r /sys/class/powercap/intel-rapl:*/energy_uj /sys/class/powercap/intel-rapl:*:*/energy_uj ' +
  '(lost at reboot; to keep it, a udev rule or a systemd-tmpfiles line that sets the mode or a group on those files)';

interface RaplZone {
  dir: string;
  id: string;
  kind: 'cpu' | 'dram';
  name: string;
  maxRangeUj: number;
}

/**
 * CPU package and DRAM energy from the Linux powercap RAPL counters (µJ, wrapping at
 * max_energy_range_uj). Core, uncore and psys zones are left out: they overlap the package, and
 * summing them with it would count the same joules twice.
 */
export class RaplSource implements SensorSource {
  readonly name = 'rapl';

  /**
   * `readText` is the file reader (a seam for tests running as root, where EACCES cannot happen). Without it,
   * sensors read their counter synchronously at each sample (sysfs answers from memory at once; a thread-pool
   * round trip per zone per sample would cost more than the read).
   */
  constructor(private readonly readText?: (path: string) => Promise<string>) {}

  private read(path: string): Promise<string> {
    return this.readText ? this.readText(path) : readFile(path, 'utf8');
  }

  async discover(ctx: DiscoveryContext): Promise<EnergySensor[]> {
    const base = join(ctx.sysfsRoot, 'class', 'powercap');
    const entries = await readdir(base).catch(() => [] as string[]);
    const zones: RaplZone[] = [];
    let denied = 0;
    for (const entry of entries.sort()) {
      const m = ZONE.exec(entry);
      if (!m) continue;
      const dir = join(base, entry);
      const name = (await this.read(join(dir, 'name')).catch(() => '')).trim();
      const socket = m[2]!;
      // Multi-die parts name their top-level zones "package-0-die-1".
      const kind = m[3] === undefined && /^package-\d+(-die-\d+)?$/.test(name) ? 'cpu' : m[3] !== undefined && name === 'dram' ? 'dram' : undefined;
      if (!kind) continue;
      try {
        await this.read(join(dir, 'energy_uj'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EACCES' || (e as NodeJS.ErrnoException).code === 'EPERM') denied++;
        continue;
      }
      const maxRangeUj = Number((await this.read(join(dir, 'max_energy_range_uj')).catch(() => '')).trim());
      zones.push({
        dir,
        id: kind === 'cpu' ? `cpu:${name}` : `dram:${socket}`,
        kind,
        name,
        maxRangeUj: Number.isFinite(maxRangeUj) && maxRangeUj > 0 ? maxRangeUj : 2 ** 32,
      });
    }
    if (denied > 0) {
      ctx.warn(`RAPL energy counters exist but are not readable (root-only since 2020): ${RAPL_PERMISSION_FIX}; using the CPU/RAM models instead`);
      // A partial view (say DRAM readable, package not) would mix measured and modelled CPU: use none.
      return [];
    }
    const seen = new Set<string>();
    return zones.filter((z) => !seen.has(z.id) && seen.add(z.id)).map((z) => new RaplSensor(z, this.readText));
  }
}

class RaplSensor implements EnergySensor {
  readonly id: string;
  readonly kind: 'cpu' | 'dram';
  readonly method = 'rapl';
  readonly estimate = false;
  readonly description: string;
  private lastUj: number | undefined;
  private totalUj = 0;
  /** energy_uj, kept open: read at every sample. */
  private readonly counter: KernelFile;
  /** Synchronous, except through the (asynchronous) reader a test gives. */
  readonly readNow?: () => SensorReading;

  constructor(
    private readonly zone: RaplZone,
    private readonly readText: ((path: string) => Promise<string>) | undefined,
  ) {
    this.counter = new KernelFile(join(zone.dir, 'energy_uj'));
    this.id = zone.id;
    this.kind = zone.kind;
    this.description = `RAPL ${zone.name} domain (whole ${zone.kind === 'cpu' ? 'socket' : 'DRAM of the socket'}, all processes)`;
    if (!readText) this.readNow = () => this.reading(this.counter.parse(counterValue));
  }

  async read(): Promise<SensorReading> {
    return this.reading(this.readText ? Number((await this.readText(this.counter.path)).trim()) : this.counter.parse(counterValue));
  }

  /** The reading for a counter value read now (µJ; NaN when unreadable). */
  private reading(raw: number): SensorReading {
    const t = nowS();
    if (!Number.isFinite(raw)) throw new Error(`${this.id}: unreadable energy_uj`);
    if (this.lastUj !== undefined) {
      // The counter wraps to 0 after max_energy_range_uj (a few minutes at high power on big sockets).
      this.totalUj += raw >= this.lastUj ? raw - this.lastUj : this.zone.maxRangeUj - this.lastUj + raw;
    }
    this.lastUj = raw;
    return { t, energyJ: this.totalUj / 1e6 };
  }

  async close(): Promise<void> {
    this.counter.close();
  }
}

/** energy_uj's value from its bytes as read, without a string (as Number() of its trimmed text). */
function counterValue(bytes: Uint8Array, length: number): number {
  const n = parseDecimal(bytes, 0, length);
  return Number.isNaN(n) ? Number(Buffer.from(bytes.subarray(0, length)).toString('latin1').trim()) : n;
}

/** CPU packages and DRAM through the RAPL counters in sysfs. */
export const raplSensorSource = defineSensorSource({
  name: 'rapl',
  family: 'rapl',
  stage: 'measured',
  create: () => new RaplSource(),
});
