import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, Store, constantLookup, isVerdantError, type SampleRow } from '@verdant/core';
import { runCommand } from '../src/process/run-command.js';
import { Tracker } from '../src/measurement/tracker.js';
import type { EnergySensor, SensorReading } from '../src/sensors/sensor.js';

/** A counter sensor of constant power on a clock the test drives. */
class ClockSensor implements EnergySensor {
  readonly kind = 'gpu' as const;
  readonly method = 'test-counter';
  readonly description = 'test';
  readonly estimate = false;
  constructor(
    readonly id: string,
    private readonly powerW: number,
    private readonly clock: { t: number },
  ) {}
  async read(): Promise<SensorReading> {
    return { t: this.clock.t, energyJ: this.powerW * this.clock.t };
  }
}

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function sqliteStore(): Promise<{ store: Store; url: string }> {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-faults-')), 'v.db')}`;
  const store = await Store.open({ url });
  stores.push(store);
  return { store, url };
}

function tracker(store: Store, clock: { t: number }, extra: Partial<ConstructorParameters<typeof Tracker>[0]> = {}) {
  const warnings: string[] = [];
  const t = new Tracker({
    name: 'faults',
    sensors: [new ClockSensor('gpu:0', 200, clock), new ClockSensor('gpu:1', 50, clock)],
    lookup: constantLookup(400),
    intervalS: 3600, // the test drives every tick
    pue: 1.25,
    store,
    ...extra,
  });
  t.on('warning', (m) => warnings.push(m));
  return { tracker: t, warnings };
}

async function ticks(t: Tracker, clock: { t: number }, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    clock.t += 1;
    await t.tick();
  }
}

/** Every sensor's samples tile [from, to] exactly once: no gap, no overlap, no duplicate. */
function expectTiled(samples: SampleRow[], sensors: string[], from: number, to: number): void {
  for (const id of sensors) {
    const mine = samples.filter((s) => s.sensor_id === id).sort((a, b) => a.t - b.t);
    let end = from;
    for (const s of mine) {
      expect(s.t - s.dt).toBeCloseTo(end, 9);
      end = s.t;
    }
    expect(end).toBeCloseTo(to, 9);
  }
}

const sum = (samples: SampleRow[], f: (s: SampleRow) => number) => samples.reduce((a, s) => a + f(s), 0);

describe('Tracker when the store cannot be written', () => {
  it('keeps measuring while another writer holds SQLite locked past the wait, then writes every sample once', async () => {
    const { store, url } = await sqliteStore();
    const clock = { t: 1000 };
    const { tracker: t, warnings } = tracker(store, clock);
    await t.start();
    await ticks(t, clock, 3);
    await t.flush();

    // Another connection takes the write lock and keeps it across many of the tracker's attempts.
    const other = await Store.open({ url });
    stores.push(other);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const holder = other.db.transaction().execute(async (tx) => {
      // As a reader would after a long silence: the run looks dead.
      await tx.updateTable('runs').set({ status: 'interrupted', ended_at: 1003 }).where('id', '=', t.runId).execute();
      await released;
    });
    await ticks(t, clock, 2);
    await expect(t.flush()).rejects.toThrow(/locked|busy/i);
    await ticks(t, clock, 2);
    await expect(t.flush()).rejects.toThrow(/locked|busy/i);
    expect(warnings.some((w) => /cannot write to the store .*holding \d+ samples/.test(w))).toBe(true);
    expect(t.snapshot().energyJ).toBeCloseTo(250 * 7 * 1.25, 6); // measuring went on
    release();
    await holder;
    expect((await other.db.selectFrom('runs').select('status').where('id', '=', t.runId).executeTakeFirstOrThrow()).status).toBe('interrupted');

    await ticks(t, clock, 1);
    await t.flush();
    expect(warnings.some((w) => /store is back/.test(w))).toBe(true);
    const live = (await store.db.selectFrom('runs').selectAll().where('id', '=', t.runId).executeTakeFirstOrThrow());
    expect(live.status).toBe('running'); // its heartbeat proves it alive again
    expect(live.ended_at).toBeNull();
    const samples = await store.samples(t.runId);
    expect(samples).toHaveLength(2 * 8);
    expectTiled(samples, ['gpu:0', 'gpu:1'], 1000, 1008);
    expect(live.energy_j).toBeCloseTo(sum(samples, (s) => s.energy_j) * 1.25, 9);

    const snap = await t.stop('succeeded', 0);
    const row = await store.getRun(t.runId);
    expect(row?.status).toBe('succeeded');
    expect(row?.energy_j).toBeCloseTo(snap.energyJ, 9);
    expect(sum(await store.samples(t.runId), (s) => s.energy_j) * 1.25).toBeCloseTo(snap.energyJ, 9);
  });

  it('stores nothing twice when a write committed but its answer was lost, and stays bounded by merging', async () => {
    const { store } = await sqliteStore();
    const clock = { t: 0 };
    const { tracker: t, warnings } = tracker(store, clock, { maxHeldSamples: 12 });
    await t.start();
    const real = store.appendSamples.bind(store);
    let mode: 'ok' | 'commit-then-fail' | 'down' = 'ok';
    let held = 0;
    store.appendSamples = async (samples, run, options) => {
      held = Math.max(held, samples.length);
      if (mode === 'down') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      const n = await real(samples, run, options);
      if (mode === 'commit-then-fail') {
        mode = 'down';
        throw new Error('Connection terminated unexpectedly');
      }
      return n;
    };
    await ticks(t, clock, 4);
    await t.flush();
    mode = 'commit-then-fail';
    await ticks(t, clock, 3);
    await expect(t.flush()).rejects.toThrow(/terminated/);
    // Down for a long time: far more intervals than the limit.
    for (let i = 0; i < 10; i++) {
      await ticks(t, clock, 4);
      await expect(t.flush()).rejects.toThrow(/ECONNREFUSED/);
    }
    expect(warnings.some((w) => /merging held intervals pairwise/.test(w))).toBe(true);
    mode = 'ok';
    await t.flush();
    const snap = await t.stop('succeeded', 0);

    const samples = await store.samples(t.runId);
    expect(samples.length).toBeLessThan(2 * 47); // merged
    const keys = new Set(samples.map((s) => `${s.sensor_id}@${s.t}`));
    expect(keys.size).toBe(samples.length);
    expectTiled(samples, ['gpu:0', 'gpu:1'], 0, 47);
    // The batch that committed before the failure was written again as-is: nothing counted twice, nothing lost.
    expect(sum(samples, (s) => s.energy_j)).toBeCloseTo(250 * 47, 6);
    expect(snap.energyJ).toBeCloseTo(250 * 47 * 1.25, 6);
    expect(sum(samples, (s) => s.emissions_g)).toBeCloseTo(snap.emissionsG, 9);
    expect((await store.getRun(t.runId))?.energy_j).toBeCloseTo(snap.energyJ, 9);
    expect(held).toBeLessThanOrEqual(12); // written in batches no larger than the bound
  });

  it('gives up after storeRetryS with an error naming the run, the store and what was measured', async () => {
    const { store } = await sqliteStore();
    const clock = { t: 0 };
    const { tracker: t } = tracker(store, clock, { storeRetryS: 0.3 });
    await t.start();
    await ticks(t, clock, 2);
    store.appendSamples = async () => {
      throw new Error('disk I/O error');
    };
    const err = await t.stop('succeeded', 0).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isVerdantError(err)).toBe(true);
    expect(err).toMatchObject({ exitCode: ExitCode.store, field: 'VERDANT_HOME' });
    expect((err as Error).message).toContain(t.runId);
    expect((err as Error).message).toMatch(/disk I\/O error.*4 samples were not saved.*0\.174 Wh/);
  });

  it('sees a command exit that happens while its pid is still being written to a slow store', async () => {
    const { store } = await sqliteStore();
    const slow = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      await new Promise((r) => setTimeout(r, 300));
      return f(...a);
    };
    store.appendSamples = slow(store.appendSamples.bind(store));
    store.updateRun = slow(store.updateRun.bind(store));
    const run = await runCommand({ argv: ['true'], lookup: constantLookup(100), sensors: [new ClockSensor('gpu:0', 10, { t: 0 })], store, stdio: 'ignore' });
    const result = await run.done;
    expect(result).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect((await store.getRun(run.runId))?.status).toBe('succeeded');
  });
});
