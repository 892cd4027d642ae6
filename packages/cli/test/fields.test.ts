import { ExitCode, VerdantError, invalidInput } from '@verdant/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportError } from '../src/options/errors.js';
import { FIELD_FLAGS, flagFor } from '../src/options/fields.js';

// Libraries name their own fields; the CLI's one table (src/options/fields.ts) shows each as the flag the
// user typed, per command where commands differ.

describe('flagFor', () => {
  it.each<[string, string, string]>([
    ['durationS', 'plan', '--duration'],
    ['durationS', 'submit', '--duration'],
    ['earliestStart', 'compare-regions', '--earliest'],
    ['powerW', 'plan', '--power'],
    ['interruptible.minChunkS', 'plan', '--min-chunk'],
    ['objective.carbon', 'plan', '--carbon-weight'],
    ['zone', 'run', '--region'],
    ['zone', 'estimate', '--region'],
    ['zone', 'intensity', '<zone>'],
    ['zone', 'forecast', '<zone>'],
    ['zones', 'plan', '--region'],
    ['zones', 'simulate', '--zone'],
    ['traceFile', 'run', '--intensity-trace'],
    ['clock', 'intensity', '--at'],
    ['horizonS', 'forecast', '--hours'],
    ['count', 'estimate', '--count'],
    ['ml.count', 'simulate', '--jobs'],
    ['windowsH', 'simulate', '--window'],
    ['pauseAboveG', 'submit', '--pause-above'],
    ['intervalS', 'run', '--interval'],
    ['maxEmissionsG', 'run', '--max-co2'],
  ])('%s in `verdant %s` is %s', (field, command, flag) => {
    expect(flagFor(field, command)).toBe(flag);
  });

  it('a nested field falls back to its parent; a field without an entry has no flag', () => {
    expect(flagFor('argv.0', 'submit')).toBe('<command>');
    expect(flagFor('VERDANT_REGION', 'plan')).toBeUndefined();
    expect(flagFor('--max-energy', 'run')).toBeUndefined();
    expect(flagFor('jobs[0].deadline', 'plan')).toBeUndefined();
  });

  it('every entry is a flag, an argument or words, never another library name', () => {
    const shown = Object.values(FIELD_FLAGS).flatMap((rule) => (typeof rule === 'string' ? [rule] : Object.values(rule)));
    for (const s of shown) expect(s).toMatch(/^(--[a-z][a-z0-9-]*|<[a-z]+>|the [a-z ]+)$/);
  });
});

describe('reportError shows the flag of the command that ran', () => {
  let written = '';
  afterEach(() => vi.restoreAllMocks());
  const report = (e: unknown, command?: string): number => {
    written = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    return reportError(e, command);
  };

  it('same message, fix and exit code, under the flag', () => {
    const e = new VerdantError('no intensity data for ES', { field: 'zone', fix: 'try later', exitCode: ExitCode.provider });
    expect(report(e, 'plan')).toBe(ExitCode.provider);
    expect(written).toBe('verdant: --region: no intensity data for ES (fix: try later)\n');
    expect(report(e, 'intensity')).toBe(ExitCode.provider);
    expect(written).toBe('verdant: <zone>: no intensity data for ES (fix: try later)\n');
  });

  it('leaves a name the table does not know as it is (an environment variable, a flag a command named itself)', () => {
    expect(report(invalidInput('VERDANT_REGION', 'unknown grid zone "XX"'), 'plan')).toBe(ExitCode.usage);
    expect(written).toBe('verdant: VERDANT_REGION: unknown grid zone "XX"\n');
    report(invalidInput('--limit', 'must be a whole number >= 1, got "0"'), 'runs list');
    expect(written).toBe('verdant: --limit: must be a whole number >= 1, got "0"\n');
  });
});
