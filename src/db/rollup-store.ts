import type { Statement } from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import { EFFECTIVE_KIND } from './ledger-store.ts';
import type { Db } from './open.ts';
import { ledgerRollup, type TransferKind } from './schema.ts';

/** Where the rollup stands: every entry with id <= watermark is folded in (0: none yet). */
/**
 * The tables this store owns: derived data, folded from `transfers` by a background job,
 * so they change without any action of a member (a check that "nothing was written" by a
 * refused action compares the journal, not these).
 */
export const ROLLUP_TABLES = [
  'ledger_days',
  'ledger_day_earners',
  'ledger_earner_days',
  'ledger_week_earners',
  'ledger_earner_weeks',
  'ledger_account_kinds',
  'ledger_account_earned',
  'ledger_traders',
  'ledger_referral_funnel',
  'ledger_rollup',
] as const;

export interface RollupState {
  watermark: number;
  /** When the last chunk was folded (ms), or null before the first. */
  updatedAt: number | null;
}

/** Σ amount per UTC day (days since the epoch) and kind. */
export interface RollupDayTotal {
  day: number;
  kind: TransferKind;
  amount: number;
}

export interface RollupDayCount {
  day: number;
  n: number;
}

export interface RollupWeekCount {
  week: string;
  n: number;
}

/** Net Sparks one member earned through one kind of entry (a reversal counted as what it reverses). */
export interface EarnedByKind {
  kind: TransferKind;
  sparks: number;
}

/** The guild's referral funnel, all time: registered, invitees with a trade entry, referrers credited a share. */
export interface ReferralFunnel {
  registered: number;
  traded: number;
  credited: number;
}

/** The rollup tables (ledger_days … ledger_rollup), as an engine implements them. */
export interface RollupStoreApi {
  state(): RollupState;
  /**
   * Folds the next (at most) `limit` entries after the watermark into every rollup table
   * and moves the watermark past them, all in one transaction. `earning` names the kinds
   * whose credited account counts as an earner that day. Returns how many entries it
   * folded (0: caught up).
   */
  foldNext(limit: number, earning: readonly TransferKind[], now: number): number;
  dailyTotals(guildId: string, kinds: readonly TransferKind[], sinceDay: number): RollupDayTotal[];
  dailyEarners(guildId: string, sinceDay: number): RollupDayCount[];
  weeklyEarners(guildId: string, weeks: readonly string[]): RollupWeekCount[];
  /**
   * What the member behind `accountId` earned, net, by kind: the rollup's sums up to its
   * watermark plus their entries after it, so it is exact at any watermark. The sums add up
   * to their lifetime earned; kinds that net to zero are left out.
   */
  earnedByKind(accountId: number): EarnedByKind[];
  /** Referrals registered (all, live), invitees credited a trade and referrers credited a share (up to the watermark). */
  referralFunnel(guildId: string): ReferralFunnel;
}

interface Range {
  after: number;
  upto: number;
}

// The chunk: entries after the watermark, up to the id of the `limit`-th one.
const RANGE = `t.id > @after AND t.id <= @upto`;

// A member's net earnings delta per ISO week: credits from an issuance or campaign account,
// less debits back to one (the rule earn_periods' triggers and verifyLedger apply).
const WEEK_DELTAS = `SELECT guild_id, week, account_id, SUM(d) AS d FROM (
    SELECT t.guild_id, strftime('%G-%V', t.created_at / 1000, 'unixepoch') AS week, t.credit_account_id AS account_id, t.amount AS d
      FROM transfers t
      JOIN accounts m ON m.id = t.credit_account_id AND m.type = 'member'
      JOIN accounts s ON s.id = t.debit_account_id AND s.type IN ('issuance','campaign')
     WHERE ${RANGE}
    UNION ALL
    SELECT t.guild_id, strftime('%G-%V', t.created_at / 1000, 'unixepoch'), t.debit_account_id, -t.amount
      FROM transfers t
      JOIN accounts m ON m.id = t.debit_account_id AND m.type = 'member'
      JOIN accounts s ON s.id = t.credit_account_id AND s.type IN ('issuance','campaign')
     WHERE ${RANGE}
  ) GROUP BY guild_id, week, account_id`;

/**
 * A member's earned Sparks per kind over a range of entries: what `earnedByKind` in the
 * ledger store sums over a member's entries (credits from an issuance or campaign account
 * less debits back to one, a reversal under the kind it reverses), for every member at once.
 */
export const ACCOUNT_EARNED = (range: string) => `SELECT account_id, kind, SUM(sparks) AS sparks FROM (
    SELECT t.credit_account_id AS account_id, ${EFFECTIVE_KIND} AS kind, t.amount AS sparks
      FROM transfers t
      JOIN accounts m ON m.id = t.credit_account_id AND m.type = 'member'
      JOIN accounts s ON s.id = t.debit_account_id AND s.type IN ('issuance','campaign')
      LEFT JOIN transfers c ON t.kind = 'reversal' AND c.id = t.closes_id
     WHERE ${range}
    UNION ALL
    SELECT t.debit_account_id, ${EFFECTIVE_KIND}, -t.amount
      FROM transfers t
      JOIN accounts m ON m.id = t.debit_account_id AND m.type = 'member'
      JOIN accounts s ON s.id = t.credit_account_id AND s.type IN ('issuance','campaign')
      LEFT JOIN transfers c ON t.kind = 'reversal' AND c.id = t.closes_id
     WHERE ${range}
  ) GROUP BY account_id, kind`;

/** Members credited a platform trade over a range of entries, by guild and Discord id. */
export const TRADERS = (range: string) => `SELECT DISTINCT t.guild_id, m.ref FROM transfers t
    JOIN accounts m ON m.id = t.credit_account_id AND m.type = 'member'
   WHERE ${range} AND t.kind = 'platform.trade'`;

const DAY_EARNERS = `SELECT DISTINCT t.guild_id, t.created_at / 86400000 AS day, t.credit_account_id AS account_id
    FROM transfers t WHERE ${RANGE} AND t.kind IN (SELECT value FROM json_each(@earning))`;

/**
 * Owner of the ledger rollup tables. Raw SQL with named parameters where drizzle's builder
 * cannot say it: INSERT … SELECT … GROUP BY with ON CONFLICT accumulation, json_each kind
 * lists. The fold reads `transfers` and `accounts` (owned by the ledger store) and never
 * writes them.
 */
export class RollupStore implements RollupStoreApi {
  private readonly s: {
    upto: Statement<[{ after: number; limit: number }], { upto: number | null; n: number }>;
    days: Statement<[Range]>;
    earnerCounts: Statement<[Range & { earning: string }]>;
    dayEarners: Statement<[Range & { earning: string }]>;
    weekCounts: Statement<[Range]>;
    weekEarners: Statement<[Range]>;
    accountKinds: Statement<[Range]>;
    accountEarned: Statement<[Range]>;
    traders: Statement<[Range]>;
    funnelTraded: Statement<[Range]>;
    funnelCredited: Statement<[Range]>;
    mark: Statement<[{ upto: number; now: number }]>;
    dailyTotals: Statement<[{ guildId: string; kinds: string; since: number }], RollupDayTotal>;
    dailyEarners: Statement<[{ guildId: string; since: number }], RollupDayCount>;
    weeklyEarners: Statement<[{ guildId: string; weeks: string }], RollupWeekCount>;
    funnel: Statement<[{ guildId: string }], ReferralFunnel>;
    earnedByKind: Statement<[{ accountId: number }], EarnedByKind>;
  };

  private readonly stateOf;

  constructor(private readonly db: Db) {
    const { sqlite } = db;
    this.stateOf = db.orm
      .select({ watermark: ledgerRollup.watermark, updatedAt: ledgerRollup.updatedAt })
      .from(ledgerRollup)
      .where(eq(ledgerRollup.id, sql.placeholder('id')))
      .prepare();
    this.s = {
      upto: sqlite.prepare(
        `SELECT MAX(id) AS upto, COUNT(*) AS n FROM (SELECT id FROM transfers WHERE id > @after ORDER BY id LIMIT @limit)`,
      ),
      days: sqlite.prepare(
        `INSERT INTO ledger_days (guild_id, day, kind, amount, entries)
         SELECT t.guild_id, t.created_at / 86400000, t.kind, SUM(t.amount), COUNT(*) FROM transfers t
          WHERE ${RANGE} GROUP BY 1, 2, 3
         ON CONFLICT (guild_id, day, kind) DO UPDATE SET amount = amount + excluded.amount, entries = entries + excluded.entries`,
      ),
      // Before the earners themselves go in: counts only the (day, account) pairs not there yet.
      earnerCounts: sqlite.prepare(
        `INSERT INTO ledger_earner_days (guild_id, day, earners)
         SELECT x.guild_id, x.day, COUNT(*) FROM (${DAY_EARNERS}) x
          WHERE NOT EXISTS (SELECT 1 FROM ledger_day_earners e
                             WHERE e.guild_id = x.guild_id AND e.day = x.day AND e.account_id = x.account_id)
          GROUP BY 1, 2
         ON CONFLICT (guild_id, day) DO UPDATE SET earners = earners + excluded.earners`,
      ),
      dayEarners: sqlite.prepare(
        `INSERT OR IGNORE INTO ledger_day_earners (guild_id, day, account_id) ${DAY_EARNERS}`,
      ),
      // Before the weekly sums move: a member counts once their week's net turns positive.
      weekCounts: sqlite.prepare(
        `INSERT INTO ledger_earner_weeks (guild_id, week, earners)
         SELECT x.guild_id, x.week, SUM((COALESCE(w.earned, 0) + x.d > 0) - (COALESCE(w.earned, 0) > 0))
           FROM (${WEEK_DELTAS}) x
           LEFT JOIN ledger_week_earners w ON w.guild_id = x.guild_id AND w.week = x.week AND w.account_id = x.account_id
          GROUP BY 1, 2
         ON CONFLICT (guild_id, week) DO UPDATE SET earners = earners + excluded.earners`,
      ),
      weekEarners: sqlite.prepare(
        `INSERT INTO ledger_week_earners (guild_id, week, account_id, earned)
         SELECT guild_id, week, account_id, d FROM (${WEEK_DELTAS}) WHERE true
         ON CONFLICT (guild_id, week, account_id) DO UPDATE SET earned = earned + excluded.earned`,
      ),
      accountKinds: sqlite.prepare(
        `INSERT OR IGNORE INTO ledger_account_kinds (account_id, kind)
         SELECT DISTINCT t.credit_account_id, t.kind FROM transfers t WHERE ${RANGE}`,
      ),
      accountEarned: sqlite.prepare(
        `INSERT INTO ledger_account_earned (account_id, kind, sparks)
         SELECT account_id, kind, sparks FROM (${ACCOUNT_EARNED(RANGE)}) WHERE true
         ON CONFLICT (account_id, kind) DO UPDATE SET sparks = sparks + excluded.sparks`,
      ),
      traders: sqlite.prepare(`INSERT OR IGNORE INTO ledger_traders (guild_id, user_id) ${TRADERS(RANGE)}`),
      // Before the traders go in: invitees whose first trade this chunk holds (a referral
      // registered after it was folded is counted by the referrals_funnel trigger instead).
      funnelTraded: sqlite.prepare(
        `INSERT INTO ledger_referral_funnel (guild_id, registered, traded, credited)
         SELECT x.guild_id, 0, COUNT(*), 0 FROM (${TRADERS(RANGE)}) x
          WHERE NOT EXISTS (SELECT 1 FROM ledger_traders t WHERE t.guild_id = x.guild_id AND t.user_id = x.ref)
            AND EXISTS (SELECT 1 FROM referrals r WHERE r.guild_id = x.guild_id AND r.invitee_user_id = x.ref)
          GROUP BY x.guild_id
         ON CONFLICT (guild_id) DO UPDATE SET traded = traded + excluded.traded`,
      ),
      // Before the account kinds go in: referrers whose first share this chunk holds.
      funnelCredited: sqlite.prepare(
        `INSERT INTO ledger_referral_funnel (guild_id, registered, traded, credited)
         SELECT m.guild_id, 0, 0, COUNT(*)
           FROM (SELECT DISTINCT t.credit_account_id AS account_id FROM transfers t
                  WHERE ${RANGE} AND t.kind = 'platform.referral') x
           JOIN accounts m ON m.id = x.account_id AND m.type = 'member'
          WHERE NOT EXISTS (SELECT 1 FROM ledger_account_kinds k WHERE k.account_id = x.account_id AND k.kind = 'platform.referral')
            AND EXISTS (SELECT 1 FROM referrals r WHERE r.guild_id = m.guild_id AND r.referrer_user_id = m.ref)
          GROUP BY m.guild_id
         ON CONFLICT (guild_id) DO UPDATE SET credited = credited + excluded.credited`,
      ),
      mark: sqlite.prepare(
        `INSERT INTO ledger_rollup (id, watermark, updated_at) VALUES (1, @upto, @now)
         ON CONFLICT (id) DO UPDATE SET watermark = excluded.watermark, updated_at = excluded.updated_at`,
      ),
      dailyTotals: sqlite.prepare(
        `SELECT day, kind, amount FROM ledger_days
          WHERE guild_id = @guildId AND day >= @since AND kind IN (SELECT value FROM json_each(@kinds))
          ORDER BY day, kind`,
      ),
      dailyEarners: sqlite.prepare(
        `SELECT day, earners AS n FROM ledger_earner_days WHERE guild_id = @guildId AND day >= @since ORDER BY day`,
      ),
      weeklyEarners: sqlite.prepare(
        `SELECT week, earners AS n FROM ledger_earner_weeks
          WHERE guild_id = @guildId AND week IN (SELECT value FROM json_each(@weeks)) ORDER BY week`,
      ),
      // The member's entries after the watermark through both sides of their own index; the
      // counterparty (s) by primary key decides whether an entry moved earned Sparks, as the
      // lifetime trigger does. One statement: one snapshot of rollup, watermark and journal.
      earnedByKind: sqlite.prepare(
        `WITH w AS (SELECT COALESCE((SELECT watermark FROM ledger_rollup WHERE id = 1), 0) AS id)
         SELECT kind, SUM(sparks) AS sparks FROM (
           SELECT kind, sparks FROM ledger_account_earned WHERE account_id = @accountId
           UNION ALL
           SELECT ${EFFECTIVE_KIND} AS kind, t.amount AS sparks
           FROM transfers t JOIN accounts s ON s.id = t.debit_account_id
           LEFT JOIN transfers c ON t.kind = 'reversal' AND c.id = t.closes_id
           WHERE t.credit_account_id = @accountId AND t.id > (SELECT id FROM w) AND s.type IN ('issuance', 'campaign')
           UNION ALL
           SELECT ${EFFECTIVE_KIND} AS kind, -t.amount AS sparks
           FROM transfers t JOIN accounts s ON s.id = t.credit_account_id
           LEFT JOIN transfers c ON t.kind = 'reversal' AND c.id = t.closes_id
           WHERE t.debit_account_id = @accountId AND t.id > (SELECT id FROM w) AND s.type IN ('issuance', 'campaign')
         ) GROUP BY kind HAVING SUM(sparks) <> 0 ORDER BY kind`,
      ),
      funnel: sqlite.prepare(
        `SELECT COALESCE(MAX(registered), 0) AS registered, COALESCE(MAX(traded), 0) AS traded,
                COALESCE(MAX(credited), 0) AS credited
           FROM ledger_referral_funnel WHERE guild_id = @guildId`,
      ),
    };
  }

  state(): RollupState {
    const row = this.stateOf.get({ id: 1 });
    return row ? { watermark: row.watermark, updatedAt: row.updatedAt } : { watermark: 0, updatedAt: null };
  }

  foldNext(limit: number, earning: readonly TransferKind[], now: number): number {
    return this.db.write(() => {
      // Read inside the transaction: two processes folding at once never fold a chunk twice.
      const after = this.state().watermark;
      const { upto, n } = this.s.upto.get({ after, limit })!;
      if (upto === null) return 0;
      const range = { after, upto };
      const kinds = { ...range, earning: JSON.stringify(earning) };
      this.s.days.run(range);
      this.s.earnerCounts.run(kinds);
      this.s.dayEarners.run(kinds);
      this.s.weekCounts.run(range);
      this.s.weekEarners.run(range);
      this.s.funnelTraded.run(range);
      this.s.funnelCredited.run(range);
      this.s.accountKinds.run(range);
      this.s.accountEarned.run(range);
      this.s.traders.run(range);
      this.s.mark.run({ upto, now });
      return n;
    });
  }

  dailyTotals(guildId: string, kinds: readonly TransferKind[], sinceDay: number): RollupDayTotal[] {
    return this.s.dailyTotals.all({ guildId, kinds: JSON.stringify(kinds), since: sinceDay });
  }

  dailyEarners(guildId: string, sinceDay: number): RollupDayCount[] {
    return this.s.dailyEarners.all({ guildId, since: sinceDay });
  }

  weeklyEarners(guildId: string, weeks: readonly string[]): RollupWeekCount[] {
    return this.s.weeklyEarners.all({ guildId, weeks: JSON.stringify(weeks) });
  }

  referralFunnel(guildId: string): ReferralFunnel {
    return this.s.funnel.get({ guildId })!;
  }

  earnedByKind(accountId: number): EarnedByKind[] {
    return this.s.earnedByKind.all({ accountId });
  }
}
