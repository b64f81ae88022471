import { describe, expect, it } from 'vitest';
import { redeemContention } from '../../reliability/contention.ts';
import { crashAward, dailyCap, doubleSpend } from '../../reliability/scenarios.ts';

// The fast part of `npm run reliability`: the same scenarios, smaller. SPARKS_SEED replays
// a seed printed by the full run.
const seed = Number(process.env.SPARKS_SEED ?? 1);
const small = { processes: 3, perProcess: 60, seed };

describe('reliability (fast part): several processes on one database file', () => {
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

  it('200 members redeeming a stock-10 reward from 3 processes: 10 fulfilled, 190 sold out, none below zero', async () => {
    const r = await redeemContention({ processes: 3, attempts: 200, stock: 10, seed });
    expect(r.pass, r.figure).toBe(true);
  }, 60_000);
});
