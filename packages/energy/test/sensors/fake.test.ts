import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isVerdantError } from '@verdant/core';
import { FakeSensorSource } from '../../src/sensors/index.js';
import { cleanupTemp, context, sleep, tempDir } from './helpers.js';

afterEach(cleanupTemp);

function fakeFile(content: unknown): string {
  const path = join(tempDir(), 'sensors.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('VERDANT_FAKE_SENSORS', () => {
  it('gives sensors whose energy is power x time since discovery', async () => {
    const path = fakeFile({ sensors: [{ id: 'gpu:0', kind: 'gpu', powerW: 250 }, { id: 'cpu:package-0', kind: 'cpu', powerW: 40, reading: 'power' }] });
    const before = Date.now() / 1000;
    const [gpu, cpu] = await new FakeSensorSource().discover(context({ env: { VERDANT_FAKE_SENSORS: path } }));
    const after = Date.now() / 1000;
    expect([gpu!.id, gpu!.kind, gpu!.method, gpu!.estimate]).toEqual(['gpu:0', 'gpu', 'fixture', false]);
    await sleep(200);
    const r = await gpu!.read();
    expect(r.energyJ).toBeGreaterThanOrEqual(250 * (r.t - after));
    expect(r.energyJ).toBeLessThanOrEqual(250 * (r.t - before));
    expect(await cpu!.read()).toMatchObject({ powerW: 40 });
  });

  it('accepts a bare array and reports exclusivity', async () => {
    const source = new FakeSensorSource();
    await source.discover(context({ env: { VERDANT_FAKE_SENSORS: fakeFile([{ id: 'x', kind: 'model', powerW: 1 }]) } }));
    expect(source.exclusive).toBe(true);
    await source.discover(context({ env: { VERDANT_FAKE_SENSORS: fakeFile({ sensors: [], exclusive: false }) } }));
    expect(source.exclusive).toBe(false);
  });

  it('rejects a bad file with an error naming the variable and the fix', async () => {
    for (const bad of ['{not json', { sensors: [{ id: 'gpu:0', kind: 'gpu', powerW: -5 }] }]) {
      const err = await new FakeSensorSource().discover(context({ env: { VERDANT_FAKE_SENSORS: fakeFile(bad) } })).catch((e: unknown) => e);
      expect(isVerdantError(err)).toBe(true);
      expect((err as { field: string }).field).toBe('VERDANT_FAKE_SENSORS');
      expect((err as { fix: string }).fix).toMatch(/powerW|JSON/);
    }
  });

  it('does nothing when unset', async () => {
    expect(await new FakeSensorSource().discover(context({}))).toEqual([]);
  });
});
