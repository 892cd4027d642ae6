import { defineSensorSource, type DiscoveryContext, type EnergySensor, type SensorSource } from './sensor.js';
import { CliDeviceSensor, siValue, type DeviceSample } from './cli-device-sensor.js';
import { runTool, sharedQuery, ToolMissing } from './tool.js';

/**
 * `amd-smi metric --power --energy --json`: a list of {gpu, power: {socket_power: {value, unit}}, energy:
 * {total_energy_consumption: {value, unit: "J"}}} (amdsmi_cli/amdsmi_commands.py; newer releases wrap the
 * list in {gpu_data: [...]}). ROCm 6.0 printed bare numbers (joules, watts) and current_/average_socket_power;
 * the human-readable form prints "<n> J". All of these are read; "N/A" is no reading.
 */
export function parseAmdSmi(json: string): Map<string, DeviceSample> {
  const data = JSON.parse(json) as unknown;
  const list = Array.isArray(data) ? data : ((data as { gpu_data?: unknown[] } | null)?.gpu_data ?? []);
  const out = new Map<string, DeviceSample>();
  for (const item of list as Record<string, any>[]) {
    if (item === null || typeof item !== 'object' || !Number.isInteger(Number(item.gpu))) continue;
    const power = item.power ?? {};
    const powerW = amdValue(power.socket_power, 'W') ?? amdValue(power.current_socket_power, 'W') ?? amdValue(power.average_socket_power, 'W');
    const energyJ = amdValue(item.energy?.total_energy_consumption, 'J');
    out.set(String(Number(item.gpu)), { powerW, energyJ });
  }
  return out;
}

/**
 * A figure as amd-smi prints it, in J or W: {value, unit}, a bare number (already in J or W), or a string
 * "<n>" / "<n> <unit>". A unit of the other quantity (a "J" where watts belong) is no reading.
 */
function amdValue(raw: unknown, unit: 'J' | 'W'): number | undefined {
  let figure: unknown = raw;
  if (typeof raw === 'string') {
    const m = /^\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([a-zµ]*)\s*$/i.exec(raw);
    if (!m) return undefined;
    figure = { value: Number(m[1]), unit: m[2] || unit };
  }
  const given = figure !== null && typeof figure === 'object' ? (figure as { unit?: unknown }).unit : undefined;
  if (typeof given === 'string' && given.trim() !== '' && !given.trim().toUpperCase().endsWith(unit)) return undefined;
  return siValue(figure, unit);
}

/** AMD Instinct/Radeon GPUs through amd-smi: the accumulated-energy counter when present, else socket power. */
export class AmdSmiSource implements SensorSource {
  readonly name = 'amd-smi';

  async discover(ctx: DiscoveryContext): Promise<EnergySensor[]> {
    // Older amd-smi releases lack --energy and reject the whole call; then ask for power alone.
    let args = ['metric', '--power', '--energy', '--json'];
    const sample = sharedQuery(async () => parseAmdSmi(await runTool('amd-smi', args, ctx.env)));
    let devices: Map<string, DeviceSample>;
    try {
      devices = await sample().catch((e: unknown) => {
        if (e instanceof ToolMissing) throw e;
        args = ['metric', '--power', '--json'];
        return sample();
      });
    } catch (e) {
      if (!(e instanceof ToolMissing)) ctx.warn(`AMD GPUs (amd-smi) skipped: ${(e as Error).message}`);
      return [];
    }
    return amdSensors(ctx, devices, sample, 'amd-smi');
  }
}

/** Shared by amd-smi and rocm-smi: counter sensors where the tool gives energy, power sensors otherwise. */
export function amdSensors(
  ctx: DiscoveryContext,
  devices: Map<string, DeviceSample>,
  sample: () => Promise<Map<string, DeviceSample>>,
  tool: 'amd-smi' | 'rocm-smi',
): EnergySensor[] {
  return [...devices].flatMap(([key, d]) => {
    const counter = d.energyJ !== undefined;
    if (!counter && d.powerW === undefined) {
      ctx.warn(`gpu:${key}: ${tool} reports neither energy nor power; this GPU is not measured`);
      return [];
    }
    return [
      new CliDeviceSensor({
        id: `gpu:${key}`,
        kind: 'gpu',
        method: counter ? `${tool}-energy-counter` : `${tool}-power`,
        description: `AMD GPU ${key}, ${counter ? 'accumulated energy counter' : 'socket power'} from ${tool}; the whole device is charged to the run`,
        key,
        counter,
        sample,
      }),
    ];
  });
}

/** AMD GPUs through amd-smi: the family's first choice. */
export const amdSmiSensorSource = defineSensorSource({
  name: 'amd-smi',
  family: 'amd',
  stage: 'measured',
  create: () => new AmdSmiSource(),
});
