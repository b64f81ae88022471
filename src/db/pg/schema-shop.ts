/**
 * The shop's tables on PostgreSQL (issue 22): `rewards` (the catalogue, its stock a column)
 * and `redemptions`. The same names, columns, NOT NULLs, defaults, CHECKs, uniques and
 * indexes as the SQLite schema (src/db/schema.ts, whose comments say what each column
 * holds). Ids and times are int8 (within 2^53, read as JS numbers); costs, stock and the
 * other bounded values are integer. A text enum gets the CHECK SQLite has or leaves to the
 * app. No triggers: SQLite has none on these tables; the stock and status rules are the
 * guarded UPDATEs of src/db/pg/shop-store.ts.
 */
import { sql } from 'drizzle-orm';
import { type AnyPgColumn, check, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { REDEMPTION_STATUSES, REWARD_KINDS } from '../schema.ts';
import { transfers } from './schema.ts';
import { int8, list } from './columns.ts';

export const rewards = pgTable(
  'rewards',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    guildId: text('guild_id').notNull(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    description: text('description').notNull().default(''),
    cost: integer('cost').notNull(),
    kind: text('kind', { enum: REWARD_KINDS }).notNull(),
    roleId: text('role_id'),
    stock: integer('stock'),
    perMemberLimit: integer('per_member_limit'),
    durationSeconds: integer('duration_seconds'),
    inputLabel: text('input_label'),
    inputKind: text('input_kind'),
    imageUrl: text('image_url'),
    requiredRoleId: text('required_role_id'),
    minMemberDays: integer('min_member_days'),
    minAccountDays: integer('min_account_days'),
    verifiedWallet: integer('verified_wallet').notNull().default(0),
    requiresWallet: text('requires_wallet'),
    enabled: integer('enabled').notNull().default(1),
    disabledReason: text('disabled_reason'),
    removedAt: int8('removed_at'),
    createdBy: text('created_by').notNull(),
    createdAt: int8('created_at').notNull(),
    updatedAt: int8('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('rewards_live_name')
      .on(t.guildId, t.nameKey)
      .where(sql`removed_at IS NULL`),
    check('rewards_cost', sql`${t.cost} BETWEEN 1 AND 1000000000`),
    check('rewards_stock', sql`${t.stock} IS NULL OR ${t.stock} >= 0`),
    check('rewards_limit', sql`${t.perMemberLimit} IS NULL OR ${t.perMemberLimit} >= 1`),
    check('rewards_kind', sql`${t.kind} IN (${list(REWARD_KINDS)})`),
    check('rewards_role_kind', sql`${t.kind} <> 'role' OR ${t.roleId} IS NOT NULL`),
  ],
);

export const redemptions = pgTable(
  'redemptions',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    rewardId: int8('reward_id')
      .notNull()
      .references((): AnyPgColumn => rewards.id),
    cost: integer('cost').notNull(),
    holdTransferId: int8('hold_transfer_id').references((): AnyPgColumn => transfers.id),
    source: text('source'),
    status: text('status', { enum: REDEMPTION_STATUSES }).notNull(),
    input: text('input'),
    walletAddress: text('wallet_address'),
    idempotencyKey: text('idempotency_key').notNull(),
    failureCode: text('failure_code'),
    resolvedBy: text('resolved_by'),
    createdAt: int8('created_at').notNull(),
    updatedAt: int8('updated_at').notNull(),
    resolvedAt: int8('resolved_at'),
    expiresAt: int8('expires_at'),
    roleRemovedAt: int8('role_removed_at'),
    memberNotifiedAt: int8('member_notified_at'),
  },
  (t) => [
    uniqueIndex('redemptions_idempotency').on(t.guildId, t.idempotencyKey),
    // Covering for the analytics' redemptions by reward, as on SQLite.
    index('redemptions_status_reward').on(t.guildId, t.status, t.createdAt, t.rewardId, t.cost),
    index('redemptions_member').on(t.guildId, t.userId, t.rewardId),
    index('redemptions_expiry')
      .on(t.expiresAt)
      .where(sql`expires_at IS NOT NULL AND role_removed_at IS NULL`),
    check('redemptions_status_values', sql`${t.status} IN (${list(REDEMPTION_STATUSES)})`),
  ],
);
