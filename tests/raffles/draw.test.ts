import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { candidates, commitmentOf, drawWinners, pick, ticketsOf } from '../../src/raffles/draw.ts';
import { verifyDraw } from '../../src/raffles/verify.ts';

const SEED = 'ab'.repeat(32);
const entries = [
  { userId: 'a', count: 2 },
  { userId: 'b', count: 1 },
  { userId: 'a', count: 1 },
  { userId: 'c', count: 3 },
];

describe('the draw procedure', () => {
  it('commits to SHA-256 of the seed bytes and picks by SHA-256(seed ‖ step) mod tickets left', () => {
    expect(commitmentOf(SEED)).toBe(createHash('sha256').update(Buffer.alloc(32, 0xab)).digest('hex'));
    expect(ticketsOf(entries)).toEqual(['a', 'a', 'b', 'a', 'c', 'c', 'c']);
    const h = createHash('sha256')
      .update(Buffer.alloc(32, 0xab))
      .update(Buffer.from([0, 0, 0, 0]))
      .digest();
    expect(pick(SEED, 0, 7)).toBe(Number(h.readBigUInt64BE(0) % 7n));
  });

  it('draws every member once, in an order only the seed decides', () => {
    const order = [...candidates(SEED, entries)].map((c) => c.userId);
    expect([...order].sort()).toEqual(['a', 'b', 'c']);
    expect([...candidates(SEED, entries)]).toEqual([...candidates(SEED, entries)]);
    const other = [...candidates('cd'.repeat(32), entries)].map((c) => c.userId);
    expect(other.length).toBe(3);
  });

  it('passes over the ineligible, and verify re-derives the same winners', async () => {
    const order = [...candidates(SEED, entries)].map((c) => c.userId);
    const steps = await drawWinners(SEED, entries, 1, (u) =>
      Promise.resolve(u === order[0] ? 'left' : 'won'),
    );
    expect(steps.map((s) => [s.userId, s.outcome])).toEqual([
      [order[0], 'left'],
      [order[1], 'won'],
    ]);
    const raffle = {
      status: 'drawn' as const,
      seed: SEED,
      seedRevealed: 1,
      commitment: commitmentOf(SEED),
      winners: 1,
    };
    expect(verifyDraw(raffle, entries, steps)).toEqual({ ok: true, problems: [], winners: [order[1]] });
    // A tampered record, a seed that is not the committed one, or a draw cut short is caught.
    const swapped = steps.map((s, i) => (i === 1 ? { ...s, userId: order[2]! } : s));
    expect(verifyDraw(raffle, entries, swapped).ok).toBe(false);
    expect(
      verifyDraw({ ...raffle, commitment: commitmentOf('00'.repeat(32)) }, entries, steps).problems,
    ).toContain('SHA-256 of the seed is not the commitment published at the start');
    expect(verifyDraw(raffle, entries, steps.slice(0, 1)).ok).toBe(false);
  });
});
