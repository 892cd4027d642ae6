// The dashboard's duration wording: whole units where they say something, milliseconds under a second (an agent's
// tool calls and model requests are often shorter than one).
import { describe, expect, it } from 'vitest';
import { duration } from '../src/lib/format';

describe('duration', () => {
  it('says milliseconds under a second, never "0 s" for a time that is not zero', () => {
    expect(duration(0.34)).toBe('340 ms');
    expect(duration(0.0004)).toBe('1 ms');
    expect(duration(-0.25)).toBe('−250 ms');
    expect(duration(0)).toBe('0 s');
  });

  it('keeps whole units from a second up', () => {
    expect(duration(0.9996)).toBe('1 s');
    expect(duration(45)).toBe('45 s');
    expect(duration(260)).toBe('4 min 20 s');
    expect(duration(3900)).toBe('1 h 5 min');
    expect(duration(null)).toBe('–');
  });
});
