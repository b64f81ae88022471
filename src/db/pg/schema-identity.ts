/**
 * The identity tables on PostgreSQL (issue 22): tiers (`tier_roles`, `tier_grants`), wallets
 * (`wallets`, `wallet_nonces`) and Linked Roles (`role_connections`). The same names,
 * columns, NOT NULLs, CHECKs, uniques and indexes as the SQLite schema (src/db/schema.ts,
 * whose comments say what each column holds; a text enum has a CHECK exactly where SQLite
 * has one); times in ms, ids and thresholds are int8 (within 2^53, read as JS numbers). No
 * triggers: SQLite has none on these tables.
 */
import { sql } from 'drizzle-orm';
import { check, index, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { WALLET_CHAINS } from '../schema.ts';
import { int8 } from './columns.ts';

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
    status: text('status', { enum: ['granted', 'revoked'] }).notNull(),
    updatedAt: int8('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId, t.roleId] })],
);

/**
 * Wallets members proved they hold by signing. The partial unique index is what makes a
 * wallet one member's per guild while linked; unlinking stamps `unlinked_at`.
 */
export const wallets = pgTable(
  'wallets',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    chain: text('chain', { enum: WALLET_CHAINS }).notNull(),
    address: text('address').notNull(),
    nonce: text('nonce').notNull(),
    linkedAt: int8('linked_at').notNull(),
    unlinkedAt: int8('unlinked_at'),
  },
  (t) => [
    uniqueIndex('wallets_linked_address')
      .on(t.guildId, t.chain, t.address)
      .where(sql`unlinked_at IS NULL`),
    index('wallets_member').on(t.guildId, t.userId, t.unlinkedAt),
    check('wallets_chain', sql`${t.chain} IN ('evm','solana')`),
  ],
);

/** Single-use challenges for linking a wallet; `used_at` is stamped by the link that spends it. */
export const walletNonces = pgTable(
  'wallet_nonces',
  {
    nonce: text('nonce').primaryKey(),
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    chain: text('chain', { enum: WALLET_CHAINS }).notNull(),
    address: text('address').notNull(),
    issuedAt: int8('issued_at').notNull(),
    expiresAt: int8('expires_at').notNull(),
    usedAt: int8('used_at'),
  },
  (t) => [index('wallet_nonces_expiry').on(t.expiresAt)],
);

/**
 * Linked Roles: a member's Discord role connection, one row per user (Discord keeps one per
 * user and application): the guild it shows, the sealed OAuth2 tokens, and what was last
 * pushed.
 */
export const roleConnections = pgTable(
  'role_connections',
  {
    userId: text('user_id').primaryKey(),
    guildId: text('guild_id').notNull(),
    username: text('username').notNull(),
    accessToken: text('access_token').notNull(),
    refreshToken: text('refresh_token').notNull(),
    expiresAt: int8('expires_at').notNull(),
    scope: text('scope').notNull(),
    memberSince: int8('member_since').notNull(),
    pushedValues: text('pushed_values'),
    pushedHash: text('pushed_hash'),
    pushedAt: int8('pushed_at'),
    lastError: text('last_error'),
    lastErrorAt: int8('last_error_at'),
    connectedAt: int8('connected_at').notNull(),
    updatedAt: int8('updated_at').notNull(),
  },
  (t) => [
    index('role_connections_guild').on(t.guildId, t.userId),
    check('role_connections_error_length', sql`char_length(${t.lastError}) <= 500`),
  ],
);
