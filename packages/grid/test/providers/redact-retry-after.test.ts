import { describe, expect, it } from 'vitest';
import { Redactor, parseRetryAfter } from '../../src/providers/index.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:59:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('Redactor', () => {
  it('scrubs every occurrence, the longest secret first', () => {
    const r = new Redactor(['abcd', 'abcdef-long']);
    expect(r.redact('x abcdef-long y abcd z abcd')).toBe('x [redacted] y [redacted] z [redacted]');
  });
  it('scrubs a password and its Basic-auth form, and tokens added later', () => {
    const r = Redactor.withBasicAuth('user', 'hunter22');
    const basic = Buffer.from('user:hunter22').toString('base64');
    r.add('session-token-1');
    expect(r.redact(`Basic ${basic} hunter22 session-token-1 user`)).toBe('Basic [redacted] [redacted] [redacted] user');
  });
  it('leaves secrets too short to matter alone', () => {
    expect(new Redactor(['ab', undefined]).redact('abc')).toBe('abc');
  });
});
