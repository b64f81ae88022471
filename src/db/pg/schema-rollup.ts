/**
 * The ledger rollup's tables on PostgreSQL (issue 22): the analytics figures folded from the
 * journal off the write path by `LedgerRollup` (RollupStore / PgRollupStore). The same names,
 * columns, NOT NULLs, CHECKs and primary keys as the SQLite schema (src/db/schema.ts, whose
 * comments say what each table holds; every table covers exactly the entries with id <=
 * `ledger_rollup.watermark`). Days are integer (UTC days since the epoch); sums, counts and
 * ids int8. The `typeof(...) = 'integer'` CHECKs have no counterpart (typed columns refuse
 * anything else). `ledger_earner_weeks.earners` has no `>= 0` CHECK, as on SQLite: a chunk's
 * upsert carries a signed change. The `referrals_funnel` trigger that feeds
 * `ledger_referral_funnel` is plpgsql in its own custom migration (…_rollup_triggers.sql).
 */
import { sql } from 'drizzle-orm';
import { type AnyPgColumn, check, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { TRANSFER_KINDS } from '../schema.ts';
import { int8 } from './columns.ts';
import { accounts } from './schema.ts';

const account = (name: string) =>
  int8(name)
    .notNull()
    .references((): AnyPgColumn => accounts.id);

/** Σ amount and number of entries per UTC day and kind. */
export const ledgerDays = pgTable(
  'ledger_days',
  {
    guildId: text('guild_id').notNull(),
    day: integer('day').notNull(),
    kind: text('kind', { enum: TRANSFER_KINDS }).notNull(),
    amount: int8('amount').notNull(),
    entries: int8('entries').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.day, t.kind] }),
    check('ledger_days_counts', sql`${t.amount} >= 0 AND ${t.entries} >= 1`),
  ],
);

/** The accounts credited by an earning entry on each UTC day (distinct: the key says so). */
export const ledgerDayEarners = pgTable(
  'ledger_day_earners',
  {
    guildId: text('guild_id').notNull(),
    day: integer('day').notNull(),
    accountId: account('account_id'),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.day, t.accountId] })],
);

/** How many rows `ledger_day_earners` holds per day, so a 30-day series reads 30 rows. */
export const ledgerEarnerDays = pgTable(
  'ledger_earner_days',
  {
    guildId: text('guild_id').notNull(),
    day: integer('day').notNull(),
    earners: int8('earners').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.day] }),
    check('ledger_earner_days_integers', sql`${t.earners} >= 0`),
  ],
);

/** A member's net earnings per ISO week (the same sum as earn_periods' 'w:' rows, up to the watermark). */
export const ledgerWeekEarners = pgTable(
  'ledger_week_earners',
  {
    guildId: text('guild_id').notNull(),
    week: text('week').notNull(),
    accountId: account('account_id'),
    earned: int8('earned').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.week, t.accountId] })],
);

/** How many members have positive net earnings per ISO week. */
export const ledgerEarnerWeeks = pgTable(
  'ledger_earner_weeks',
  {
    guildId: text('guild_id').notNull(),
    week: text('week').notNull(),
    earners: int8('earners').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.week] })],
);

/** The kinds of entry that ever credited each account (the referral funnel's "has traded"). */
export const ledgerAccountKinds = pgTable(
  'ledger_account_kinds',
  {
    accountId: account('account_id'),
    kind: text('kind', { enum: TRANSFER_KINDS }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.kind] })],
);

/** Σ earned Sparks per member account and kind (a reversal under the kind it reverses). */
export const ledgerAccountEarned = pgTable(
  'ledger_account_earned',
  {
    accountId: account('account_id'),
    kind: text('kind', { enum: TRANSFER_KINDS }).notNull(),
    sparks: int8('sparks').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.kind] })],
);

/** Members credited a platform trade, by Discord id: the referral funnel's "traded" step. */
export const ledgerTraders = pgTable(
  'ledger_traders',
  {
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] })],
);

/** The referral funnel per guild, kept as counters by the fold and the `referrals_funnel` trigger. */
export const ledgerReferralFunnel = pgTable(
  'ledger_referral_funnel',
  {
    guildId: text('guild_id').primaryKey(),
    registered: int8('registered').notNull(),
    traded: int8('traded').notNull(),
    credited: int8('credited').notNull(),
  },
  (t) => [
    check(
      'ledger_referral_funnel_counts',
      sql`${t.registered} >= 0 AND ${t.traded} >= 0 AND ${t.credited} >= 0`,
    ),
  ],
);

/** The rollup's single row: the last transfer id folded in, and when. */
export const ledgerRollup = pgTable(
  'ledger_rollup',
  {
    id: integer('id').primaryKey(),
    watermark: int8('watermark').notNull(),
    updatedAt: int8('updated_at').notNull(),
  },
  (t) => [
    check('ledger_rollup_single', sql`${t.id} = 1`),
    check('ledger_rollup_watermark', sql`${t.watermark} >= 0`),
  ],
);
