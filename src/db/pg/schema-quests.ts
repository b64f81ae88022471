/**
 * The streak tables (`member_streaks`, `streak_fold`) on PostgreSQL (issue 22); the shop
 * tables the streak fold reads (`rewards`, `redemptions`: a fulfilled streak_freeze
 * redemption is a freeze gained) are the shop's, in schema-shop.ts. The same names, columns, NOT NULLs, defaults, CHECKs,
 * uniques and indexes as the SQLite schema (src/db/schema.ts, whose comments say what each
 * column holds). Times in ms and ids are int8 (within 2^53, read as JS numbers); small
 * bounded values integer. SQLite's `typeof(...) = 'integer'` CHECKs have no counterpart: a
 * typed column refuses a fraction or text as input. A text enum gets the CHECK SQLite
 * leaves to the app, as the ledger's tables do. No triggers: SQLite has none on these tables.
 */
import { sql } from 'drizzle-orm';
import { check, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { int8 } from './columns.ts';

export const memberStreaks = pgTable(
  'member_streaks',
  {
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    current: integer('current').notNull(),
    best: integer('best').notNull(),
    lastDay: integer('last_day').notNull(),
    startedDay: integer('started_day').notNull(),
    freezesHeld: integer('freezes_held').notNull(),
    freezesUsed: integer('freezes_used').notNull(),
    freezeSeen: int8('freeze_seen').notNull(),
    updatedAt: int8('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.userId] }),
    check(
      'member_streaks_counts',
      sql`${t.current} >= 0 AND ${t.best} >= ${t.current} AND ${t.freezesUsed} >= 0`,
    ),
    check('member_streaks_days', sql`${t.startedDay} <= ${t.lastDay}`),
    check('member_streaks_freezes', sql`${t.freezesHeld} BETWEEN 0 AND 2`),
  ],
);

export const streakFold = pgTable(
  'streak_fold',
  {
    id: integer('id').primaryKey(),
    watermark: int8('watermark').notNull(),
    updatedAt: int8('updated_at').notNull(),
  },
  (t) => [
    check('streak_fold_single', sql`${t.id} = 1`),
    check('streak_fold_watermark', sql`${t.watermark} >= 0`),
  ],
);
