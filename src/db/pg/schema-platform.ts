/**
 * The platform area's tables on PostgreSQL (see schema.ts for how int8/integer are chosen):
 * the outbox of outbound events (OutboxStore / PgOutboxStore), and `platform_events`,
 * `referrals` and `meta` (PlatformStore / PgPlatformStore). The same names, columns, NOT
 * NULLs, defaults, CHECKs, primary keys and indexes as the SQLite schema (src/db/schema.ts).
 * `referrals` is created without SQLite's `referrals_funnel` trigger (it feeds the ledger
 * rollup's referral funnel, which is not on PostgreSQL yet).
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { int8 } from './columns.ts';

/** Outbound platform events, delivered at least once, in order per member. */
export const outbox = pgTable(
  'outbox',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    type: text('type').notNull(),
    payload: text('payload').notNull(),
    createdAt: int8('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: int8('next_attempt_at').notNull(),
    deliveredAt: int8('delivered_at'),
    lastError: text('last_error'),
  },
  (t) => [
    index('outbox_pending')
      .on(t.nextAttemptAt)
      .where(sql`delivered_at IS NULL`),
    index('outbox_member').on(t.guildId, t.userId, t.id),
  ],
);

/** Inbound platform events, kept by id so a repeated delivery is recognised. */
export const platformEvents = pgTable(
  'platform_events',
  {
    id: text('id').primaryKey(),
    guildId: text('guild_id').notNull(),
    type: text('type').notNull(),
    payloadHash: text('payload_hash').notNull(),
    sparks: int8('sparks').notNull().default(0),
    receivedAt: int8('received_at').notNull(),
  },
  (t) => [index('platform_events_guild').on(t.guildId, t.receivedAt)],
);

/** Who referred whom, once per invitee and guild. */
export const referrals = pgTable(
  'referrals',
  {
    guildId: text('guild_id').notNull(),
    inviteeUserId: text('invitee_user_id').notNull(),
    referrerUserId: text('referrer_user_id').notNull(),
    eventId: text('event_id').notNull(),
    createdAt: int8('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.inviteeUserId] }),
    index('referrals_referrer').on(t.guildId, t.referrerUserId),
    check('referrals_not_self', sql`${t.inviteeUserId} <> ${t.referrerUserId}`),
  ],
);

/** Key/value facts with no table of their own (first-subscription markers, …). */
export const meta = pgTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: int8('updated_at').notNull(),
});
