import { describe, expect, it } from 'vitest';
import { VerdantError } from '@verdant/core';
import { DEMO_MODES, runDemo } from '../src/demo/run-demo.js';
import { DEMO_ANSWER } from '../src/demo/script.js';

describe('runDemo', () => {
  it('runs the task in every mode through the streaming protocol, each bounded below by the critical path', async () => {
    const lines: string[] = [];
    const report = await runDemo({ timeScale: 0.15, print: (l) => lines.push(l) });

    expect(report.modes.map((m) => m.mode)).toEqual([...DEMO_MODES]);
    expect(report.criticalPathMs).toBeGreaterThan(0);
    expect(report.serialToolMs).toBeGreaterThan(report.criticalPathMs);
    for (const m of report.modes) {
      expect(m.answer).toContain('606 gCO2e/kWh');
      expect(m.toolCalls).toBe(7);
      expect(m.wallMs).toBeGreaterThanOrEqual(report.criticalPathMs);
    }
    const byMode = Object.fromEntries(report.modes.map((m) => [m.mode, m]));
    // Sequential: one call at a time, so it pays every latency; none overlaps generation.
    expect(byMode.sequential!.maxConcurrentCalls).toBe(1);
    expect(byMode.sequential!.wallMs).toBeGreaterThanOrEqual(report.serialToolMs);
    expect(byMode.sequential!.callsOverlappingModel).toBe(0);
    // Parallel: the three searches (and the three fetches) together, but only after each message ended.
    expect(byMode.parallel!.maxConcurrentCalls).toBe(3);
    expect(byMode.parallel!.callsOverlappingModel).toBe(0);
    // Eager and plan: calls start while the model is still writing.
    expect(byMode.eager!.callsOverlappingModel).toBeGreaterThan(0);
    expect(byMode.plan!.callsOverlappingModel).toBeGreaterThan(0);
    expect(byMode.plan!.answer).toBe(DEMO_ANSWER);
    expect(lines).toHaveLength(DEMO_MODES.length + 1);
    expect(lines.at(-1)).toMatch(/^critical path \(tools only\): \d+ ms/);
  });

  it('runs a single mode', async () => {
    const report = await runDemo({ mode: 'plan', timeScale: 0.1 });
    expect(report.modes.map((m) => m.mode)).toEqual(['plan']);
  });

  it('names the field for a bad mode or time scale', async () => {
    await expect(runDemo({ mode: 'turbo' as never })).rejects.toMatchObject({ field: 'mode' });
    await expect(runDemo({ timeScale: 0 })).rejects.toBeInstanceOf(VerdantError);
  });
});
