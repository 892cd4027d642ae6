import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@verdant/core';
import { rejection, scratchStores } from '@verdant/core/testing';
import { importHistory, importOffers, listOffers, saveProfile, storedProfiles, estimateJob } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'verdant-accel-'));
const fixture = new URL('./fixtures/aws-vms.csv', import.meta.url).pathname;
const T = Date.UTC(2026, 10, 1) / 1000;

for (const { name, open } of scratchStores('verdant-accel-')) {
  describe.skipIf(!open)(`accel store on ${name}`, () => {
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

    it('shows the illustrative sample until a catalog is imported, then the import with its history', async () => {
      const before = await listOffers(store, { now: T });
      expect(before.sample).toBe(true);
      expect(before.warning).toMatch(/illustrative/);

      const rec = await importOffers(store, { file: fixture, format: 'skypilot', provider: 'aws', retrievedAt: T });
      expect(rec).toMatchObject({ format: 'skypilot', provider: 'aws', rows: 8, offers: 5, errors: 1, skipped: 2 });
      expect(rec.issues[0]).toMatchObject({ line: 6, kind: 'error' });
      expect(rec.unmappedRegions).toEqual([]);
      const after = await listOffers(store, { now: T + 86400 });
      expect(after.sample).toBe(false);
      expect(after.offers).toHaveLength(5);
      expect(after.offers.find((o) => o.instanceType === 'p5.48xlarge')).toMatchObject({ gridZone: 'US-MIDA-PJM', onDemandUsdPerH: 98.32, retrievedAt: T });
      expect(after.warning).toBeUndefined();
      expect((await listOffers(store, { now: T + 40 * 86400 })).warning).toMatch(/older than 30 days/);
      expect((await listOffers(store, { device: 'A100', now: T })).offers.map((o) => o.instanceType)).toEqual(['p4d.24xlarge']);

      // A second import of the same cloud replaces its offers; both imports stay in the history.
      const small = join(dir, `${name}-vms.csv`);
      writeFileSync(small, 'InstanceType,AcceleratorName,AcceleratorCount,Price,SpotPrice,Region\ng6.xlarge,L4,1,0.7,,us-east-1\n');
      await importOffers(store, { file: small, format: 'skypilot', provider: 'aws', retrievedAt: T + 10 });
      expect((await listOffers(store, { now: T })).offers.map((o) => o.instanceType)).toEqual(['g6.xlarge']);
      const history = await importHistory(store);
      expect(history.map((h) => h.offers)).toEqual([1, 5]);
    });

    it('reports an unreadable file by field, and stores profiles that then win over the spec', async () => {
      expect((await rejection(importOffers(store, { file: join(dir, 'missing.csv'), format: 'skypilot', provider: 'aws' }))).field).toBe('file');
      await saveProfile(store, { deviceId: 'h100-sxm', precision: 'bf16', provenance: 'published', achievedFlops: 450e12, powerW: 600, scalingEfficiency: null, source: 'MLPerf Training (test figure)', host: null });
      await saveProfile(store, { deviceId: 'h100-sxm', precision: 'bf16', provenance: 'measured', achievedFlops: 500e12, powerW: 650, scalingEfficiency: null, source: 'verdant accel bench', host: 'here' });
      expect(await storedProfiles(store)).toHaveLength(2);
      const e = await estimateJob({ job: { paramsTotal: 1e9, tokens: 1e10 }, device: 'h100', count: 8 }, store);
      expect('figures' in e && e.figures.utilization).toMatchObject({ provenance: 'measured' });
      expect('figures' in e && e.figures.devicePowerW.value).toBe(650);
    });
  });
}
