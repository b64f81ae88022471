/**
 * The rule of what a member earns is stated twice: in TypeScript (`movesLifetime`, which
 * the batch path and the credited-events hook use) and in the database's triggers (which
 * move lifetime earned and the weekly and monthly rollups). This pins the two equal for
 * every pair of account types, entry by entry through the real triggers — SQLite's and
 * PostgreSQL's (drizzle-pg/0001_ledger_triggers.sql keeps a third copy).
 */
import { describe, expect, it } from 'vitest';
import { ACCOUNT_TYPES, type AccountType } from '../../src/db/schema.ts';
import { ISSUANCE, movesLifetime, type AccountKey } from '../../src/ledger/ledger.ts';
import { periodKey } from '../../src/ledger/periods.ts';
import { G, MOD } from '../helpers/db.ts';
import { engineDbs, ENGINES, ledgerOn } from '../helpers/engines.ts';

const AMOUNT = 7;

const fresh = engineDbs();

describe.each(ENGINES)('what raises lifetime earned on %s', (engine) => {
  for (const fromType of ACCOUNT_TYPES) {
    for (const toType of ACCOUNT_TYPES) {
      it(`an entry from a ${fromType} account to a ${toType} account, as movesLifetime says`, () => {
        const { ledger, clock, ...db } = ledgerOn(fresh, engine);
        const from: AccountKey = { type: fromType, ref: 'a' };
        const to: AccountKey = { type: toType, ref: 'b' };
        let k = 0;
        const post = (a: AccountKey, b: AccountKey, amount: number) =>
          ledger.post({ guildId: G, kind: 'award', from: a, to: b, amount, key: `k${k++}`, actor: MOD });
        // Give the debit account Sparks to pay with, and an issuance credit account Sparks it
        // minted (an issuance account never goes above zero).
        if (fromType !== 'issuance') post(ISSUANCE('award'), from, 100);
        if (toType === 'issuance') post(to, { type: 'member', ref: 'elsewhere' }, 100);
        const earned = (key: AccountKey) => {
          const account = ledger.reads.account(G, key);
          const rollup = (period: string, id: number) =>
            (db.rows(
              `SELECT earned FROM earn_periods WHERE guild_id = '${G}' AND period = '${period}' AND account_id = ${id}`,
            )[0]?.earned as number | undefined) ?? 0;
          const inPeriod = (period: 'week' | 'month') =>
            account ? rollup(periodKey(period, clock()), account.id) : 0;
          return {
            lifetime: account?.lifetimeEarned ?? 0,
            week: inPeriod('week'),
            month: inPeriod('month'),
          };
        };
        const debitBefore = earned(from);
        const creditBefore = earned(to);

        post(from, to, AMOUNT);

        const change = (account: AccountType, counterparty: AccountType, sign: number) => {
          const moved = movesLifetime(account, counterparty) ? sign * AMOUNT : 0;
          return { lifetime: moved, week: moved, month: moved };
        };
        const delta = (after: ReturnType<typeof earned>, before: ReturnType<typeof earned>) => ({
          lifetime: after.lifetime - before.lifetime,
          week: after.week - before.week,
          month: after.month - before.month,
        });
        expect(delta(earned(from), debitBefore)).toEqual(change(fromType, toType, -1));
        expect(delta(earned(to), creditBefore)).toEqual(change(toType, fromType, +1));
        db.cleanup();
      });
    }
  }
});

describe('what counts as earning', () => {
  it('counts a member credited from an issuance or campaign account, and nothing else', () => {
    const earns = ACCOUNT_TYPES.flatMap((a) =>
      ACCOUNT_TYPES.filter((b) => movesLifetime(a, b)).map((b) => `${a}←${b}`),
    );
    expect(earns).toEqual(['member←issuance', 'member←campaign']);
  });
});
