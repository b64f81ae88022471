import { describe, expect, it } from 'vitest';
import { crashAward, dailyCap, doubleSpend } from '../../reliability/scenarios.ts';

// The fast part of `npm run reliability`: the same scenarios, smaller.
const small = { processes: 3, perProcess: 60, seed: 1 };

describe('reliability (fast part)', () => {
  it('one member double-spending from 3 processes never goes below zero, and no SQLITE_BUSY reaches the caller', async () => {
    const r = await doubleSpend(small);
    expect(r.pass, r.figure).toBe(true);
  });

  it('concurrent awards from 3 processes never exceed the daily cap', async () => {
    const r = await dailyCap(small);
    expect(r.pass, r.figure).toBe(true);
  });

  it('an award killed at every step is applied exactly once after a retry', async () => {
    const r = await crashAward();
    expect(r.pass, r.figure).toBe(true);
  });
});
