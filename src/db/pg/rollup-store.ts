/**
 * The ledger rollup's tables (src/db/pg/schema-rollup.ts) on PostgreSQL, through the
 * synchronous facade (sync.ts): the same methods and results as the SQLite `RollupStore`
 * (src/db/rollup-store.ts), so `LedgerRollup`, `AdminAnalytics` and the member page run
 * unchanged on either engine. Like the SQLite store it reads `transfers`, `accounts` and
 * `referrals` and never writes them. `rollupStore(db)` is the one place that picks.
 *
 * The watermark: the fold reads ids only up to a settled bound (settled.ts), so an entry
 * whose transaction commits after a fold has passed its id is folded by the next one.
 *
 * Two folds at once (the timer on the leader, a page read on any host) queue on the
 * advisory lock 'rollup:fold' (locks.ts), taken before the watermark is read, as SQLite's
 * write lock has it: the second reads the watermark the first committed, so no chunk is
 * folded twice.
 */
import type { AppDb } from '../engine.ts';
import {
  RollupStore,
  TRADERS,
  type EarnedByKind,
  type ReferralFunnel,
  type RollupDayCount,
  type RollupDayTotal,
  type RollupState,
  type RollupStoreApi,
  type RollupWeekCount,
} from '../rollup-store.ts';
import type { TransferKind } from '../schema.ts';
import { lockInWrite } from './locks.ts';
import { SettledBound } from './settled.ts';
import type { PgSyncDb } from './sync.ts';

/** A reversal counts as the kind of the entry it closes (`c`, LEFT JOINed), as on SQLite. */
const EFFECTIVE_KIND = `CASE WHEN t.kind = 'reversal' THEN c.kind ELSE t.kind END`;

// The chunk: entries after the watermark ($1), up to the id of the `limit`-th one ($2).
const RANGE = `t.id > $1 AND t.id <= $2`;

/** An entry's ISO week key ('2026-18', UTC), as SQLite's strftime('%G-%V', created_at / 1000, 'unixepoch'). */
const WEEK = `to_char(to_timestamp(t.created_at / 1000) AT TIME ZONE 'UTC', 'IYYY-IW')`;

/**
 * The two arms of "earned Sparks" over `where`: a member credited from an issuance or
 * campaign account, less a member debited back to one (the rule of `movesLifetime`), each
 * arm selecting `cols(member side, sign)`. `member` joins the member's account (`m`) to
 * check its type; the member page's read names the account itself and skips it.
 */
function earnedArms(
  cols: (side: 'credit' | 'debit', sign: '' | '-') => string,
  where: (side: 'credit' | 'debit') => string,
  opts: { member: boolean; reversals: boolean },
): string {
  return (['credit', 'debit'] as const)
    .map((side) => {
      const other = side === 'credit' ? 'debit' : 'credit';
      return `SELECT ${cols(side, side === 'credit' ? '' : '-')} FROM transfers t
      ${opts.member ? `JOIN accounts m ON m.id = t.${side}_account_id AND m.type = 'member'` : ''}
      JOIN accounts s ON s.id = t.${other}_account_id AND s.type IN ('issuance', 'campaign')
      ${opts.reversals ? `LEFT JOIN transfers c ON t.kind = 'reversal' AND c.id = t.closes_id` : ''}
     WHERE ${where(side)}`;
    })
    .join(' UNION ALL ');
}

/** A member's net earnings delta per ISO week over the chunk (earn_periods' rule). */
const WEEK_DELTAS = `SELECT guild_id, week, account_id, SUM(d)::int8 AS d FROM (${earnedArms(
  (side, sign) =>
    `t.guild_id, ${WEEK} AS week, t.${side}_account_id AS account_id, ${sign}t.amount::int8 AS d`,
  () => RANGE,
  { member: true, reversals: false },
)}) x GROUP BY guild_id, week, account_id`;

/** Each member's earned Sparks per kind over the chunk (a reversal under the kind it reverses). */
const ACCOUNT_EARNED = `SELECT account_id, kind, SUM(sparks)::int8 AS sparks FROM (${earnedArms(
  (side, sign) =>
    `t.${side}_account_id AS account_id, ${EFFECTIVE_KIND} AS kind, ${sign}t.amount::int8 AS sparks`,
  () => RANGE,
  { member: true, reversals: true },
)}) x GROUP BY account_id, kind`;

// $3: the earning kinds.
const DAY_EARNERS = `SELECT DISTINCT t.guild_id, t.created_at / 86400000 AS day, t.credit_account_id AS account_id
    FROM transfers t WHERE ${RANGE} AND t.kind = ANY($3::text[])`;

const SQL = {
  state: `SELECT watermark, updated_at AS "updatedAt" FROM ledger_rollup WHERE id = 1`,
  // $1 after, $2 limit, $3 the settled bound.
  upto: `SELECT MAX(id) AS upto, COUNT(*) AS n
    FROM (SELECT id FROM transfers WHERE id > $1 AND id <= $3 ORDER BY id LIMIT $2) c`,
  days: `INSERT INTO ledger_days (guild_id, day, kind, amount, entries)
    SELECT t.guild_id, t.created_at / 86400000, t.kind, SUM(t.amount), COUNT(*) FROM transfers t
     WHERE ${RANGE} GROUP BY 1, 2, 3
    ON CONFLICT (guild_id, day, kind) DO UPDATE SET amount = ledger_days.amount + excluded.amount,
      entries = ledger_days.entries + excluded.entries`,
  // Before the earners themselves go in: counts only the (day, account) pairs not there yet.
  earnerCounts: `INSERT INTO ledger_earner_days (guild_id, day, earners)
    SELECT x.guild_id, x.day, COUNT(*) FROM (${DAY_EARNERS}) x
     WHERE NOT EXISTS (SELECT 1 FROM ledger_day_earners e
                        WHERE e.guild_id = x.guild_id AND e.day = x.day AND e.account_id = x.account_id)
     GROUP BY 1, 2
    ON CONFLICT (guild_id, day) DO UPDATE SET earners = ledger_earner_days.earners + excluded.earners`,
  dayEarners: `INSERT INTO ledger_day_earners (guild_id, day, account_id) ${DAY_EARNERS} ON CONFLICT DO NOTHING`,
  // Before the weekly sums move: a member counts once their week's net turns positive.
  weekCounts: `INSERT INTO ledger_earner_weeks (guild_id, week, earners)
    SELECT x.guild_id, x.week, SUM((COALESCE(w.earned, 0) + x.d > 0)::int - (COALESCE(w.earned, 0) > 0)::int)
      FROM (${WEEK_DELTAS}) x
      LEFT JOIN ledger_week_earners w ON w.guild_id = x.guild_id AND w.week = x.week AND w.account_id = x.account_id
     GROUP BY 1, 2
    ON CONFLICT (guild_id, week) DO UPDATE SET earners = ledger_earner_weeks.earners + excluded.earners`,
  weekEarners: `INSERT INTO ledger_week_earners (guild_id, week, account_id, earned) ${WEEK_DELTAS}
    ON CONFLICT (guild_id, week, account_id) DO UPDATE SET earned = ledger_week_earners.earned + excluded.earned`,
  accountKinds: `INSERT INTO ledger_account_kinds (account_id, kind)
    SELECT DISTINCT t.credit_account_id, t.kind FROM transfers t WHERE ${RANGE} ON CONFLICT DO NOTHING`,
  accountEarned: `INSERT INTO ledger_account_earned (account_id, kind, sparks) ${ACCOUNT_EARNED}
    ON CONFLICT (account_id, kind) DO UPDATE SET sparks = ledger_account_earned.sparks + excluded.sparks`,
  traders: `INSERT INTO ledger_traders (guild_id, user_id) ${TRADERS(RANGE)} ON CONFLICT DO NOTHING`,
  // Before the traders go in: invitees whose first trade this chunk holds (a referral
  // registered after it was folded is counted by the referrals_funnel trigger instead).
  funnelTraded: `INSERT INTO ledger_referral_funnel (guild_id, registered, traded, credited)
    SELECT x.guild_id, 0, COUNT(*), 0 FROM (${TRADERS(RANGE)}) x
     WHERE NOT EXISTS (SELECT 1 FROM ledger_traders t WHERE t.guild_id = x.guild_id AND t.user_id = x.ref)
       AND EXISTS (SELECT 1 FROM referrals r WHERE r.guild_id = x.guild_id AND r.invitee_user_id = x.ref)
     GROUP BY x.guild_id
    ON CONFLICT (guild_id) DO UPDATE SET traded = ledger_referral_funnel.traded + excluded.traded`,
  // Before the account kinds go in: referrers whose first share this chunk holds.
  funnelCredited: `INSERT INTO ledger_referral_funnel (guild_id, registered, traded, credited)
    SELECT m.guild_id, 0, 0, COUNT(*)
      FROM (SELECT DISTINCT t.credit_account_id AS account_id FROM transfers t
             WHERE ${RANGE} AND t.kind = 'platform.referral') x
      JOIN accounts m ON m.id = x.account_id AND m.type = 'member'
     WHERE NOT EXISTS (SELECT 1 FROM ledger_account_kinds k WHERE k.account_id = x.account_id AND k.kind = 'platform.referral')
       AND EXISTS (SELECT 1 FROM referrals r WHERE r.guild_id = m.guild_id AND r.referrer_user_id = m.ref)
     GROUP BY m.guild_id
    ON CONFLICT (guild_id) DO UPDATE SET credited = ledger_referral_funnel.credited + excluded.credited`,
  mark: `INSERT INTO ledger_rollup (id, watermark, updated_at) VALUES (1, $1, $2)
    ON CONFLICT (id) DO UPDATE SET watermark = excluded.watermark, updated_at = excluded.updated_at`,
  dailyTotals: `SELECT day, kind, amount FROM ledger_days
    WHERE guild_id = $1 AND day >= $3 AND kind = ANY($2::text[]) ORDER BY day, kind COLLATE "C"`,
  dailyEarners: `SELECT day, earners AS n FROM ledger_earner_days WHERE guild_id = $1 AND day >= $2 ORDER BY day`,
  weeklyEarners: `SELECT week, earners AS n FROM ledger_earner_weeks
    WHERE guild_id = $1 AND week = ANY($2::text[]) ORDER BY week COLLATE "C"`,
  // One statement: one snapshot of rollup, watermark and journal, as on SQLite. The member's
  // entries after the watermark through both sides of their own index.
  earnedByKind: `WITH w AS (SELECT COALESCE((SELECT watermark FROM ledger_rollup WHERE id = 1), 0) AS id)
    SELECT kind, SUM(sparks)::int8 AS sparks FROM (
      SELECT kind, sparks FROM ledger_account_earned WHERE account_id = $1
      UNION ALL
      ${earnedArms(
        (_, sign) => `${EFFECTIVE_KIND} AS kind, ${sign}t.amount::int8 AS sparks`,
        (side) => `t.${side}_account_id = $1 AND t.id > (SELECT id FROM w)`,
        { member: false, reversals: true },
      )}
    ) x GROUP BY kind HAVING SUM(sparks) <> 0 ORDER BY kind COLLATE "C"`,
  funnel: `SELECT COALESCE(MAX(registered), 0) AS registered, COALESCE(MAX(traded), 0) AS traded,
      COALESCE(MAX(credited), 0) AS credited
    FROM ledger_referral_funnel WHERE guild_id = $1`,
} as const;

/** `RollupStore`'s methods on PostgreSQL; see the module comment. */
export class PgRollupStore implements RollupStoreApi {
  private readonly settled: SettledBound;

  constructor(private readonly db: PgSyncDb) {
    this.settled = new SettledBound(db, 'ledger_rollup');
  }

  state(): RollupState {
    return this.db.query<RollupState>(SQL.state)[0] ?? { watermark: 0, updatedAt: null };
  }

  foldNext(limit: number, earning: readonly TransferKind[], now: number): number {
    const { watermark, last } = this.settled.advance(limit);
    if (last <= watermark) return 0;
    const settled = this.settled.value;
    return this.db.write(() => {
      lockInWrite(this.db, 'rollup', 'fold');
      const after = this.state().watermark;
      const { upto, n } = this.db.query<{ upto: number | null; n: number }>(SQL.upto, [
        after,
        limit,
        settled,
      ])[0]!;
      if (upto === null) return 0;
      const range = [after, upto];
      const kinds = [after, upto, [...earning]];
      this.db.run(SQL.days, range);
      this.db.run(SQL.earnerCounts, kinds);
      this.db.run(SQL.dayEarners, kinds);
      this.db.run(SQL.weekCounts, range);
      this.db.run(SQL.weekEarners, range);
      this.db.run(SQL.funnelTraded, range);
      this.db.run(SQL.funnelCredited, range);
      this.db.run(SQL.accountKinds, range);
      this.db.run(SQL.accountEarned, range);
      this.db.run(SQL.traders, range);
      this.db.run(SQL.mark, [upto, now]);
      return n;
    });
  }

  dailyTotals(guildId: string, kinds: readonly TransferKind[], sinceDay: number): RollupDayTotal[] {
    return this.db.query(SQL.dailyTotals, [guildId, [...kinds], sinceDay]);
  }

  dailyEarners(guildId: string, sinceDay: number): RollupDayCount[] {
    return this.db.query(SQL.dailyEarners, [guildId, sinceDay]);
  }

  weeklyEarners(guildId: string, weeks: readonly string[]): RollupWeekCount[] {
    return this.db.query(SQL.weeklyEarners, [guildId, [...weeks]]);
  }

  referralFunnel(guildId: string): ReferralFunnel {
    return this.db.query<ReferralFunnel>(SQL.funnel, [guildId])[0]!;
  }

  earnedByKind(accountId: number): EarnedByKind[] {
    return this.db.query(SQL.earnedByKind, [accountId]);
  }
}

/** The rollup store of the database's engine: the one place that picks. */
export function rollupStore(db: AppDb): RollupStoreApi {
  return db.engine === 'postgres' ? new PgRollupStore(db) : new RollupStore(db);
}
