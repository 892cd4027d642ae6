import { constantLookup, type Store } from '@verdant/core';
import { Tracker, type EnergySensor } from '@verdant/energy';

/**
 * Records a finished run named "train" in `store`: a 200 W fixture GPU ("A100") at 300 g/kWh in DE, measured
 * for `seconds` one-second ticks and ended as succeeded with exit code 0. Returns its id.
 */
export async function trackedRun(store: Store, seconds: number): Promise<string> {
  let t = 100;
  const sensor: EnergySensor = { id: 'gpu:0', kind: 'gpu', method: 'fixture', description: 'A100', estimate: false, read: async () => ({ t, energyJ: 200 * t }) };
  const tracker = new Tracker({ name: 'train', sensors: [sensor], lookup: constantLookup(300, 'DE'), store, intervalS: 3600 });
  await tracker.start();
  for (let i = 0; i < seconds; i++) {
    t += 1;
    await tracker.tick();
  }
  await tracker.stop('succeeded', 0);
  return tracker.runId;
}
