/**
 * The campaign tables on PostgreSQL (campaigns, campaign_claims, campaign_gate_notices):
 * the same names, columns, defaults, CHECKs and keys as the SQLite schema
 * (src/db/schema.ts), typed as src/db/pg/schema.ts types the ledger's: int8 for ids, times
 * and sums (budget, granted, claims), integer for the small bounded values (sparks, caps,
 * days, flags). SQLite has no triggers on these tables, so neither has PostgreSQL; the
 * status and end reason are TypeScript enums there without a CHECK, and so here.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { transfers } from './schema.ts';
import { int8 } from './columns.ts';

export const campaigns = pgTable(
  'campaigns',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    guildId: text('guild_id').notNull(),
    channelId: text('channel_id').notNull(),
    messageId: text('message_id').notNull(),
    /** Unicode emoji itself, or the custom emoji id. */
    emojiKey: text('emoji_key').notNull(),
    /** How to show it: the unicode emoji or `<:name:id>`. */
    emojiDisplay: text('emoji_display').notNull(),
    name: text('name').notNull(),
    sparks: integer('sparks').notNull(),
    endsAt: int8('ends_at'),
    maxClaims: integer('max_claims'),
    budget: int8('budget'),
    requiredRoleId: text('required_role_id'),
    minMemberDays: integer('min_member_days'),
    /** Whole days since the Discord account was created (from its id); NULL = no gate. */
    minAccountDays: integer('min_account_days'),
    /** 1: only members with a linked wallet (SPEC §11) may earn. */
    verifiedWallet: integer('verified_wallet').notNull().default(0),
    revokeOnUnreact: integer('revoke_on_unreact').notNull().default(0),
    status: text('status', { enum: ['active', 'ended'] })
      .notNull()
      .default('active'),
    endReason: text('end_reason', { enum: ['time', 'cap', 'budget', 'moderator'] }),
    claims: int8('claims').notNull().default(0),
    granted: int8('granted').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: int8('created_at').notNull(),
    endedAt: int8('ended_at'),
    summaryPostedAt: int8('summary_posted_at'),
  },
  (t) => [
    index('campaigns_message').on(t.guildId, t.messageId, t.status),
    index('campaigns_status').on(t.status, t.endsAt),
    check('campaigns_sparks', sql`${t.sparks} BETWEEN 1 AND 1000000000`),
    check(
      'campaigns_caps',
      sql`(${t.maxClaims} IS NULL OR ${t.maxClaims} >= 1) AND (${t.budget} IS NULL OR ${t.budget} >= 1)`,
    ),
    check('campaigns_counts', sql`${t.claims} >= 0 AND ${t.granted} >= 0`),
  ],
);

export const campaignClaims = pgTable(
  'campaign_claims',
  {
    campaignId: int8('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    userId: text('user_id').notNull(),
    transferId: int8('transfer_id')
      .notNull()
      .references(() => transfers.id),
    createdAt: int8('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.userId] })],
);

/** Members a campaign's gates refused, told once per campaign (SPEC §11): the first refusal's gate. */
export const campaignGateNotices = pgTable(
  'campaign_gate_notices',
  {
    campaignId: int8('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    userId: text('user_id').notNull(),
    /** The error code of the gate that refused them (SPARKS.ROLE_REQUIRED, …). */
    gate: text('gate').notNull(),
    createdAt: int8('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.userId] })],
);
