import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, sandbox } from './helpers.js';

beforeAll(assertBuilt);

// `verdant run` is parseRunSpec + measureCommand, which name their own fields (intervalS, pauseAboveG, outputDir);
// the command's one flags table shows the flag the user typed, in the field and wherever a message names another.
const LIBRARY_FIELDS = /\b(argv|intervalS|outputDir|pushgatewayUrl|maxEnergyJ|maxEmissionsG|onExceed|graceS|ramMode|traceFile|replayYear|carbonAware|pauseAboveG|resumeBelowG|expectedDurationS)\b/;

describe('verdant run: library fields become its flags', () => {
  it.each<[string, string[], RegExp]>([
    ['--grace', ['--grace', 'soon'], /^verdant: --grace: cannot read "soon" as a duration/],
    ['--max-energy', ['--max-energy', 'lots'], /^verdant: --max-energy: cannot read "lots" as an energy/],
    ['--pause-above with --carbon-aware', ['--carbon-aware'], /^verdant: --pause-above: is required with --carbon-aware/],
    ['--resume-below against --pause-above', ['--pause-above', '200', '--resume-below', '300'], /^verdant: --resume-below: must be below --pause-above \(200\) for hysteresis, got 300 \(fix: .*--pause-above\)/],
    ['--deadline', ['--pause-above', '300', '--deadline', '2001-01-01T00:00Z'], /^verdant: --deadline: is in the past/],
    ['--expected-duration', ['--pause-above', '300', '--expected-duration', 'long'], /^verdant: --expected-duration: cannot read "long" as a duration/],
    ['--trace-replay without --intensity-trace', ['--trace-replay', '2023'], /^verdant: --trace-replay: only applies with --intensity-trace \(fix: .*--intensity-trace/],
    ['--deadline without --carbon-aware', ['--deadline', '2030-01-01T00:00Z'], /^verdant: --deadline: only applies with --carbon-aware \(fix: add --carbon-aware with --pause-above/],
  ])('%s', async (_name, args, message) => {
    const { home, env } = sandbox([{ id: 'gpu:0', kind: 'gpu', powerW: 100 }]);
    const marker = join(home, 'started');
    const r = await runCli(['run', '--region', 'DE', ...args, '--', 'touch', marker], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(LIBRARY_FIELDS);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(marker)).toBe(false);
  }, 30_000);
});
