/**
 * The seasons' prize tables on PostgreSQL (issue 22): `season_prizes` and `season_results`
 * (`seasons` itself is in schema.ts, since the ledger's season triggers read it). The same
 * names, columns, NOT NULLs, defaults, CHECKs, uniques and indexes as the SQLite schema
 * (src/db/schema.ts, whose comments say what each column holds). Ids and times are int8;
 * ranks, positions and prize amounts are integer. No triggers of their own: the season
 * board's triggers on `transfers` are in drizzle-pg/0001_ledger_triggers.sql.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { SEASON_ROLE_STATUSES } from '../schema.ts';
import { seasons, transfers } from './schema.ts';
import { int8, list } from './columns.ts';

export const seasonPrizes = pgTable(
  'season_prizes',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    seasonId: int8('season_id')
      .notNull()
      .references((): AnyPgColumn => seasons.id),
    rankFrom: integer('rank_from').notNull(),
    rankTo: integer('rank_to').notNull(),
    sparks: integer('sparks'),
    roleId: text('role_id'),
    badge: text('badge'),
    createdBy: text('created_by').notNull(),
    createdAt: int8('created_at').notNull(),
    updatedAt: int8('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('season_prizes_range').on(t.seasonId, t.rankFrom),
    check(
      'season_prizes_ranks',
      sql`${t.rankFrom} >= 1 AND ${t.rankTo} >= ${t.rankFrom} AND ${t.rankTo} <= 1000`,
    ),
    check('season_prizes_sparks', sql`${t.sparks} IS NULL OR ${t.sparks} BETWEEN 1 AND 1000000000`),
    check(
      'season_prizes_something',
      sql`${t.sparks} IS NOT NULL OR ${t.roleId} IS NOT NULL OR ${t.badge} IS NOT NULL`,
    ),
  ],
);

export const seasonResults = pgTable(
  'season_results',
  {
    seasonId: int8('season_id')
      .notNull()
      .references((): AnyPgColumn => seasons.id),
    position: integer('position').notNull(),
    userId: text('user_id').notNull(),
    score: int8('score').notNull(),
    reachedTransferId: int8('reached_transfer_id').notNull(),
    rank: integer('rank'),
    skipReason: text('skip_reason', { enum: ['left', 'excluded', 'flagged'] }),
    prizeId: int8('prize_id').references((): AnyPgColumn => seasonPrizes.id),
    sparks: integer('sparks'),
    sparksTransferId: int8('sparks_transfer_id').references((): AnyPgColumn => transfers.id),
    roleId: text('role_id'),
    roleStatus: text('role_status', { enum: SEASON_ROLE_STATUSES }).notNull().default('none'),
    roleFailure: text('role_failure'),
    badge: text('badge'),
    updatedAt: int8('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.seasonId, t.position] }),
    uniqueIndex('season_results_member').on(t.seasonId, t.userId),
    index('season_results_user').on(t.userId, t.seasonId),
    check('season_results_rank', sql`(${t.rank} IS NULL) <> (${t.skipReason} IS NULL)`),
    check(
      'season_results_skip_reason',
      sql`${t.skipReason} IS NULL OR ${t.skipReason} IN ('left', 'excluded', 'flagged')`,
    ),
    check('season_results_role_status', sql`${t.roleStatus} IN (${list(SEASON_ROLE_STATUSES)})`),
  ],
);
