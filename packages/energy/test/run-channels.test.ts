// Run channels: what a measured command reports besides its energy (registerRunChannel, runCommand's `channels`).
import { readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VerdantError, constantLookup, type Store } from '@verdant/core';
import { runCommand } from '../src/process/run-command.js';
import { defineRunChannel, registerRunChannel, runChannels, type RunChannelContext, type RunChannelDescriptor } from '../src/measurement/channels.js';
import { cleanupTemp, finish, tempStore } from './helpers.js';

afterEach(cleanupTemp);

async function waitFor<T>(what: string, f: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A channel that records what it is told: a file for the command, the lines read at each poll, the run's status at finish. */
function recordingChannel(name = 'lines') {
  const log = { opened: [] as RunChannelContext[], polls: [] as Array<{ lines: string[]; runStatus: string | undefined }>, finished: [] as Array<{ lines: string[]; runStatus: string | undefined }> };
  const descriptor = defineRunChannel({
    name,
    open(ctx) {
      log.opened.push(ctx);
      const file = join(tmpdir(), `verdant-channel-test-${ctx.runId}-${name}`);
      let read = 0;
      const take = (): string[] => {
        if (!existsSync(file)) return [];
        const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
        const fresh = lines.slice(read);
        read = lines.length;
        return fresh;
      };
      const statusOf = async (store: Store | undefined) => (await store?.getRun(ctx.runId))?.status;
      return {
        env: { TEST_CHANNEL_FILE: file },
        poll: async () => {
          log.polls.push({ lines: take(), runStatus: await statusOf(ctx.store) });
        },
        finish: async () => {
          log.finished.push({ lines: take(), runStatus: await statusOf(ctx.store) });
          rmSync(file, { force: true });
        },
      };
    },
  });
  return { descriptor, log };
}

const WRITE_TWO = `const f = require('fs'); f.appendFileSync(process.env.TEST_CHANNEL_FILE, 'one\\n');
setTimeout(() => { f.appendFileSync(process.env.TEST_CHANNEL_FILE, 'two\\n'); }, 300);
setInterval(() => {}, 1000);`;

describe('run channels', () => {
  it('give the command their variables, are polled with the writes of the running run, and finished after its final write', async () => {
    const { store } = await tempStore('verdant-channels-');
    const { descriptor, log } = recordingChannel();
    const run = await runCommand({
      argv: [process.execPath, '-e', WRITE_TWO],
      lookup: constantLookup(300, 'DE'),
      store,
      intervalS: 0.2,
      stdio: 'ignore',
      discover: { only: ['cpu-model', 'ram-model'] },
      channels: [descriptor],
    });
    try {
      expect(log.opened).toEqual([{ runId: run.runId, name: process.execPath, store }]);
      // Read while the command runs, with the tracker's writes (once a second by default).
      await waitFor('both lines polled', () => log.polls.flatMap((p) => p.lines).length === 2);
      expect(log.polls.flatMap((p) => p.lines)).toEqual(['one', 'two']);
      expect(log.polls.every((p) => p.runStatus === 'running')).toBe(true); // the run exists before the first poll
      expect(log.finished).toEqual([]);
    } finally {
      await run.stop('test done', 1);
      await finish(run, 60);
    }
    expect(log.finished).toEqual([{ lines: [], runStatus: 'stopped' }]);
  }, 120_000);

  it('are finished when the command cannot start, and a command that writes nothing costs a poll that finds nothing', async () => {
    const { store } = await tempStore('verdant-channels-');
    const { descriptor, log } = recordingChannel();
    const run = await runCommand({ argv: [process.execPath, '-e', 'process.exit(3)'], lookup: constantLookup(300, 'DE'), store, intervalS: 0.2, stdio: 'ignore', discover: { only: ['cpu-model', 'ram-model'] }, channels: [descriptor] });
    const r = await finish(run, 60);
    expect(r.exitCode).toBe(3);
    expect(log.finished).toEqual([{ lines: [], runStatus: 'failed' }]);
  }, 60_000);

  it('every registered channel is opened for each command unless the caller names its own; the remover takes it out', async () => {
    const { store } = await tempStore('verdant-channels-');
    const a = recordingChannel('a');
    const b = recordingChannel('b');
    const remove = registerRunChannel(a.descriptor);
    registerRunChannel(a.descriptor); // the same descriptor twice counts once
    try {
      expect(runChannels()).toEqual([a.descriptor]);
      const script = `require('fs').appendFileSync(process.env.TEST_CHANNEL_FILE, 'hi\\n')`;
      const run = await runCommand({ argv: [process.execPath, '-e', script], lookup: constantLookup(300, 'DE'), store, stdio: 'ignore', discover: { only: ['cpu-model', 'ram-model'] } });
      await finish(run, 60);
      expect(a.log.opened).toHaveLength(1);
      expect([...a.log.polls, ...a.log.finished].flatMap((p) => p.lines)).toEqual(['hi']);
      const own = await runCommand({ argv: [process.execPath, '-e', ''], lookup: constantLookup(300, 'DE'), store, stdio: 'ignore', discover: { only: ['cpu-model', 'ram-model'] }, channels: [b.descriptor] });
      await finish(own, 60);
      expect(a.log.opened).toHaveLength(1);
      expect(b.log.opened).toHaveLength(1);
    } finally {
      remove();
    }
    expect(runChannels()).toEqual([]);
  }, 60_000);

  it('a channel that refuses to open refuses the run before the command starts, and those already open are finished', async () => {
    const { store } = await tempStore('verdant-channels-');
    const first = recordingChannel('first');
    const refusing: RunChannelDescriptor = {
      name: 'refusing',
      open: () => {
        throw new VerdantError('the channel directory is not writable', { field: 'TEST_CHANNEL_DIR', fix: 'point it at a writable directory' });
      },
    };
    const marker = join(tmpdir(), `verdant-channel-never-${process.pid}`);
    const err = await runCommand({
      argv: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`],
      lookup: constantLookup(300, 'DE'),
      store,
      stdio: 'ignore',
      discover: { only: ['cpu-model', 'ram-model'] },
      channels: [first.descriptor, refusing],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerdantError);
    expect((err as VerdantError).field).toBe('TEST_CHANNEL_DIR');
    expect(first.log.finished).toHaveLength(1);
    expect(existsSync(marker)).toBe(false);
    expect(await store.listRuns()).toEqual([]);
  });

  it('a poll that fails is told once as a warning and tried again with the next write', async () => {
    const { store } = await tempStore('verdant-channels-');
    let calls = 0;
    const flaky = defineRunChannel({
      name: 'flaky',
      open: () => ({
        env: {},
        poll: async () => {
          calls++;
          if (calls <= 3) throw new Error('store busy');
        },
        finish: async () => undefined,
      }),
    });
    const notices: string[] = [];
    const run = await runCommand({ argv: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], lookup: constantLookup(300, 'DE'), store, intervalS: 0.2, stdio: 'ignore', discover: { only: ['cpu-model', 'ram-model'] }, channels: [flaky], onNotice: (m) => notices.push(m) });
    try {
      await waitFor('a poll after the failures', () => calls >= 5);
    } finally {
      await run.stop('test done', 1);
      await finish(run, 60);
    }
    expect(notices.filter((m) => m.startsWith('flaky:'))).toEqual(['flaky: cannot store what the command reported yet: store busy; trying again with the next write']);
  }, 60_000);
});
