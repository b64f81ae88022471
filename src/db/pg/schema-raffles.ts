/**
 * The raffles' tables on PostgreSQL (issue 22): `raffles`, `raffle_entries` and
 * `raffle_draws`. The same names, columns, NOT NULLs, defaults, CHECKs, uniques and indexes
 * as the SQLite schema (src/db/schema.ts, whose comments say what each column holds). Ids and
 * times are int8; counts, costs and the other bounded values are integer. `status` and
 * `outcome` have no CHECK, as on SQLite (the app writes them). No triggers: SQLite has none
 * on these tables; the status rules are the guarded UPDATEs of src/db/pg/raffle-store.ts.
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
import { RAFFLE_STATUSES } from '../schema.ts';
import { transfers } from './schema.ts';
import { redemptions, rewards } from './schema-shop.ts';
import { int8 } from './columns.ts';

export const raffles = pgTable(
  'raffles',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    guildId: text('guild_id').notNull(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    rewardId: int8('reward_id')
      .notNull()
      .references((): AnyPgColumn => rewards.id),
    winners: integer('winners').notNull(),
    entryCost: integer('entry_cost').notNull(),
    maxEntriesPerMember: integer('max_entries_per_member').notNull(),
    endsAt: int8('ends_at').notNull(),
    requiredRoleId: text('required_role_id'),
    minAccountDays: integer('min_account_days'),
    minMemberDays: integer('min_member_days'),
    verifiedWallet: integer('verified_wallet').notNull().default(0),
    commitment: text('commitment').notNull(),
    seed: text('seed').notNull(),
    seedRevealed: integer('seed_revealed').notNull().default(0),
    status: text('status', { enum: RAFFLE_STATUSES }).notNull().default('open'),
    entries: integer('entries').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: int8('created_at').notNull(),
    closedAt: int8('closed_at'),
    closedBy: text('closed_by'),
    announcedAt: int8('announced_at'),
  },
  (t) => [
    uniqueIndex('raffles_open_name')
      .on(t.guildId, t.nameKey)
      .where(sql`status = 'open'`),
    index('raffles_guild').on(t.guildId, t.status, t.endsAt),
    check('raffles_winners', sql`${t.winners} BETWEEN 1 AND 100`),
    check('raffles_cost', sql`${t.entryCost} BETWEEN 0 AND 1000000000`),
    check('raffles_max', sql`${t.maxEntriesPerMember} BETWEEN 1 AND 1000`),
    check('raffles_entries', sql`${t.entries} >= 0`),
  ],
);

export const raffleEntries = pgTable(
  'raffle_entries',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    raffleId: int8('raffle_id')
      .notNull()
      .references((): AnyPgColumn => raffles.id),
    userId: text('user_id').notNull(),
    count: integer('count').notNull(),
    holdTransferId: int8('hold_transfer_id').references((): AnyPgColumn => transfers.id),
    idempotencyKey: text('idempotency_key').notNull(),
    createdAt: int8('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('raffle_entries_key').on(t.raffleId, t.idempotencyKey),
    index('raffle_entries_member').on(t.raffleId, t.userId),
    check('raffle_entries_count', sql`${t.count} >= 1`),
  ],
);

export const raffleDraws = pgTable(
  'raffle_draws',
  {
    raffleId: int8('raffle_id')
      .notNull()
      .references((): AnyPgColumn => raffles.id),
    step: integer('step').notNull(),
    userId: text('user_id').notNull(),
    ticket: integer('ticket').notNull(),
    outcome: text('outcome', { enum: ['won', 'left', 'lost_role', 'flagged'] }).notNull(),
    redemptionId: int8('redemption_id').references((): AnyPgColumn => redemptions.id),
  },
  (t) => [primaryKey({ columns: [t.raffleId, t.step] })],
);
