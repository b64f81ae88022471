/**
 * The streak tables (`member_streaks`, `streak_fold`) on PostgreSQL (issue 22), and the two
 * shop tables the streak fold reads (`rewards`, `redemptions`: a fulfilled streak_freeze
 * redemption is a freeze gained). The same names, columns, NOT NULLs, defaults, CHECKs,
 * uniques and indexes as the SQLite schema (src/db/schema.ts, whose comments say what each
 * column holds). Times in ms and ids are int8 (within 2^53, read as JS numbers); small
 * bounded values integer. SQLite's `typeof(...) = 'integer'` CHECKs have no counterpart: a
 * typed column refuses a fraction or text as input. A text enum gets the CHECK SQLite
 * leaves to the app, as the ledger's tables do. No triggers: SQLite has none on these tables.
 *
 * `rewards` and `redemptions` belong to the shop store; they are here, whole, because the
 * streak store reads them and nothing else has brought them to PostgreSQL yet. The shop's
 * port takes them over unchanged.
 */
import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { REDEMPTION_STATUSES, REWARD_KINDS } from '../schema.ts';
import { transfers } from './schema.ts';

const int8 = (name: string) => bigint(name, { mode: 'number' });

/** `'a','b',…` for a CHECK's IN list. */
const list = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(','));

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
    durationSeconds: int8('duration_seconds'),
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
      .references(() => rewards.id),
    cost: integer('cost').notNull(),
    holdTransferId: int8('hold_transfer_id').references(() => transfers.id),
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
    index('redemptions_status_reward').on(t.guildId, t.status, t.createdAt, t.rewardId, t.cost),
    index('redemptions_member').on(t.guildId, t.userId, t.rewardId),
    index('redemptions_expiry')
      .on(t.expiresAt)
      .where(sql`expires_at IS NOT NULL AND role_removed_at IS NULL`),
    check('redemptions_status_values', sql`${t.status} IN (${list(REDEMPTION_STATUSES)})`),
  ],
);
