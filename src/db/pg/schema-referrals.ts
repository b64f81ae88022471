/**
 * Referral quality's tables on PostgreSQL (SPEC §11): `referral_qualification` and
 * `referral_shares` (ReferralStore / PgReferralStore). The same names, columns, NOT NULLs,
 * defaults, CHECKs, primary key, uniques and indexes as the SQLite schema (src/db/schema.ts,
 * whose comments say what each column holds). Times, volumes in cents and ids are int8; a
 * share's amount is integer (1 to 1,000,000,000, as a transfer's). `referrals` itself is the
 * platform area's (schema-platform.ts). No triggers: SQLite has none on these tables.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { REFERRAL_SHARE_STATUSES, REFERRAL_STATUSES } from '../schema.ts';
import { int8 } from './columns.ts';
import { transfers } from './schema.ts';

export const referralQualification = pgTable(
  'referral_qualification',
  {
    guildId: text('guild_id').notNull(),
    inviteeUserId: text('invitee_user_id').notNull(),
    status: text('status', { enum: REFERRAL_STATUSES }).notNull(),
    volumeCents: int8('volume_cents').notNull().default(0),
    qualifyVolumeCents: int8('qualify_volume_cents').notNull(),
    qualifyBy: int8('qualify_by').notNull(),
    createdAt: int8('created_at').notNull(),
    settledAt: int8('settled_at'),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.inviteeUserId] }),
    index('referral_qualification_due')
      .on(t.qualifyBy)
      .where(sql`status = 'pending'`),
    check('referral_qualification_status', sql`${t.status} IN ('pending','qualified','lapsed')`),
    check('referral_qualification_numbers', sql`${t.volumeCents} >= 0 AND ${t.qualifyVolumeCents} >= 0`),
    check('referral_qualification_settled', sql`(${t.status} = 'pending') = (${t.settledAt} IS NULL)`),
  ],
);

export const referralShares = pgTable(
  'referral_shares',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    guildId: text('guild_id').notNull(),
    referrerUserId: text('referrer_user_id').notNull(),
    inviteeUserId: text('invitee_user_id').notNull(),
    eventId: text('event_id').notNull(),
    kind: text('kind', { enum: ['trade', 'first_subscription'] }).notNull(),
    amount: integer('amount').notNull(),
    status: text('status', { enum: REFERRAL_SHARE_STATUSES }).notNull(),
    transferId: int8('transfer_id').references(() => transfers.id),
    reason: text('reason').notNull(),
    createdAt: int8('created_at').notNull(),
    settledAt: int8('settled_at'),
  },
  (t) => [
    uniqueIndex('referral_shares_event').on(t.guildId, t.eventId),
    index('referral_shares_invitee').on(t.guildId, t.inviteeUserId, t.status),
    index('referral_shares_referrer').on(t.guildId, t.referrerUserId, t.inviteeUserId),
    check('referral_shares_amount', sql`${t.amount} BETWEEN 1 AND 1000000000`),
    check('referral_shares_status', sql`${t.status} IN ('pending','credited','lapsed')`),
    check('referral_shares_settled', sql`(${t.status} = 'pending') = (${t.settledAt} IS NULL)`),
  ],
);
