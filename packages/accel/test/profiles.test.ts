import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@verdant/core';
import { rejection, scratchStores, thrown } from '@verdant/core/testing';
import { TraceProvider, loadTrace, shippedTracePath } from '@verdant/grid';
import { addProfile, bestProfile, deviceById, estimateOnDevice, isExclusion, listProfiles, profileEntryFromFields, profileFromEntry, recommendPlan, saveProfile, storedProfiles, type DeviceEstimate, type Profile, type RecommendRequest } from '../src/index.js';

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

const est = (device: string, count: number, profiles: Profile[], job: RecommendRequest['job'] = { paramsTotal: 7e9, tokens: 2e12 }): DeviceEstimate => {
  const e = estimateOnDevice(job, deviceById(device), count, profiles);
  if (isExclusion(e)) throw new Error(e.reason);
  return e;
};
const asProfile = (p: Omit<Profile, 'id' | 'recordedAt'>, id: string, recordedAt = NOW): Profile => ({ ...p, id, recordedAt });

describe('profiles in the model', () => {
  it('a tokens/s profile on n devices reproduces its own run at n devices (the scaling is not charged twice)', () => {
    for (const scalingPerDoubling of [undefined, 0.9]) {
      const entry = { device: 'h100', tokensPerS: 21000, paramsTotal: 7e9, devices: 8, source: MLPERF, ...(scalingPerDoubling ? { scalingPerDoubling } : {}) };
      const p = asProfile(profileFromEntry(entry, NOW), 'prof_t');
      const tokens = 21000 * 3600 * 24;
      // The same model on the same 8 devices trains at the published 21000 tokens/s.
      expect(est('h100', 8, [p], { paramsTotal: 7e9, tokens }).durationS).toBeCloseTo(24 * 3600, 3);
    }
  });

  it('a GEMM profile is an achievable peak, not a utilization; a training profile is (measured > published > default)', () => {
    const h100 = deviceById('h100');
    const peak = h100.densePeakFlops.bf16!;
    const base = { deviceId: h100.id, precision: 'bf16' as const, scalingEfficiency: null, host: null };
    const gemm = asProfile({ ...base, provenance: 'measured', achievedFlops: 0.7 * peak, powerW: 690, source: 'verdant accel bench: GEMM 8192', meta: { kind: 'gemm' } }, 'prof_g');
    // One bench's GEMM case does not make the device look faster for training: the default utilization stays.
    const withGemm = est('h100', 8, [gemm]);
    expect(withGemm.figures.utilization).toMatchObject({ provenance: 'default', value: 0.4 });
    expect(withGemm.durationS).toBeCloseTo(est('h100', 8, []).durationS, 6);
    // …but its measured power is used when no training profile has one.
    expect(withGemm.figures.devicePowerW).toMatchObject({ provenance: 'measured', value: 690 });
    // A published training figure sets the utilization even beside a newer measured GEMM profile.
    const pub = asProfile({ ...base, provenance: 'published', achievedFlops: 0.45 * peak, powerW: null, source: MLPERF }, 'prof_p', NOW - 86400);
    const withPub = est('h100', 8, [gemm, pub]);
    expect(withPub.figures.utilization).toMatchObject({ provenance: 'published' });
    expect(withPub.figures.utilization.value).toBeCloseTo(0.45, 9);
    // A measured training step outranks the published figure.
    const step = asProfile({ ...base, provenance: 'measured', achievedFlops: 0.3 * peak, powerW: 600, source: 'verdant accel bench: training step', meta: { kind: 'training' } }, 'prof_s', NOW - 2 * 86400);
    const withStep = est('h100', 8, [gemm, pub, step]);
    expect(withStep.figures.utilization).toMatchObject({ provenance: 'measured' });
    expect(withStep.figures.utilization.value).toBeCloseTo(0.3, 9);
    expect(withStep.figures.devicePowerW.value).toBe(600);
    // A power the tracker only estimated (no power meter) is not shown as measured.
    const guessed = asProfile({ ...gemm, meta: { kind: 'gemm', powerEstimated: true } }, 'prof_e');
    expect(est('h100', 8, [guessed]).figures.devicePowerW.provenance).toBe('default');
  });
});

describe('profile entries', () => {
  it('derive the per-device rate from tokens/s and check every field up front, naming it with a fix', () => {
    const p = profileFromEntry(profileEntryFromFields({ device: 'MI300X', tokensPerS: '21000', paramsTotal: '7B', devices: '8', source: MLPERF, powerW: '600W', retrievedAt: '2026-11-30' }), NOW);
    expect(p).toMatchObject({ deviceId: 'mi300x', precision: 'bf16', provenance: 'published', powerW: 600, source: MLPERF });
    // The run's rate on 8 devices already lost the scaling at 8 (default 0.97 per doubling): it is divided out.
    expect(p.achievedFlops / ((6 * 7e9 * 21000) / 8 / 0.97 ** 3)).toBeCloseTo(1, 12);
    expect(p.meta).toMatchObject({ tokensPerS: 21000, paramsActive: 7e9, devices: 8, retrievedAt: Date.UTC(2026, 10, 30) / 1000 });
    expect(p.meta?.scalingFactor).toBeCloseTo(0.97 ** 3, 12);

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
    // Negative or implausibly old (0 is 1970: a unit or typing mistake).
    for (const t of [-5, 0, 1e6, Date.UTC(1999, 0, 1) / 1000, -1e20, 1e20]) expect(thrown(() => profileFromEntry({ device: 'h100', source: MLPERF, achievedFlops: 4e14, retrievedAt: t }, NOW)).field).toBe('retrievedAt');
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

      // A measured profile recorded before a newer published one still wins.
      const older = await saveProfile(store, { deviceId: 'mi300x', precision: 'bf16', provenance: 'measured', achievedFlops: 500e12, powerW: 700, scalingEfficiency: null, source: 'our cluster', host: null, recordedAt: NOW - 86400 * 400 });
      await addProfile(store, { device: 'mi300x', achievedFlops: 600e12, powerW: 720, source: MLPERF }, NOW);
      expect(bestProfile(await storedProfiles(store), 'mi300x', 'bf16')?.id).toBe(older.id);
      expect((await listProfiles(store, { device: 'mi300x' })).filter((p) => p.inUse).map((p) => p.id)).toEqual([older.id]);

      // Listed with their details; "in use" marks the one the model takes.
      const listed = await listProfiles(store, { device: 'H100' });
      expect(listed.map((p) => [p.id, p.inUse])).toEqual(expect.arrayContaining([[pub.id, false], [measured.id, true]]));
      expect(listed.find((p) => p.id === pub.id)?.meta).toMatchObject({ workload: 'Llama 2 70B LoRA (test figure)', retrievedAt: Date.UTC(2026, 10, 30) / 1000 });
      expect(await listProfiles(store, { device: 'gaudi3' })).toEqual([]);
      expect((await rejection(listProfiles(store, { device: 'tpu' }))).field).toBe('device');
      // Nothing is stored from a bad entry.
      const before = (await storedProfiles(store)).length;
      expect((await rejection(addProfile(store, { device: 'h100', achievedFlops: 3e15, source: MLPERF }, NOW))).field).toBe('achievedFlops');
      expect(await storedProfiles(store)).toHaveLength(before);
    });
  });
}
