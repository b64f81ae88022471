import { describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import { award, freshLedger, G } from '../helpers/db.ts';

describe('amounts', () => {
  const bad: [string, unknown][] = [
    ['zero', 0],
    ['negative', -5],
    ['a fraction', 0.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['2^53', 2 ** 53],
    ['over the per-entry bound', 1_000_000_001],
    ['a numeric string', '100'],
    ['a bigint', 100n],
    ['null', null],
    ['undefined', undefined],
  ];

  it.each(bad)('refuses %s with SPARKS.INVALID_AMOUNT and writes nothing', (_label, amount) => {
    const { db, ledger } = freshLedger();
    let caught: unknown;
    try {
      award(ledger, 'u1', amount as number, 'k');
    } catch (e) {
      caught = e;
    }
    expect(isSparksError(caught, 'SPARKS.INVALID_AMOUNT')).toBe(true);
    expect((caught as Error).message).toMatch(/whole number from 1 to 1000000000/);
    const counts = db.sqlite
      .prepare('SELECT (SELECT COUNT(*) FROM transfers) AS t, (SELECT COUNT(*) FROM accounts) AS a')
      .get();
    expect(counts).toEqual({ t: 0, a: 0 });
    db.cleanup();
  });

  it('accepts the bounds 1 and 1,000,000,000', () => {
    const { db, ledger } = freshLedger();
    award(ledger, 'u1', 1, 'a');
    award(ledger, 'u1', 1_000_000_000, 'b');
    expect(ledger.reads.standing(G, 'u1').balance).toBe(1_000_000_001);
    db.cleanup();
  });

  it('the database itself refuses a float, a string or an out-of-range amount inserted directly', () => {
    const { db, ledger } = freshLedger();
    award(ledger, 'u1', 10, 'a');
    const insert = db.sqlite.prepare(
      `INSERT INTO transfers (guild_id, kind, debit_account_id, credit_account_id, amount, idempotency_key, actor_type, actor_id, created_at)
       VALUES (?, 'award', 1, 2, ?, ?, 'system', 'x', 1)`,
    );
    for (const [i, amount] of [0.5, 'ten', 0, -1, 2_000_000_000].entries()) {
      expect(() => insert.run(G, amount, `raw${i}`)).toThrow(/CHECK constraint failed: transfers_amount/);
    }
    expect(ledger.reads.standing(G, 'u1').balance).toBe(10);
    db.cleanup();
  });
});
