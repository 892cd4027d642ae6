import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@verdant/core';
import { rejection, scratchStores, thrown } from '@verdant/core/testing';
import { TraceProvider, loadTrace, shippedTracePath } from '@verdant/grid';
import { addProfile, listProfiles, profileEntryFromFields, profileFromEntry, recommendPlan, storedProfiles, type RecommendRequest } from '../src/index.js';

// Published profiles entered by hand (MLPerf Training, ML.ENERGY), with their source: the model ranks
// measured > published > the spec-sheet default.
const T0 = Date.UTC(2023, 5, 1) / 1000;
const NOW = Date.UTC(2026, 11, 1) / 1000;
let provider: TraceProvider;
beforeAll(async () => {
  provider = new TraceProvider(await Promise.all(['ES', 'US-CAL-CISO'].map((z) => loadTrace(shippedTracePath(z, 2023)))), { clock: () => T0 });
});

const REQ: RecommendRequest = { job: { paramsTotal: 7e9, tokens: 2e12 }, earliestStart: T0, deadline: T0 + 14 * 86400, devices: ['h100'], maxStarts: 2 };
const MLPERF = 'https://mlcommons.org/benchmarks/training/';

describe('profile entries', () => {
  it('derive the per-device rate from tokens/s and check every field up front, naming it with a fix', () => {
    const p = profileFromEntry(profileEntryFromFields({ device: 'MI300X', tokensPerS: '21000', paramsTotal: '7B', devices: '8', source: MLPERF, powerW: '600W', retrievedAt: '2026-11-30' }), NOW);
    expect(p).toMatchObject({ deviceId: 'mi300x', precision: 'bf16', provenance: 'published', powerW: 600, source: MLPERF });
    expect(p.achievedFlops).toBeCloseTo((6 * 7e9 * 21000) / 8);
    expect(p.meta).toMatchObject({ tokensPerS: 21000, paramsActive: 7e9, devices: 8, retrievedAt: Date.UTC(2026, 10, 30) / 1000 });

    const field = (f: Record<string, string | number>): string | undefined => thrown(() => profileFromEntry(profileEntryFromFields({ device: 'h100', source: MLPERF, achievedTflops: 400, ...f }), NOW)).field;
    expect(field({ source: ' ' })).toBe('source');
    expect(field({ device: 'h1000' })).toBe('device');
    expect(field({ provenance: 'rumoured' })).toBe('provenance');
    expect(field({ precision: 'fp4' })).toBe('precision');
    // Above the dense peak: a per-node or "with sparsity" figure.
    const sparse = thrown(() => profileFromEntry(profileEntryFromFields({ device: 'h100', source: MLPERF, achievedTflops: 1979 }), NOW));
    expect(sparse.field).toBe('achievedFlops');
    expect(sparse.fix).toMatch(/per device .*with sparsity/);
    expect(field({ powerW: '5600W' })).toBe('powerW');
    expect(field({ retrievedAt: '2031-01-01' })).toBe('retrievedAt');
    expect(field({ scalingPerDoubling: 1.5 })).toBe('scalingPerDoubling');
    expect(thrown(() => profileFromEntry(profileEntryFromFields({ device: 'h100', source: MLPERF, tokensPerS: 1000 }), NOW)).field).toBe('paramsTotal');
    expect(thrown(() => profileFromEntry(profileEntryFromFields({ device: 'h100', source: MLPERF }), NOW)).field).toBe('achievedFlops');
    expect(thrown(() => profileEntryFromFields({ source: MLPERF })).field).toBe('device');
  });
});

for (const { name, open } of scratchStores('verdant-accel-prof-')) {
  describe.skipIf(!open)(`published profiles on ${name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const s = await open!();
      drop = s.drop;
      store = await Store.open({ url: s.url });
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it('a published profile replaces the spec default in recommend, and a measured one wins over it', async () => {
      const spec = await recommendPlan(REQ, { store, provider });
      expect(spec.chosen.figures.utilization.provenance).toBe('default');

      const pub = await addProfile(store, profileEntryFromFields({ device: 'H100-SXM', achievedTflops: 450, powerW: 620, source: MLPERF, workload: 'Llama 2 70B LoRA (test figure)', retrievedAt: '2026-11-30' }), NOW);
      const withPub = await recommendPlan(REQ, { store, provider });
      expect(withPub.chosen.figures.utilization).toMatchObject({ provenance: 'published', value: 450 / 989.5 });
      expect(withPub.chosen.figures.utilization.source).toContain(MLPERF);
      expect(withPub.chosen.figures.devicePowerW).toMatchObject({ provenance: 'published', value: 620 });

      // A measured profile, even older than the published one, wins.
      const measured = await addProfile(store, { device: 'h100', provenance: 'measured', achievedFlops: 380e12, powerW: 640, source: 'verdant run on our cluster', retrievedAt: NOW - 86400 * 30 }, NOW);
      const withMeasured = await recommendPlan(REQ, { store, provider });
      expect(withMeasured.chosen.figures.utilization).toMatchObject({ provenance: 'measured', value: 380 / 989.5 });
      expect(withMeasured.chosen.figures.devicePowerW.value).toBe(640);

      // Listed with their details; "in use" marks the one the model takes.
      const listed = await listProfiles(store, { device: 'H100' });
      expect(listed.map((p) => [p.id, p.inUse])).toEqual(expect.arrayContaining([[pub.id, false], [measured.id, true]]));
      expect(listed.find((p) => p.id === pub.id)?.meta).toMatchObject({ workload: 'Llama 2 70B LoRA (test figure)', retrievedAt: Date.UTC(2026, 10, 30) / 1000 });
      expect(await listProfiles(store, { device: 'mi300x' })).toEqual([]);
      expect((await rejection(listProfiles(store, { device: 'tpu' }))).field).toBe('device');
      // Nothing is stored from a bad entry.
      const before = (await storedProfiles(store)).length;
      expect((await rejection(addProfile(store, { device: 'h100', achievedFlops: 3e15, source: MLPERF }, NOW))).field).toBe('achievedFlops');
      expect(await storedProfiles(store)).toHaveLength(before);
    });
  });
}
