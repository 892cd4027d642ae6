import { defineSensorSource, type DiscoveryContext, type EnergySensor, type SensorSource } from './sensor.js';
import { amdSensors } from './amd-smi.js';
import { siValue, type DeviceSample } from './cli-device-sensor.js';
import { runTool, sharedQuery, ToolMissing } from './tool.js';

export const ROCM_SMI_ARGS = ['--showpower', '--showenergycounter', '--json'];

/**
 * `rocm-smi --showpower --showenergycounter --json`: {"card0": {"Average Graphics Package Power (W)": "35.0",
 * "Accumulated Energy (uJ)": "92519092.3", ...}, "system": {...}}; MI300 names the power
 * "Current Socket Graphics Package Power (W)".
 */
export function parseRocmSmi(json: string): Map<string, DeviceSample> {
  const data = JSON.parse(json) as Record<string, Record<string, unknown>>;
  const out = new Map<string, DeviceSample>();
  for (const [card, fields] of Object.entries(data ?? {})) {
    const m = /^card(\d+)$/.exec(card);
    if (!m || fields === null || typeof fields !== 'object') continue;
    const entries = Object.entries(fields);
    const powerKey = entries.find(([k, v]) => /Power \(W\)$/i.test(k) && siValue(v, 'W') !== undefined);
    const energyKey = entries.find(([k]) => /^Accumulated Energy \(uJ\)$/i.test(k));
    out.set(m[1]!, {
      powerW: powerKey ? siValue(powerKey[1], 'W') : undefined,
      energyJ: energyKey ? siValue({ value: energyKey[1], unit: 'uJ' }, 'J') : undefined,
    });
  }
  return out;
}

/** AMD GPUs through the older rocm-smi CLI (used when amd-smi is absent). */
export class RocmSmiSource implements SensorSource {
  readonly name = 'rocm-smi';

  async discover(ctx: DiscoveryContext): Promise<EnergySensor[]> {
    const sample = sharedQuery(async () => parseRocmSmi(await runTool('rocm-smi', ROCM_SMI_ARGS, ctx.env)));
    let devices: Map<string, DeviceSample>;
    try {
      devices = await sample();
    } catch (e) {
      if (!(e instanceof ToolMissing)) ctx.warn(`AMD GPUs (rocm-smi) skipped: ${(e as Error).message}`);
      return [];
    }
    return amdSensors(ctx, devices, sample, 'rocm-smi');
  }
}

/** AMD GPUs through rocm-smi, when amd-smi finds none. */
export const rocmSmiSensorSource = defineSensorSource({
  name: 'rocm-smi',
  family: 'amd',
  stage: 'measured',
  create: () => new RocmSmiSource(),
});
