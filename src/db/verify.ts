import type { AppDb } from './engine.ts';
import type { Sqlite } from './open.ts';
import type { PgSyncDb } from './pg/sync.ts';
import { ACCOUNT_EARNED, TRADERS } from './rollup-store.ts';
import { QUALIFYING_DAYS } from './streak-store.ts';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Up to 20 offending rows or facts, human-readable. */
  problems: string[];
}

export interface VerifyReport {
  ok: boolean;
  checks: CheckResult[];
  stats: { guilds: number; accounts: number; transfers: number; openHolds: number };
}

/** Triggers the ledger relies on; if one is missing, the database no longer guards itself. */
export const REQUIRED_TRIGGERS = [
  'transfers_no_update',
  'transfers_no_delete',
  'transfers_close_required',
  'transfers_close_mirrors',
  'transfers_apply',
  'transfers_earned',
  'transfers_unearned',
  'transfers_season_earned',
  'transfers_season_unearned',
] as const;

/**
 * The same guards on PostgreSQL (drizzle-pg/: plpgsql, one trigger per rule and event, and the
 * guards of what the triggers derive), each of which must also be enabled.
 */
export const PG_REQUIRED_TRIGGERS = [
  'transfers_no_update',
  'transfers_no_delete',
  'transfers_no_truncate',
  'transfers_close_required',
  'transfers_close_mirrors',
  'transfers_apply',
  'accounts_rank_balance',
  'accounts_ranked_periods',
  'accounts_derived_insert',
  'accounts_derived_update',
  'earn_periods_rank_insert',
  'earn_periods_rank_update',
  'earn_periods_derived',
  'earn_periods_derived_truncate',
  'rank_counts_derived',
  'rank_counts_derived_truncate',
] as const;

const LIMIT = 20;

type Row = Record<string, string | number | boolean | null>;

/** How a check's SQL says what the two engines say differently. */
interface Dialect {
  /** The storage type of a value, as text. */
  typeOf(x: string): string;
  /** True where a value is not stored as an integer (PostgreSQL's column types rule it out). */
  notInteger(x: string): string;
  /** A time in ms as the ISO week ('2026-48') and the month ('2026-12'), in UTC. */
  isoWeek(ms: string): string;
  month(ms: string): string;
}

const SQLITE: Dialect = {
  typeOf: (x) => `typeof(${x})`,
  notInteger: (x) => `typeof(${x}) <> 'integer'`,
  isoWeek: (ms) => `strftime('%G-%V', ${ms} / 1000, 'unixepoch')`,
  month: (ms) => `strftime('%Y-%m', ${ms} / 1000, 'unixepoch')`,
};

const POSTGRES: Dialect = {
  typeOf: (x) => `pg_typeof(${x})::text`,
  notInteger: () => 'false',
  isoWeek: (ms) => `to_char(to_timestamp(${ms} / 1000.0) AT TIME ZONE 'UTC', 'IYYY-IW')`,
  month: (ms) => `to_char(to_timestamp(${ms} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM')`,
};

/** Where the checks run: one read-consistent transaction on either engine. */
interface Target {
  dialect: Dialect;
  rows(sql: string): Row[];
  /** Runs `fn` in one transaction that sees one snapshot while the bot keeps writing. */
  snapshot<T>(fn: () => T): T;
  /** What only this engine can check: its own integrity and the triggers it relies on. */
  structure(check: CheckFn, push: (result: CheckResult) => void): void;
}

type CheckFn = (name: string, sql: string, format: (row: Row) => string) => void;

function sqliteTarget(sqlite: Sqlite): Target {
  return {
    dialect: SQLITE,
    rows: (sql) => sqlite.prepare(sql).all() as Row[],
    snapshot: (fn) => sqlite.transaction(fn).deferred(),
    structure(check, push) {
      const integrity = sqlite.pragma('integrity_check') as { integrity_check: string }[];
      const integrityProblems = integrity.map((r) => r.integrity_check).filter((m) => m !== 'ok');
      push({
        name: 'sqlite integrity_check',
        ok: integrityProblems.length === 0,
        problems: integrityProblems,
      });
      const fk = sqlite.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
      push({
        name: 'foreign keys resolve',
        ok: fk.length === 0,
        problems: fk.slice(0, LIMIT).map((r) => `${r.table} row ${r.rowid} points at a missing ${r.parent}`),
      });
      const present = new Set(
        (
          sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).all() as { name: string }[]
        ).map((r) => r.name),
      );
      const missing = REQUIRED_TRIGGERS.filter((t) => !present.has(t));
      push({
        name: 'append-only and balance triggers present',
        ok: missing.length === 0,
        problems: missing.map((t) => `trigger ${t} is missing`),
      });
      check(
        'the ledger batch gate is down (no derived-state trigger is standing aside)',
        `SELECT id FROM batch_gate`,
        () => 'batch_gate holds a row outside a batch: the next entries would skip their balances',
      );
    },
  };
}

function pgTarget(db: PgSyncDb): Target {
  return {
    dialect: POSTGRES,
    rows: (sql) => db.query<Row>(sql),
    // REPEATABLE READ: every check sees the one snapshot of the transaction's first statement.
    snapshot: (fn) => db.write(fn, { isolation: 'repeatable read' }),
    structure(check, push) {
      const rows = db.query<{ name: string; enabled: string }>(
        `SELECT tg.tgname AS name, tg.tgenabled AS enabled FROM pg_trigger tg
           JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND NOT tg.tgisinternal`,
      );
      const enabled = new Map(rows.map((r) => [r.name, r.enabled]));
      const problems = PG_REQUIRED_TRIGGERS.flatMap((t) =>
        !enabled.has(t)
          ? [`trigger ${t} is missing`]
          : enabled.get(t) === 'D'
            ? [`trigger ${t} is disabled`]
            : [],
      );
      push({ name: 'append-only and balance triggers present', ok: problems.length === 0, problems });
      // NOT VALID constraints (added without checking the rows already there) are not trusted.
      check(
        'every constraint is validated',
        `SELECT c.conname, c.conrelid::regclass::text AS tab FROM pg_constraint c
          JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema() AND NOT c.convalidated`,
        (r) => `constraint ${String(r.conname)} on ${String(r.tab)} was never validated`,
      );
    },
  };
}

/**
 * Recomputes every balance, lifetime and rollup from the journal and checks every ledger
 * invariant of SPEC §5 without trusting any cached value or constraint (a row edited by
 * hand with the triggers dropped is found). Read-only; runs in one read transaction so
 * the picture is consistent while the bot keeps writing. One list of checks serves both
 * engines (a `Dialect` says the few things they spell differently); what only one engine
 * can check — SQLite's integrity_check and foreign keys, PostgreSQL's validated constraints,
 * each engine's triggers — comes from its target. Takes a SQLite connection or an `AppDb`.
 */
export function verifyLedger(db: Sqlite | AppDb): VerifyReport {
  const target =
    'engine' in db ? (db.engine === 'postgres' ? pgTarget(db) : sqliteTarget(db.sqlite)) : sqliteTarget(db);
  const d = target.dialect;
  return target.snapshot((): VerifyReport => {
    const checks: CheckResult[] = [];
    const check: CheckFn = (name, sql, format) => {
      const rows = target.rows(`${sql} LIMIT ${LIMIT}`);
      checks.push({ name, ok: rows.length === 0, problems: rows.map(format) });
    };
    target.structure(check, (result) => checks.push(result));
    ledgerChecks(check, d);
    const one = (sql: string) => Number(target.rows(sql)[0]?.n ?? 0);
    return {
      ok: checks.every((c) => c.ok),
      checks,
      stats: {
        guilds: one(`SELECT COUNT(DISTINCT guild_id) AS n FROM accounts`),
        accounts: one(`SELECT COUNT(*) AS n FROM accounts`),
        transfers: one(`SELECT COUNT(*) AS n FROM transfers`),
        openHolds: one(
          `SELECT COUNT(*) AS n FROM transfers h WHERE h.kind = 'hold' AND NOT EXISTS (SELECT 1 FROM transfers c WHERE c.closes_id = h.id)`,
        ),
      },
    };
  });
}

/** The invariants, each a query that returns the offending rows (none when it holds). */
function ledgerChecks(check: CheckFn, d: Dialect): void {
  check(
    'amounts are integers in 1..1,000,000,000',
    `SELECT id, amount, ${d.typeOf('amount')} AS t FROM transfers
     WHERE ${d.notInteger('amount')} OR amount < 1 OR amount > 1000000000`,
    (r) => `entry #${String(r.id)} has amount ${String(r.amount)} (${String(r.t)})`,
  );
  check(
    'conservation: balances sum to zero per guild',
    `SELECT guild_id, SUM(balance) AS total FROM accounts GROUP BY guild_id HAVING SUM(balance) <> 0`,
    (r) => `guild ${String(r.guild_id)}: balances sum to ${String(r.total)}`,
  );
  check(
    'conservation: entries sum to zero per guild',
    `SELECT guild_id, SUM(d) AS total FROM (
       SELECT guild_id, amount AS d FROM transfers UNION ALL SELECT guild_id, -amount FROM transfers
     ) x GROUP BY guild_id HAVING SUM(d) <> 0`,
    (r) => `guild ${String(r.guild_id)}: entries sum to ${String(r.total)}`,
  );
  check(
    'every cached balance equals the sum of its entries',
    // Set-based, not a sum per account: PostgreSQL plans a per-account subquery once for any
    // account, and for the debit side (nearly every entry debits one issuance account) that
    // plan is a scan of the whole journal per account.
    `WITH moves AS (SELECT credit_account_id AS account_id, amount AS d FROM transfers
                    UNION ALL SELECT debit_account_id, -amount FROM transfers),
          sums AS (SELECT account_id, SUM(d) AS computed FROM moves GROUP BY account_id)
     SELECT * FROM (SELECT a.id, a.type, a.ref, a.guild_id, a.balance, ${d.notInteger('a.balance')} AS odd,
            COALESCE(s.computed, 0) AS computed
       FROM accounts a LEFT JOIN sums s ON s.account_id = a.id) x WHERE x.odd OR x.balance <> x.computed`,
    (r) =>
      `account ${String(r.type)}:${String(r.ref)} in guild ${String(r.guild_id)} shows ${String(r.balance)}, entries give ${String(r.computed)}`,
  );
  check(
    'every lifetime earned equals its earning entries',
    `WITH earned AS (
            SELECT t.credit_account_id AS account_id, t.amount AS d FROM transfers t
              JOIN accounts s ON s.id = t.debit_account_id WHERE s.type IN ('issuance','campaign')
            UNION ALL
            SELECT t.debit_account_id, -t.amount FROM transfers t
              JOIN accounts s ON s.id = t.credit_account_id WHERE s.type IN ('issuance','campaign')),
          sums AS (SELECT account_id, SUM(d) AS computed FROM earned GROUP BY account_id)
     SELECT * FROM (SELECT a.id, a.ref, a.guild_id, a.lifetime_earned, COALESCE(s.computed, 0) AS computed
       FROM accounts a LEFT JOIN sums s ON s.account_id = a.id WHERE a.type = 'member') x
     WHERE x.lifetime_earned <> x.computed`,
    (r) =>
      `member ${String(r.ref)} in guild ${String(r.guild_id)} shows lifetime ${String(r.lifetime_earned)}, entries give ${String(r.computed)}`,
  );
  check(
    'no account below zero (issuance accounts only mint)',
    `SELECT type, ref, guild_id, balance FROM accounts
     WHERE (type = 'issuance' AND balance > 0) OR (type <> 'issuance' AND balance < 0) OR lifetime_earned < 0`,
    (r) =>
      `account ${String(r.type)}:${String(r.ref)} in guild ${String(r.guild_id)} is at ${String(r.balance)}`,
  );
  check(
    'idempotency keys are unique per guild',
    `SELECT guild_id, idempotency_key, COUNT(*) AS n FROM transfers
     GROUP BY guild_id, idempotency_key HAVING COUNT(*) > 1`,
    (r) => `key ${String(r.idempotency_key)} applied ${String(r.n)} times in guild ${String(r.guild_id)}`,
  );
  check(
    'every entry is closed at most once',
    `SELECT closes_id, COUNT(*) AS n FROM transfers WHERE closes_id IS NOT NULL GROUP BY closes_id HAVING COUNT(*) > 1`,
    (r) => `entry #${String(r.closes_id)} is closed ${String(r.n)} times`,
  );
  check(
    'closing entries mirror what they close',
    `SELECT c.id, c.kind, c.closes_id FROM transfers c LEFT JOIN transfers t ON t.id = c.closes_id
     WHERE (c.kind IN ('reversal','hold.post','hold.void') AND c.closes_id IS NULL)
        OR (c.closes_id IS NOT NULL AND (t.id IS NULL OR t.guild_id <> c.guild_id OR NOT (
          (c.kind = 'reversal' AND t.kind NOT IN ('hold','hold.post','hold.void','reversal')
             AND c.debit_account_id = t.credit_account_id AND c.credit_account_id = t.debit_account_id AND c.amount <= t.amount)
          OR (c.kind = 'hold.post' AND t.kind = 'hold' AND c.debit_account_id = t.credit_account_id AND c.amount = t.amount)
          OR (c.kind = 'hold.void' AND t.kind = 'hold' AND c.debit_account_id = t.credit_account_id
             AND c.credit_account_id = t.debit_account_id AND c.amount = t.amount))))`,
    (r) => `${String(r.kind)} #${String(r.id)} does not properly close #${String(r.closes_id)}`,
  );
  check(
    'held Sparks equal the open holds',
    `SELECT * FROM (SELECT a.guild_id, a.balance,
            COALESCE((SELECT SUM(h.amount) FROM transfers h WHERE h.credit_account_id = a.id AND h.kind = 'hold'
                      AND NOT EXISTS (SELECT 1 FROM transfers c WHERE c.closes_id = h.id)), 0) AS open
     FROM accounts a WHERE a.type = 'hold') x WHERE x.balance <> x.open`,
    (r) => `guild ${String(r.guild_id)}: hold account ${String(r.balance)} but open holds ${String(r.open)}`,
  );
  check(
    'every redemption matches its hold',
    `SELECT r.id, r.status, c.kind AS closed_by FROM redemptions r
     LEFT JOIN transfers c ON c.closes_id = r.hold_transfer_id
     WHERE r.hold_transfer_id IS NOT NULL AND NOT ((r.status IN ('reserved','pending_manual') AND c.id IS NULL)
             OR (r.status = 'fulfilled' AND c.kind = 'hold.post')
             OR (r.status = 'refunded' AND c.kind = 'hold.void'))`,
    (r) =>
      `redemption #${String(r.id)} is ${String(r.status)} but its hold is ${String(r.closed_by ?? 'open')}`,
  );
  check(
    'every referral share is credited once, to its referrer, under its key, or still held',
    `SELECT s.id, s.status, t.id AS entry FROM referral_shares s
     LEFT JOIN transfers t ON t.id = s.transfer_id
     LEFT JOIN accounts a ON a.id = t.credit_account_id
     WHERE (s.status <> 'credited' AND s.transfer_id IS NOT NULL)
        OR (s.transfer_id IS NOT NULL AND (t.id IS NULL OR t.kind <> 'platform.referral'
             OR t.idempotency_key <> 'event:' || s.event_id || ':referral'
             OR a.ref <> s.referrer_user_id OR t.amount > s.amount))
        OR (s.status <> 'credited' AND EXISTS (SELECT 1 FROM transfers x WHERE x.guild_id = s.guild_id
             AND x.idempotency_key = 'event:' || s.event_id || ':referral'))
        OR (s.status = 'pending' AND COALESCE((SELECT q.status FROM referral_qualification q
             WHERE q.guild_id = s.guild_id AND q.invitee_user_id = s.invitee_user_id), 'qualified') <> 'pending')`,
    (r) =>
      `referral share #${String(r.id)} is ${String(r.status)} but its entry is ${String(r.entry ?? 'missing or another')}`,
  );
  check(
    'campaign claim counts match their grants',
    `SELECT * FROM (SELECT c.id, c.claims, c.granted, (SELECT COUNT(*) FROM campaign_claims k WHERE k.campaign_id = c.id) AS n,
            COALESCE((SELECT SUM(t.amount) FROM campaign_claims k JOIN transfers t ON t.id = k.transfer_id
                      WHERE k.campaign_id = c.id), 0) AS g
     FROM campaigns c) x WHERE x.claims <> x.n OR x.granted <> x.g`,
    (r) =>
      `campaign #${String(r.id)} counts ${String(r.claims)} claims / ${String(r.granted)} Sparks, entries give ${String(r.n)} / ${String(r.g)}`,
  );
  check(
    'quest completion counts match their entries, each paid under its own key',
    `SELECT * FROM (SELECT q.id, q.completions, q.granted, (SELECT COUNT(*) FROM quest_completions c WHERE c.quest_id = q.id) AS n,
            COALESCE((SELECT SUM(t.amount) FROM quest_completions c JOIN transfers t ON t.id = c.transfer_id
                      WHERE c.quest_id = q.id
                        AND t.idempotency_key = 'quest:' || c.quest_id || ':' || c.user_id || ':' || c.period), 0) AS g
     FROM quests q) x WHERE x.completions <> x.n OR x.granted <> x.g`,
    (r) =>
      `quest #${String(r.id)} counts ${String(r.completions)} completions / ${String(r.granted)} Sparks, entries give ${String(r.n)} / ${String(r.g)}`,
  );
  check(
    'weekly, monthly and season rollups equal their entries',
    `WITH deltas AS (
       SELECT t.guild_id, t.credit_account_id AS account_id, t.amount AS d, t.created_at, s.type AS st, s.ref AS sr
         FROM transfers t
         JOIN accounts m ON m.id = t.credit_account_id AND m.type = 'member'
         JOIN accounts s ON s.id = t.debit_account_id AND s.type IN ('issuance','campaign')
       UNION ALL
       SELECT t.guild_id, t.debit_account_id, -t.amount, t.created_at, s.type, s.ref FROM transfers t
         JOIN accounts m ON m.id = t.debit_account_id AND m.type = 'member'
         JOIN accounts s ON s.id = t.credit_account_id AND s.type IN ('issuance','campaign')
     ), expected AS (
       SELECT guild_id, period, account_id, SUM(d) AS earned FROM (
         SELECT guild_id, 'w:' || ${d.isoWeek('created_at')} AS period, account_id, d FROM deltas
         UNION ALL
         SELECT guild_id, 'm:' || ${d.month('created_at')}, account_id, d FROM deltas
         UNION ALL
         -- A season counts the entries inside its window from its sources (migration 0009).
         SELECT x.guild_id, 's:' || se.id, x.account_id, x.d FROM deltas x
           JOIN seasons se ON se.guild_id = x.guild_id AND x.created_at >= se.starts_at AND x.created_at < se.ends_at
         WHERE (se.sources & (CASE WHEN x.st = 'campaign' THEN 1 WHEN x.sr = 'campaign' THEN 1 WHEN x.sr IN ('quest', 'streak') THEN 2
                                   WHEN x.sr = 'platform' THEN 4 WHEN x.sr = 'award' THEN 8 ELSE 0 END)) <> 0
       ) GROUP BY guild_id, period, account_id
     )
     SELECT COALESCE(x.guild_id, e.guild_id) AS guild_id, COALESCE(x.period, e.period) AS period,
            COALESCE(x.account_id, e.account_id) AS account_id, x.earned AS expected, e.earned AS stored
     FROM expected x FULL OUTER JOIN earn_periods e
       ON e.guild_id = x.guild_id AND e.period = x.period AND e.account_id = x.account_id
     WHERE COALESCE(x.earned, 0) <> COALESCE(e.earned, 0)`,
    (r) =>
      `rollup ${String(r.period)} of account ${String(r.account_id)}: stored ${String(r.stored ?? 0)}, entries give ${String(r.expected ?? 0)}`,
  );

  check(
    'windowed rollups carry their member’s ranked flag',
    `SELECT e.period, e.account_id FROM earn_periods e JOIN accounts a ON a.id = e.account_id WHERE e.ranked <> a.ranked`,
    (r) =>
      `rollup ${String(r.period)} of account ${String(r.account_id)} disagrees with the account's ranked flag`,
  );
  check(
    'leaderboard rank counts equal the ranked members',
    `WITH scores AS (
       SELECT guild_id, 'balance' AS board, balance AS score FROM accounts WHERE type = 'member' AND ranked = 1 AND balance > 0
       UNION ALL
       SELECT guild_id, period, earned FROM earn_periods WHERE ranked = 1 AND earned > 0
     ), expected AS (
       SELECT guild_id, board, l.level, score >> l.shift AS key, COUNT(*) AS n
       FROM scores, (SELECT 0 AS level, 0 AS shift UNION ALL SELECT 1, 10 UNION ALL SELECT 2, 20) l
       GROUP BY guild_id, board, l.level, score >> l.shift
     )
     SELECT COALESCE(x.board, c.board) AS board, COALESCE(x.level, c.level) AS level, COALESCE(x.key, c.key) AS key,
            x.n AS expected, c.n AS stored
     FROM expected x FULL OUTER JOIN rank_counts c
       ON c.guild_id = x.guild_id AND c.board = x.board AND c.level = x.level AND c.key = x.key
     WHERE COALESCE(x.n, 0) <> COALESCE(c.n, 0)`,
    (r) =>
      `rank count ${String(r.board)} level ${String(r.level)} key ${String(r.key)}: stored ${String(r.stored ?? 0)}, members give ${String(r.expected ?? 0)}`,
  );

  check(
    'analytics rollup day totals equal the entries up to its watermark',
    `WITH journal AS (
       SELECT guild_id, created_at / 86400000 AS day, kind, SUM(amount) AS amount, COUNT(*) AS entries FROM transfers
        WHERE id <= COALESCE((SELECT watermark FROM ledger_rollup WHERE id = 1), 0) GROUP BY 1, 2, 3
     )
     SELECT COALESCE(j.guild_id, d.guild_id) AS guild_id, COALESCE(j.day, d.day) AS day, COALESCE(j.kind, d.kind) AS kind,
            j.amount AS expected, d.amount AS stored
     FROM journal j FULL OUTER JOIN ledger_days d ON d.guild_id = j.guild_id AND d.day = j.day AND d.kind = j.kind
     WHERE COALESCE(j.amount, 0) <> COALESCE(d.amount, 0) OR COALESCE(j.entries, 0) <> COALESCE(d.entries, 0)`,
    (r) =>
      `rollup day ${String(r.day)} ${String(r.kind)} in guild ${String(r.guild_id)}: stored ${String(r.stored ?? 0)}, entries give ${String(r.expected ?? 0)}`,
  );
  check(
    'analytics rollup earnings per member equal the entries up to its watermark',
    `WITH journal AS (${ACCOUNT_EARNED('t.id <= COALESCE((SELECT watermark FROM ledger_rollup WHERE id = 1), 0)')})
     SELECT COALESCE(j.account_id, e.account_id) AS account_id, COALESCE(j.kind, e.kind) AS kind,
            j.sparks AS expected, e.sparks AS stored
     FROM journal j FULL OUTER JOIN ledger_account_earned e ON e.account_id = j.account_id AND e.kind = j.kind
     WHERE COALESCE(j.sparks, 0) <> COALESCE(e.sparks, 0)`,
    (r) =>
      `rollup earnings of account ${String(r.account_id)} from ${String(r.kind)}: stored ${String(r.stored ?? 0)}, entries give ${String(r.expected ?? 0)}`,
  );
  check(
    'analytics rollup traders are the members credited a trade up to its watermark',
    `WITH journal AS (${TRADERS('t.id <= COALESCE((SELECT watermark FROM ledger_rollup WHERE id = 1), 0)')})
     SELECT guild_id, ref AS user_id, 'missing' AS what FROM journal
      WHERE NOT EXISTS (SELECT 1 FROM ledger_traders x WHERE x.guild_id = journal.guild_id AND x.user_id = journal.ref)
     UNION ALL
     SELECT x.guild_id, x.user_id, 'extra' FROM ledger_traders x
      WHERE NOT EXISTS (SELECT 1 FROM journal j WHERE j.guild_id = x.guild_id AND j.ref = x.user_id)`,
    (r) => `rollup trader ${String(r.user_id)} in guild ${String(r.guild_id)} is ${String(r.what)}`,
  );
  check(
    'analytics referral funnel equals the referrals and the entries up to its watermark',
    `WITH w AS (SELECT COALESCE((SELECT watermark FROM ledger_rollup WHERE id = 1), 0) AS id),
     credited AS (
       SELECT DISTINCT m.guild_id, m.ref FROM transfers t JOIN accounts m ON m.id = t.credit_account_id AND m.type = 'member'
        WHERE t.id <= (SELECT id FROM w) AND t.kind = 'platform.referral'),
     expected AS (
       SELECT r.guild_id, COUNT(*) AS registered,
              SUM(CASE WHEN EXISTS (SELECT 1 FROM transfers t JOIN accounts m ON m.id = t.credit_account_id AND m.type = 'member'
                           WHERE m.guild_id = r.guild_id AND m.ref = r.invitee_user_id
                             AND t.kind = 'platform.trade' AND t.id <= (SELECT id FROM w)) THEN 1 ELSE 0 END) AS traded,
              (SELECT COUNT(*) FROM credited c WHERE c.guild_id = r.guild_id AND EXISTS (
                 SELECT 1 FROM referrals x WHERE x.guild_id = c.guild_id AND x.referrer_user_id = c.ref)) AS credited
         FROM referrals r GROUP BY r.guild_id)
     SELECT COALESCE(x.guild_id, f.guild_id) AS guild_id,
            x.registered || '/' || x.traded || '/' || x.credited AS expected,
            f.registered || '/' || f.traded || '/' || f.credited AS stored
       FROM expected x FULL OUTER JOIN ledger_referral_funnel f ON f.guild_id = x.guild_id
      WHERE COALESCE(x.registered, 0) <> COALESCE(f.registered, 0) OR COALESCE(x.traded, 0) <> COALESCE(f.traded, 0)
         OR COALESCE(x.credited, 0) <> COALESCE(f.credited, 0)`,
    (r) =>
      `referral funnel of guild ${String(r.guild_id)} (registered/traded/credited): stored ${String(r.stored ?? '0/0/0')}, referrals give ${String(r.expected ?? '0/0/0')}`,
  );
  check(
    'analytics rollup earner counts equal their earners',
    `SELECT * FROM (SELECT 'day ' || c.day AS what, c.earners AS stored,
            (SELECT COUNT(*) FROM ledger_day_earners e WHERE e.guild_id = c.guild_id AND e.day = c.day) AS counted
       FROM ledger_earner_days c
     UNION ALL
     SELECT 'week ' || c.week, c.earners,
            (SELECT COUNT(*) FROM ledger_week_earners e WHERE e.guild_id = c.guild_id AND e.week = c.week AND e.earned > 0)
       FROM ledger_earner_weeks c) x WHERE x.stored <> x.counted`,
    (r) => `rollup earners of ${String(r.what)}: stored ${String(r.stored)}, counted ${String(r.counted)}`,
  );

  // A streak counts qualifying days from started_day to last_day (freeze-covered days do not
  // count): every member with a qualifying entry up to the fold's watermark has a row whose
  // last day is their last one, and whose length is at most the qualifying days in its span
  // (at most: an entry posted after a later one with an earlier day, a clock set back, is not
  // counted into a streak that already passed that day).
  check(
    'streaks equal the qualifying entries up to their watermark',
    `WITH days AS (${QUALIFYING_DAYS('t.id <= COALESCE((SELECT watermark FROM streak_fold WHERE id = 1), 0)')}),
          -- One join and one GROUP BY: each member's qualifying days beside their streak row
          -- (at most one), folded per member. Not a count per streak: PostgreSQL misjudges a
          -- CTE's size and then nests loops over it.
          joined AS (SELECT COALESCE(d.guildId, r.guild_id) AS guild_id, COALESCE(d.userId, r.user_id) AS user_id,
                            d.day, r.started_day, r.last_day, r.current
                       FROM days d FULL OUTER JOIN member_streaks r ON r.guild_id = d.guildId AND r.user_id = d.userId)
     SELECT guild_id, user_id, MAX(day) AS expected, MAX(last_day) AS stored, MAX(current) AS current,
            SUM(CASE WHEN day BETWEEN started_day AND last_day THEN 1 ELSE 0 END) AS counted
       FROM joined GROUP BY guild_id, user_id
     HAVING MAX(day) IS DISTINCT FROM MAX(last_day)
         OR MAX(current) > SUM(CASE WHEN day BETWEEN started_day AND last_day THEN 1 ELSE 0 END)`,
    (r) =>
      `streak of ${String(r.user_id)} in guild ${String(r.guild_id)}: last day ${String(r.stored ?? '—')} (entries give ${String(r.expected ?? '—')}), length ${String(r.current ?? 0)} with ${String(r.counted ?? 0)} qualifying day(s) in its span`,
  );
}

/** The report as a few readable lines. */
export function formatReport(report: VerifyReport): string {
  const lines = [
    `Sparks ledger verification: ${report.ok ? 'CLEAN' : 'VIOLATIONS FOUND'}`,
    `  ${report.stats.guilds} guild(s), ${report.stats.accounts} account(s), ${report.stats.transfers} entries, ${report.stats.openHolds} open hold(s)`,
  ];
  for (const c of report.checks) {
    lines.push(`  [${c.ok ? ' ok ' : 'FAIL'}] ${c.name}`);
    for (const p of c.problems) lines.push(`         - ${p}`);
  }
  return lines.join('\n');
}
