// The accel bench channel of a measured program (integrations/python/verdant_accel_bench.py): a file whose path
// Verdant gives the command in VERDANT_ACCEL_FILE, one JSON record per line (device, gemm, bandwidth, train_step,
// skipped, done). When the run has ended (its samples are all stored), the records and the run's samples become
// measured profiles of the device (`profilesFromTorchBench`), only when the run succeeded and the script wrote its
// done record (a failed or interrupted bench stores nothing). `accelRunChannel` is this channel as a run channel of
// @verdant/energy: the CLI registers it, so `verdant run -- python3 verdant_accel_bench.py` stores profiles too.
// Loads nothing heavy (`verdant run` imports it): the profile code is imported when a program wrote records.
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunChannelDescriptor } from '@verdant/energy';
import type { TorchBenchProfiles } from './bench-profiles.js';

export const ACCEL_FILE_ENV = 'VERDANT_ACCEL_FILE';

export interface AccelChannelOptions {
  /** Catalog device the profiles are stored under (default: matched from the name the script reports). */
  deviceId?: string;
  /** Told what was stored (or why nothing could be): `verdant accel bench` renders it; `verdant run` leaves it. */
  onResult?: (r: { profiles: TorchBenchProfiles | null; error: unknown }) => void;
}

/**
 * The channel: every measured command is given VERDANT_ACCEL_FILE; when the command wrote records there, they are
 * stored as measured profiles after the run's final write, and the file is removed. A command that wrote nothing
 * costs a path and one failed read at its end.
 */
export function accelBenchChannel(opts: AccelChannelOptions = {}): RunChannelDescriptor {
  return {
    name: 'accel',
    open({ runId, store }) {
      const path = join(tmpdir(), `verdant-accel-${randomBytes(8).toString('hex')}.jsonl`);
      return {
        env: { [ACCEL_FILE_ENV]: path },
        finish: async () => {
          let text: string | undefined;
          try {
            text = await readFile(path, 'utf8');
          } catch {
            // nothing written: not a bench
          }
          await rm(path, { force: true });
          if (text === undefined || text.trim() === '' || !store) {
            opts.onResult?.({ profiles: null, error: text === undefined || text.trim() === '' ? undefined : new Error('no store to keep the profiles in') });
            return;
          }
          try {
            // Only a finished benchmark is stored: a run that failed or was interrupted (or whose script wrote no
            // done record, checked by profilesFromTorchBench) leaves a warning and nothing else.
            const run = await store.getRun(runId);
            if (run && run.status !== 'succeeded') {
              const { VerdantError } = await import('@verdant/core');
              throw new VerdantError(`the benchmark run ${run.status}${run.exit_code !== null ? ` (exit ${run.exit_code})` : ''}: nothing was stored`, { field: 'script', fix: 'see its messages above, then run the bench again' });
            }
            const { profilesFromTorchBench } = await import('./bench-profiles.js');
            const profiles = await profilesFromTorchBench(store, runId, text, opts.deviceId ? { deviceId: opts.deviceId } : {});
            opts.onResult?.({ profiles, error: undefined });
          } catch (e) {
            if (!opts.onResult) throw e;
            opts.onResult({ profiles: null, error: e });
          }
        },
      };
    },
  };
}

/** The channel every measured command gets (registered by the CLI). */
export const accelRunChannel: RunChannelDescriptor = accelBenchChannel();
