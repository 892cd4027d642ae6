import { afterEach, describe, expect, it } from 'vitest';
import { constantLookup, nowS, type Store } from '@verdant/core';
import { runCommand, type PauseController } from '../src/process/run-command.js';
import type { EnergySensor } from '../src/sensors/sensor.js';
import { summarizeRun } from '../src/outputs/summary.js';
import { cleanupTemp, finish, tempStore } from './helpers.js';

afterEach(cleanupTemp);

const tmpStore = async (): Promise<Store> => (await tempStore('verdant-command-')).store;

const sensor: EnergySensor = { id: 'gpu:0', kind: 'gpu', method: 'fixture', description: 'constant 100 W', estimate: false, read: async () => ({ t: nowS(), powerW: 100 }) };

/** About 1 s of work in small steps: a stopped tree does not advance (a single `sleep 1` would). */
const WORK = ['sh', '-c', 'i=0; while [ $i -lt 10 ]; do sleep 0.1; i=$((i+1)); done'];

describe('runCommand: paused periods', () => {
  it('records each pause with its start, end and reason in the run meta', async () => {
    const store = await tmpStore();
    let pausedOnce = false;
    const controller: PauseController = (snap, paused) => {
      if (!paused && !pausedOnce && snap.elapsedS > 0.3) {
        pausedOnce = true;
        return 'pause';
      }
      if (paused && snap.elapsedS > 1.3) return 'resume';
      return undefined;
    };
    const run = await runCommand({ argv: WORK, lookup: constantLookup(500), sensors: [sensor], store, intervalS: 0.1, controller, stdio: 'ignore' });
    const result = await finish(run, 20);
    expect(result.status).toBe('succeeded');
    const summary = (await summarizeRun(store, result.runId))!;
    const pauses = summary.meta.pauses as Array<{ from: number; to: number | null; reason: string }>;
    expect(pauses).toHaveLength(1);
    expect(pauses[0]!.reason).toMatch(/^carbon: intensity 500 g\/kWh/);
    expect(pauses[0]!.to).not.toBeNull();
    expect(pauses[0]!.to! - pauses[0]!.from).toBeGreaterThan(0.7);
    const started = Date.parse(summary.started_at) / 1000;
    expect(pauses[0]!.from - started).toBeGreaterThan(0.25);
  });
});

describe('runCommand: a run that outlives its intensity trace', () => {
  it('is told once, and carbon-aware pausing stops instead of holding the last value for ever', async () => {
    const store = await tmpStore();
    const notices: string[] = [];
    const t0 = nowS();
    // the "trace" is dirty (500 g) and ends 1.2 s after the start; the controller would pause on it for ever
    const controller: PauseController = (_snap, paused) => (paused ? undefined : 'pause');
    const coverage = { covers: (t: number) => t < t0 + 1.2, describe: () => 'trace:test.csv covers t0 to t0+1.2s' };
    const run = await runCommand({
      argv: WORK, lookup: constantLookup(500), sensors: [sensor], store, intervalS: 0.1, controller, intensityCoverage: coverage,
      stdio: 'ignore', onNotice: (m) => notices.push(m),
    });
    const result = await finish(run, 20);
    expect(result.status).toBe('succeeded');
    expect(notices.filter((m) => m.includes('outlived'))).toHaveLength(1);
    expect(notices.join('\n')).toMatch(/trace:test\.csv covers t0 to t0\+1\.2s, and the run has outlived it.*carbon-aware pausing stops/);
    expect(notices.join('\n')).toMatch(/resumed \(carbon: no intensity data past the trace\)/);
    const summary = (await summarizeRun(store, result.runId))!;
    expect(summary.meta.intensity_uncovered_from as number).toBeGreaterThanOrEqual(t0 + 1.2);
    const pauses = summary.meta.pauses as Array<{ from: number; to: number | null }>;
    expect(pauses.length).toBe(1);
    expect(pauses[0]!.to).toBeGreaterThanOrEqual(t0 + 1.2);
  });
});
