import { describe, expect, it } from 'vitest';
import { checkThresholds, decide, decideWithReason } from '../src/policy/index.js';

const th = { pauseAboveG: 300, resumeBelowG: 200 };
const now = 1_700_000_000;

describe('decide (carbon pause/resume policy)', () => {
  it('keeps a running job running below the pause threshold, pauses it above', () => {
    expect(decide('running', 250, now, undefined, 3600, th)).toBe('run');
    expect(decide('running', 300, now, undefined, 3600, th)).toBe('run'); // strictly above
    expect(decide('running', 301, now, undefined, 3600, th)).toBe('pause');
  });

  it('resumes a paused job only below the resume threshold (hysteresis band holds state)', () => {
    expect(decide('paused', 250, now, undefined, 3600, th)).toBe('pause');
    expect(decide('paused', 200, now, undefined, 3600, th)).toBe('pause');
    expect(decide('paused', 199, now, undefined, 3600, th)).toBe('resume');
    // in the band a running job keeps running: no flapping
    expect(decide('running', 250, now, undefined, 3600, th)).toBe('run');
  });

  it('does not pause when the deadline leaves no slack, and resumes regardless once slack is used up', () => {
    const remaining = 3600;
    expect(decide('running', 900, now, now + remaining + 10, remaining, th)).toBe('pause');
    expect(decideWithReason('running', 900, now, now + remaining, remaining, th)).toMatchObject({ action: 'run', reason: 'deadline', slackS: 0 });
    expect(decideWithReason('paused', 900, now, now + remaining - 5, remaining, th)).toMatchObject({ action: 'resume', reason: 'deadline' });
    expect(decide('paused', 900, now, now + remaining + 100, remaining, th)).toBe('pause');
  });

  it('honours the safety margin', () => {
    const t = { ...th, marginS: 60 };
    expect(decide('paused', 900, now, now + 3600 + 59, 3600, t)).toBe('resume');
    expect(decide('paused', 900, now, now + 3600 + 61, 3600, t)).toBe('pause');
    expect(decide('running', 900, now, now + 3600 + 60, 3600, t)).toBe('run');
  });

  it('rejects thresholds without hysteresis, naming the option', () => {
    expect(() => checkThresholds({ pauseAboveG: 200, resumeBelowG: 200 })).toThrow(expect.objectContaining({ field: 'resumeBelowG' }));
    expect(() => checkThresholds({ pauseAboveG: 200, resumeBelowG: 300 })).toThrow(/must be below/);
    expect(() => checkThresholds({ pauseAboveG: -1, resumeBelowG: -2 })).toThrow(expect.objectContaining({ field: 'pauseAboveG' }));
    expect(checkThresholds(th)).toBe(th);
  });
});
