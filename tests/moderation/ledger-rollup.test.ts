/**
 * The analytics rollup folds the journal off the write path: whatever the chunk size, how
 * often it runs, or where it stopped, it must hold exactly what a direct aggregate of the
 * entries up to its watermark gives, and the analytics read from it the same numbers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock.ts';
import type { Db } from '../../src/db/open.ts';
import { ROLLUP_TABLES } from '../../src/db/rollup-store.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { AdminAnalytics } from '../../src/moderation/analytics.ts';
import { EARNING_KINDS, LedgerRollup } from '../../src/moderation/ledger-rollup.ts';
import { fakeClock, freshDb, G } from '../helpers/db.ts';
import { creditRun, CREDITS, G2, opArb, play, START, type Op } from '../helpers/rollup-history.ts';

const all = (db: Db, sql: string, params: Record<string, unknown> = {}) => db.sqlite.prepare(sql).all(params);

/** The rollup's tables, as rows (zero counts dropped: a count that came back to zero is no count). */
function rollupTables(db: Db) {
  return {
    days: all(db, `SELECT guild_id, day, kind, amount, entries FROM ledger_days ORDER BY 1, 2, 3`),
    dayEarners: all(
      db,
      `SELECT guild_id, day, earners FROM ledger_earner_days WHERE earners > 0 ORDER BY 1, 2`,
    ),
    weekEarners: all(
      db,
      `SELECT guild_id, week, earners FROM ledger_earner_weeks WHERE earners > 0 ORDER BY 1, 2`,
    ),
    kinds: all(db, `SELECT account_id, kind FROM ledger_account_kinds ORDER BY 1, 2`),
  };
}

/** The same figures straight from the journal (and earn_periods, which its triggers keep) up to `upto`. */
function journalAggregates(db: Db, upto: number) {
  return {
    days: all(
      db,
      `SELECT guild_id, created_at / 86400000 AS day, kind, SUM(amount) AS amount, COUNT(*) AS entries
         FROM transfers WHERE id <= @upto GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      { upto },
    ),
    dayEarners: all(
      db,
      `SELECT guild_id, day, COUNT(*) AS earners FROM (
         SELECT DISTINCT guild_id, created_at / 86400000 AS day, credit_account_id FROM transfers
          WHERE id <= @upto AND kind IN (SELECT value FROM json_each(@kinds)))
        GROUP BY 1, 2 ORDER BY 1, 2`,
      { upto, kinds: JSON.stringify(EARNING_KINDS) },
    ),
    weekEarners: all(
      db,
      `SELECT guild_id, substr(period, 3) AS week, COUNT(*) AS earners FROM earn_periods
        WHERE period LIKE 'w:%' AND earned > 0 GROUP BY 1, 2 ORDER BY 1, 2`,
    ),
    kinds: all(
      db,
      `SELECT DISTINCT credit_account_id AS account_id, kind FROM transfers WHERE id <= @upto ORDER BY 1, 2`,
      {
        upto,
      },
    ),
  };
}

const lastId = (db: Db) =>
  (db.sqlite.prepare(`SELECT COALESCE(MAX(id), 0) AS n FROM transfers`).get() as { n: number }).n;

function funnelFromJournal(db: Db, guildId: string) {
  return db.sqlite
    .prepare(
      `SELECT
         (SELECT COUNT(*) FROM referrals WHERE guild_id = @g) AS registered,
         (SELECT COUNT(*) FROM referrals r WHERE r.guild_id = @g AND EXISTS (
            SELECT 1 FROM accounts a JOIN transfers t ON t.credit_account_id = a.id
             WHERE a.guild_id = r.guild_id AND a.type = 'member' AND a.ref = r.invitee_user_id AND t.kind = 'platform.trade')) AS traded,
         (SELECT COUNT(DISTINCT r.referrer_user_id) FROM referrals r WHERE r.guild_id = @g AND EXISTS (
            SELECT 1 FROM accounts a JOIN transfers t ON t.credit_account_id = a.id
             WHERE a.guild_id = r.guild_id AND a.type = 'member' AND a.ref = r.referrer_user_id AND t.kind = 'platform.referral')) AS credited`,
    )
    .get({ g: guildId });
}

describe('the ledger rollup', () => {
  it('folds exactly what a direct aggregate gives, whatever the chunk size and the folds in between', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 10, maxLength: 50, size: '+1' }),
        fc.integer({ min: 1, max: 7 }),
        (ops, chunk) => {
          const db = freshDb();
          try {
            const clock = fakeClock(START + 30 * DAY_MS);
            const rollup = new LedgerRollup({ db, clock, chunk });
            play(db, ops, rollup);
            const done = rollup.catchUp();
            expect(done.caughtUp).toBe(true);
            expect(done.watermark).toBe(lastId(db));
            expect(rollupTables(db)).toEqual(journalAggregates(db, done.watermark));
            const analytics = new AdminAnalytics({ db, clock, rollup });
            for (const g of [G, G2]) expect(analytics.referralFunnel(g)).toEqual(funnelFromJournal(db, g));
            const report = verifyLedger(db.sqlite);
            expect(report.checks.filter((c) => !c.ok)).toEqual([]);
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('folds nothing twice: a repeated catch-up changes nothing', () => {
    const db = freshDb();
    try {
      const clock = fakeClock(START);
      const rollup = new LedgerRollup({ db, clock, chunk: 4 });
      const ops = creditRun(30);
      play(db, ops, rollup);
      const first = rollup.catchUp();
      const tables = rollupTables(db);
      const again = rollup.catchUp();
      expect(again).toMatchObject({ folded: 0, caughtUp: true, watermark: first.watermark });
      expect(new LedgerRollup({ db, clock }).catchUp().folded).toBe(0);
      expect(rollupTables(db)).toEqual(tables);
      expect(tables).toEqual(journalAggregates(db, first.watermark));
    } finally {
      db.close();
    }
  });

  it('resumes where a stopped run left off, covering exactly the entries up to its watermark meanwhile', () => {
    const db = freshDb();
    try {
      const clock = fakeClock(START);
      const ops: Op[] = Array.from({ length: 25 }, (_, i) => ({
        op: 'credit',
        guild: (i % 2) as 0 | 1,
        member: i % 4,
        amount: 5 + i,
        day: i % 6,
        kind: i % CREDITS.length,
      }));
      play(db, ops, new LedgerRollup({ db, clock, chunk: 10 }));
      // The process dies after one chunk: the next run (a new process) finds the watermark.
      const stopped = new LedgerRollup({ db, clock, chunk: 10 }).catchUp(1);
      expect(stopped).toMatchObject({ folded: 10, caughtUp: false, watermark: 10 });
      expect(rollupTables(db)).toMatchObject({
        days: journalAggregates(db, 10).days,
        dayEarners: journalAggregates(db, 10).dayEarners,
      });
      expect(verifyLedger(db.sqlite).ok).toBe(true);
      const resumed = new LedgerRollup({ db, clock, chunk: 10 }).catchUp();
      expect(resumed).toMatchObject({ folded: 15, caughtUp: true, watermark: 25 });
      expect(rollupTables(db)).toEqual(journalAggregates(db, 25));
    } finally {
      db.close();
    }
  });

  it('is seen by verifyLedger when its totals stop matching the journal', () => {
    const db = freshDb();
    try {
      const clock = fakeClock(START);
      const rollup = new LedgerRollup({ db, clock });
      play(db, [{ op: 'credit', guild: 0, member: 1, amount: 40, day: 0, kind: 0 }], rollup);
      rollup.catchUp();
      expect(verifyLedger(db.sqlite).ok).toBe(true);
      db.sqlite.prepare(`UPDATE ledger_days SET amount = amount + 1`).run();
      db.sqlite.prepare(`UPDATE ledger_earner_days SET earners = earners + 1`).run();
      const failed = verifyLedger(db.sqlite)
        .checks.filter((c) => !c.ok)
        .map((c) => c.name);
      expect(failed).toEqual([
        'analytics rollup day totals equal the entries up to its watermark',
        'analytics rollup earner counts equal their earners',
      ]);
    } finally {
      db.close();
    }
  });
});

describe('the rollup tables', () => {
  it('are exactly the tables ROLLUP_TABLES names (the checks that ignore derived data rely on it)', () => {
    const db = freshDb();
    const tables = (
      db.sqlite
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ledger\\_%' ESCAPE '\\'`)
        .all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    expect([...tables].sort()).toEqual([...ROLLUP_TABLES].sort());
    db.cleanup();
  });
});
