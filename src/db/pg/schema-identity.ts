/**
 * The identity tables on PostgreSQL (issue 22): tiers (`tier_roles`, `tier_grants`), wallets
 * (`wallets`, `wallet_nonces`) and Linked Roles (`role_connections`). The same names,
 * columns, NOT NULLs, CHECKs, uniques and indexes as the SQLite schema (src/db/schema.ts,
 * whose comments say what each column holds); times in ms and thresholds are int8 (within
 * 2^53, read as JS numbers). A text enum gets the CHECK SQLite leaves to the app, as the
 * ledger's tables do here. No triggers: SQLite has none on these tables.
 */
import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

const int8 = (name: string) => bigint(name, { mode: 'number' });

export const TIER_GRANT_STATUSES = ['granted', 'revoked'] as const;

export const tierRoles = pgTable(
  'tier_roles',
  {
    guildId: text('guild_id').notNull(),
    roleId: text('role_id').notNull(),
    threshold: int8('threshold').notNull(),
    createdAt: int8('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.roleId] }),
    index('tier_roles_threshold').on(t.guildId, t.threshold),
    check('tier_roles_threshold_range', sql`${t.threshold} BETWEEN 1 AND 9007199254740991`),
  ],
);

/** A tier role the bot granted once; never granted again, so a manual removal sticks. */
export const tierGrants = pgTable(
  'tier_grants',
  {
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    roleId: text('role_id').notNull(),
    status: text('status', { enum: TIER_GRANT_STATUSES }).notNull(),
    updatedAt: int8('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.userId, t.roleId] }),
    check('tier_grants_status', sql`${t.status} IN ('granted', 'revoked')`),
  ],
);
