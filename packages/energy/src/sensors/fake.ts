import { readFileSync } from 'node:fs';
import { ExitCode, nowS, VerdantError } from '@verdant/core';
import { z } from 'zod';
import { defineSensorSource, type DiscoveryContext, type EnergySensor, type SensorKind, type SensorSource, type SensorReading } from './sensor.js';

const fakeSensorSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(['gpu', 'cpu', 'dram', 'accelerator', 'model']),
  powerW: z.number().nonnegative(),
  /** Report a cumulative counter ("energy", the default) or the power itself ("power"). */
  reading: z.enum(['energy', 'power']).default('energy'),
  method: z.string().min(1).default('fixture'),
  description: z.string().optional(),
  estimate: z.boolean().default(false),
});

const fakeFileSchema = z.union([
  z.array(fakeSensorSchema),
  z.object({
    sensors: z.array(fakeSensorSchema),
    /** When true (the default) no real sensor is discovered beside these: totals are exactly known. */
    exclusive: z.boolean().default(true),
  }),
]);

export type FakeSensorSpec = z.output<typeof fakeSensorSchema>;

/** Reads and validates the VERDANT_FAKE_SENSORS file. */
export function loadFakeSensorFile(path: string): { sensors: FakeSensorSpec[]; exclusive: boolean } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new VerdantError(`cannot read fake-sensor file ${path}: ${(e as Error).message}`, {
      field: 'VERDANT_FAKE_SENSORS',
      fix: 'point it at a JSON file such as {"sensors":[{"id":"gpu:0","kind":"gpu","powerW":250}]}, or unset it',
      exitCode: ExitCode.config,
    });
  }
  const r = fakeFileSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new VerdantError(`fake-sensor file ${path}: ${issue?.path.join('.') || 'file'} ${issue?.message ?? 'is invalid'}`, {
      field: 'VERDANT_FAKE_SENSORS',
      fix: 'each sensor needs id, kind (gpu|cpu|dram|accelerator|model) and powerW >= 0',
      exitCode: ExitCode.config,
    });
  }
  return Array.isArray(r.data) ? { sensors: r.data, exclusive: true } : r.data;
}

/**
 * Test seam: sensors of constant, known power (VERDANT_FAKE_SENSORS=<json file>), so an end-to-end run
 * on a machine without the hardware has an exact expected energy: power x (now - discovery time).
 */
export class FakeSensorSource implements SensorSource {
  readonly name = 'fake';
  /** Whether the last discover() read a file that asks to be the only sensor source. */
  exclusive = false;

  async discover(ctx: DiscoveryContext): Promise<EnergySensor[]> {
    const path = ctx.env.VERDANT_FAKE_SENSORS?.trim();
    if (!path) return [];
    const file = loadFakeSensorFile(path);
    this.exclusive = file.exclusive;
    const start = nowS();
    return file.sensors.map((spec) => new FakeSensor(spec, start));
  }
}

export class FakeSensor implements EnergySensor {
  readonly id: string;
  readonly kind: SensorKind;
  readonly method: string;
  readonly description: string;
  readonly estimate: boolean;

  constructor(
    readonly spec: FakeSensorSpec,
    private readonly startS: number,
  ) {
    this.id = spec.id;
    this.kind = spec.kind;
    this.method = spec.method;
    this.estimate = spec.estimate;
    this.description = spec.description ?? `fixture sensor: constant ${spec.powerW} W (VERDANT_FAKE_SENSORS)`;
  }

  async read(): Promise<SensorReading> {
    return this.readNow();
  }

  readNow(): SensorReading {
    const t = nowS();
    return this.spec.reading === 'power' ? { t, powerW: this.spec.powerW } : { t, energyJ: this.spec.powerW * (t - this.startS) };
  }
}

/** VERDANT_FAKE_SENSORS fixtures: tried before any device; an exclusive file stands in for the whole machine. */
export const fakeSensorSource = defineSensorSource({
  name: 'fake',
  family: 'fake',
  stage: 'fixture',
  create: () => new FakeSensorSource(),
});
