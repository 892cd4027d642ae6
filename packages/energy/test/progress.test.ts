import { existsSync, mkdtempSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROGRESS_POLL_S, ProgressReader, parseProgressLine } from '../src/measurement/progress.js';

describe('progress channel', () => {
  it('parses fractions, steps and epochs, and ignores noise', () => {
    expect(parseProgressLine('{"progress":0.25}', 5)?.fraction).toBe(0.25);
    expect(parseProgressLine('{"step":30,"total":120}', 5)?.fraction).toBe(0.25);
    expect(parseProgressLine('{"epoch":1,"epochs":4}', 5)?.fraction).toBe(0.25);
    expect(parseProgressLine('not json', 5)).toBeUndefined();
    expect(parseProgressLine('{"step":3}', 5)).toBeUndefined();
  });

  it('reads appended lines, keeping a partial line for the next poll', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'verdant-progress-')), 'p');
    const r = new ProgressReader(file);
    expect(await r.poll(1)).toBeUndefined();
    await appendFile(file, '{"progress":0.1}\n{"progress":0.2}\n{"progr');
    expect((await r.poll(2))?.fraction).toBe(0.2);
    await appendFile(file, 'ess":0.5}\n');
    expect((await r.poll(3))?.fraction).toBe(0.5);
    await r.close();
  });

  it('looks at the file at most every PROGRESS_POLL_S of sample time, unless forced at the end', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'verdant-progress-')), 'p');
    const r = new ProgressReader(file);
    expect(await r.poll(10)).toBeUndefined(); // no file yet: nothing, and nothing created
    expect(existsSync(file)).toBe(false);
    await appendFile(file, '{"progress":0.1}\n');
    expect(await r.poll(10 + PROGRESS_POLL_S / 2)).toBeUndefined(); // too soon after the last look
    expect(await r.poll(10 + PROGRESS_POLL_S)).toEqual({ fraction: 0.1, t: 10 + PROGRESS_POLL_S });
    await appendFile(file, '{"progress":0.9}\n');
    expect(await r.poll(10 + PROGRESS_POLL_S * 1.5)).toBeUndefined();
    expect((await r.poll(10 + PROGRESS_POLL_S * 1.5, true))?.fraction).toBe(0.9); // the command has exited
    expect(await r.poll(5)).toBeUndefined(); // the clock set back: looks again, finds nothing new
    await r.close();
  });

  it('keeps a UTF-8 character that a read splits in two whole', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'verdant-progress-')), 'p');
    const r = new ProgressReader(file);
    const line = Buffer.from('{"progress":0.5,"message":"épocas ✓"}\n');
    const cut = line.indexOf(Buffer.from('✓')) + 1; // inside the three bytes of ✓
    await appendFile(file, line.subarray(0, cut));
    expect(await r.poll(1)).toBeUndefined();
    await appendFile(file, line.subarray(cut));
    expect(await r.poll(2)).toEqual({ fraction: 0.5, t: 2, message: 'épocas ✓' });
    await r.close();
  });
});
