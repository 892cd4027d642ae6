import { defineSensorSource, type DiscoveryContext, type EnergySensor, type SensorSource } from './sensor.js';
import { CliDeviceSensor, type DeviceSample } from './cli-device-sensor.js';
import { csvRows, numberField, runTool, sharedQuery, ToolMissing } from './tool.js';

export const HL_SMI_ARGS = ['-Q', 'index,uuid,name,power.draw', '-f', 'csv,noheader,nounits'];

export function parseHlSmi(csv: string): Map<string, DeviceSample> {
  const out = new Map<string, DeviceSample>();
  for (const [index, uuid, name, power] of csvRows(csv)) {
    if (numberField(index) === undefined) continue;
    out.set(String(numberField(index)), { name: [name, uuid].filter(Boolean).join(' '), powerW: numberField(power) });
  }
  return out;
}

/** Intel Gaudi HPUs through hl-smi's query mode: board power, whole device (hl-smi lists no per-process use). */
export class HlSmiSource implements SensorSource {
  readonly name = 'hl-smi';

  async discover(ctx: DiscoveryContext): Promise<EnergySensor[]> {
    const sample = sharedQuery(async () => parseHlSmi(await runTool('hl-smi', HL_SMI_ARGS, ctx.env)));
    let devices: Map<string, DeviceSample>;
    try {
      devices = await sample();
    } catch (e) {
      if (!(e instanceof ToolMissing)) ctx.warn(`Gaudi HPUs skipped: ${(e as Error).message}`);
      return [];
    }
    return [...devices].flatMap(([key, d]) =>
      d.powerW === undefined
        ? (ctx.warn(`hpu:${key}: hl-smi reports no power.draw; this HPU is not measured`), [])
        : [
            new CliDeviceSensor({
              id: `hpu:${key}`,
              kind: 'accelerator',
              method: 'hl-smi-power',
              description: `Intel Gaudi ${d.name ?? key}, power.draw from hl-smi; the whole device is charged to the run`,
              key,
              counter: false,
              sample,
            }),
          ],
    );
  }
}

/** Intel Gaudi HPUs through hl-smi. */
export const hlSmiSensorSource = defineSensorSource({
  name: 'hl-smi',
  family: 'gaudi',
  stage: 'measured',
  create: () => new HlSmiSource(),
});
