import { expect } from 'vitest';
import { VerdantError } from '@verdant/core';

/** The VerdantError `fn` throws; fails the test when it throws nothing or something else. */
export function thrown(fn: () => unknown): VerdantError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VerdantError);
    return e as VerdantError;
  }
  throw new Error('expected a VerdantError');
}
