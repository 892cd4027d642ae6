// The run channels this CLI offers every command it measures (`verdant run`, the jobs `verdant serve` runs): the
// composition root is the one place that knows them (docs/decisions.md, "Run channels"). One line per channel; each
// comes from a module that loads no heavy library (@verdant/moe/channel loads no tensor library).
import type { RunChannelDescriptor } from '@verdant/energy';

const RUN_CHANNELS: Array<() => Promise<RunChannelDescriptor>> = [
  () => import('@verdant/moe/channel').then((m) => m.moeRunChannel), // MoE router metrics from PyTorch (VERDANT_MOE_FILE)
  () => import('@verdant/accel/channel').then((m) => m.accelRunChannel), // accelerator bench records (VERDANT_ACCEL_FILE): measured profiles
];

let registered: Promise<void> | undefined;

/** Registers the run channels with @verdant/energy, once per process. */
export function registerRunChannels(): Promise<void> {
  registered ??= (async () => {
    const [{ registerRunChannel }, ...channels] = await Promise.all([import('@verdant/energy'), ...RUN_CHANNELS.map((load) => load())]);
    for (const c of channels) registerRunChannel(c);
  })();
  return registered;
}
