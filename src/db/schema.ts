/**
 * The database's tables and indexes, as drizzle sees them (drizzle-kit generates migrations
 * from this file). Ledger invariants that the database itself enforces live here as CHECK
 * constraints and unique indexes. The triggers are not here: drizzle does not model them, so
 * they are written into custom migrations, and later migrations replace earlier ones.
 *
 * What actually runs — tables, indexes and triggers after every migration, each marked with
 * the migration it came from — is `src/db/schema.snapshot.sql`, regenerated and checked by
 * tests/db/schema-snapshot.test.ts. The triggers today come from:
 * - `drizzle/0001_ledger_triggers.sql`: append-only journal (transfers_no_update/_no_delete);
 * - `drizzle/0004_fast_grants.sql`: everything else — the close rules, the balance cache
 *   (transfers_apply), windowed earnings (transfers_earned/_unearned, earn_periods_rank_insert,
 *   accounts_ranked_periods) and the twelve rank_* histogram triggers. Those twelve were
 *   written out by hand; their one template is `src/db/rank-triggers.ts`, and a test pins
 *   its output equal to what runs — read them, and generate any replacement, from there;
 * - `drizzle/0007_explorer_earned.sql`: referrals_funnel (a new referral's step of the
 *   analytics funnel, see ledgerReferralFunnel);
 * - `drizzle/0009_season_triggers.sql`: a running season's board (transfers_season_earned /
 *   _unearned write earn_periods rows 's:<season id>'); `drizzle/0011_streaks.sql` re-created
 *   both to count streak bonuses as quests.
 * The other triggers 0001 and 0003 create were all dropped and replaced by 0004: history only.
 *
 * Snowflakes are TEXT (they exceed 2^53). Times are INTEGER milliseconds since the epoch.
 */
import { sql } from 'drizzle-orm';
import {
  type AnySQLiteColumn,
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

/** Largest balance any account may reach: the largest exactly representable JS integer. */
export const MAX_BALANCE = 9_007_199_254_740_991;
/** Bounds of one ledger entry. */
export const MIN_AMOUNT = 1;
export const MAX_AMOUNT = 1_000_000_000;

export const ACCOUNT_TYPES = ['member', 'issuance', 'campaign', 'hold', 'redeemed'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const accounts = sqliteTable(
  'accounts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    type: text('type', { enum: ACCOUNT_TYPES }).notNull(),
    /** member: the user id; issuance: the source; campaign: the campaign id; hold/redeemed: 'shop'. */
    ref: text('ref').notNull(),
    /** Cached Σ(credits) − Σ(debits), maintained by trigger in the same transaction as the entry. */
    balance: integer('balance').notNull().default(0),
    /** Members only: Sparks earned from issuance or campaign accounts, less what was revoked. */
    lifetimeEarned: integer('lifetime_earned').notNull().default(0),
    /** Members only: 1 while the member is in the guild and holds no leaderboard-excluded role. */
    ranked: integer('ranked').notNull().default(1),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('accounts_guild_type_ref').on(t.guildId, t.type, t.ref),
    index('accounts_rank_balance')
      .on(t.guildId, sql`${t.balance} DESC`, t.id)
      .where(sql`type = 'member' AND ranked = 1`),
    index('accounts_rank_lifetime')
      .on(t.guildId, sql`${t.lifetimeEarned} DESC`, t.id)
      .where(sql`type = 'member' AND ranked = 1`),
    // A member's accounts across guilds (the Linked Roles page finds where they hold Sparks).
    index('accounts_member_ref')
      .on(t.ref, t.guildId)
      .where(sql`type = 'member'`),
    check('accounts_type', sql`${t.type} IN ('member','issuance','campaign','hold','redeemed')`),
    check(
      'accounts_balance_integer',
      sql`typeof(${t.balance}) = 'integer' AND typeof(${t.lifetimeEarned}) = 'integer'`,
    ),
    // Issuance accounts mint: they only ever go negative. Every other account, members
    // included, can never go below zero — this is the "no negative available balance" rule.
    check(
      'accounts_balance_range',
      sql`(${t.type} = 'issuance' AND ${t.balance} BETWEEN -9007199254740991 AND 0) OR (${t.type} <> 'issuance' AND ${t.balance} BETWEEN 0 AND 9007199254740991)`,
    ),
    check('accounts_lifetime_range', sql`${t.lifetimeEarned} BETWEEN 0 AND 9007199254740991`),
    check('accounts_ranked_bool', sql`${t.ranked} IN (0, 1)`),
  ],
);

export const TRANSFER_KINDS = [
  'award',
  'revoke',
  'campaign.fund',
  'campaign.grant',
  'campaign.return',
  'platform.trade',
  'platform.subscription',
  'platform.referral',
  'hold',
  'hold.post',
  'hold.void',
  'reversal',
] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];

export const ACTOR_TYPES = ['member', 'moderator', 'campaign', 'platform', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/**
 * The journal. Each row is one balanced double entry: `amount` leaves the debit account
 * and arrives in the credit account, so Σ balances over all accounts is always zero.
 * Rows are never updated or deleted (triggers refuse it).
 */
export const transfers = sqliteTable(
  'transfers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    kind: text('kind', { enum: TRANSFER_KINDS }).notNull(),
    debitAccountId: integer('debit_account_id')
      .notNull()
      .references(() => accounts.id),
    creditAccountId: integer('credit_account_id')
      .notNull()
      .references(() => accounts.id),
    amount: integer('amount').notNull(),
    /** Exactly-once key: interaction id, campaign+member, platform event id, … */
    idempotencyKey: text('idempotency_key').notNull(),
    /** The entry this one reverses, posts or voids; any entry is closed at most once. */
    closesId: integer('closes_id').references((): AnySQLiteColumn => transfers.id),
    actorType: text('actor_type', { enum: ACTOR_TYPES }).notNull(),
    actorId: text('actor_id').notNull(),
    reason: text('reason').notNull().default(''),
    /** What the entry is about: 'campaign:12', 'redemption:7', 'event:evt_…'. */
    ref: text('ref'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('transfers_idempotency').on(t.guildId, t.idempotencyKey),
    uniqueIndex('transfers_closes_once').on(t.closesId),
    index('transfers_debit').on(t.debitAccountId, t.id),
    index('transfers_credit').on(t.creditAccountId, t.id),
    // The explorer's guild-wide pages seek by (created_at, id), with or without a kind; the
    // daily award limit reads today's awards of the guild through the kind one.
    index('transfers_guild_time').on(t.guildId, t.createdAt, t.id),
    index('transfers_guild_kind_time').on(t.guildId, t.kind, t.createdAt, t.id),
    index('transfers_ref').on(t.ref),
    check('transfers_amount', sql`typeof(${t.amount}) = 'integer' AND ${t.amount} BETWEEN 1 AND 1000000000`),
    check('transfers_distinct_accounts', sql`${t.debitAccountId} <> ${t.creditAccountId}`),
    check('transfers_created_at', sql`typeof(${t.createdAt}) = 'integer' AND ${t.createdAt} > 0`),
    check(
      'transfers_kind',
      sql`${t.kind} IN ('award','revoke','campaign.fund','campaign.grant','campaign.return','platform.trade','platform.subscription','platform.referral','hold','hold.post','hold.void','reversal')`,
    ),
    check('transfers_reason_length', sql`length(${t.reason}) <= 1000`),
  ],
);

/**
 * Sparks earned per member per calendar period ('w:2026-48' ISO week, 'm:2026-11' month,
 * UTC), maintained by trigger so windowed leaderboards read one index range.
 */
export const earnPeriods = sqliteTable(
  'earn_periods',
  {
    guildId: text('guild_id').notNull(),
    period: text('period').notNull(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    earned: integer('earned').notNull(),
    /** Copy of the account's `ranked` (kept by trigger) so a windowed board reads one index. */
    ranked: integer('ranked').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.period, t.accountId] }),
    index('earn_periods_ranked')
      .on(t.guildId, t.period, sql`${t.earned} DESC`, t.accountId)
      .where(sql`ranked = 1 AND earned > 0`),
    index('earn_periods_account').on(t.accountId),
    check('earn_periods_integer', sql`typeof(${t.earned}) = 'integer'`),
  ],
);

/**
 * How many ranked members hold each score on a board ('balance', or a period key like
 * 'w:2026-48'), at three levels: the exact score (level 0), score >> 10 (level 1) and
 * score >> 20 (level 2). Kept by triggers in the write transaction, so a member's rank is
 * three short range sums plus the ties — not a count of everyone ahead. The table is
 * WITHOUT ROWID (drizzle cannot say so; migration 0004 rebuilt it): each change touches
 * one b-tree.
 */
export const rankCounts = sqliteTable(
  'rank_counts',
  {
    guildId: text('guild_id').notNull(),
    board: text('board').notNull(),
    level: integer('level').notNull(),
    key: integer('key').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.board, t.level, t.key] }),
    check('rank_counts_n', sql`${t.n} >= 0`),
    // Not `IN (0, 1, 2)`: SQLite builds a temporary b-tree for an IN list of three or more
    // constants every time the check runs, which is once per rank update in the write path.
    check('rank_counts_level', sql`${t.level} = 0 OR ${t.level} = 1 OR ${t.level} = 2`),
  ],
);

export const guildSettings = sqliteTable(
  'guild_settings',
  {
    guildId: text('guild_id').primaryKey(),
    logChannelId: text('log_channel_id'),
    moderatorRoleId: text('moderator_role_id'),
    dailyAwardLimit: integer('daily_award_limit'),
    leaderboardExcludeRoleId: text('leaderboard_exclude_role_id'),
    imagesEnabled: integer('images_enabled').notNull().default(1),
    /** Sparks per 100 USD of trade volume (default 10 = 1 Spark per whole 10 USD). */
    tradeSparksPer100Usd: integer('trade_sparks_per_100_usd'),
    subscriptionSparks: integer('subscription_sparks'),
    /** JSON object plan → Sparks, overriding subscriptionSparks for that plan. */
    subscriptionPlanSparks: text('subscription_plan_sparks'),
    firstSubscriptionBonus: integer('first_subscription_bonus'),
    referralTradeSharePct: integer('referral_trade_share_pct'),
    referralFirstSubPct: integer('referral_first_sub_pct'),
    platformDailyCap: integer('platform_daily_cap'),
    manualStaleHours: integer('manual_stale_hours'),
    /** 1: the web leaderboard is public; 0: the guild turned it off (`web_leaderboard:false`). */
    webLeaderboard: integer('web_leaderboard').notNull().default(1),
    /** JSON array of [days, sparks] pairs, fewest days first (`streak_milestones`); NULL = none. */
    streakMilestones: text('streak_milestones'),
    // The four identity settings are range-checked by the settings service, not by a CHECK:
    // a new CHECK would make drizzle rebuild this table, which other branches also extend.
    /** Automatic flags (SPEC §11): an invitee younger than this many days is flagged (0 = off; NULL = 7). */
    flagMinAccountDays: integer('flag_min_account_days'),
    /** A referrer with this many fresh-account referrals within a day is flagged (0 = off; NULL = 5). */
    flagFreshReferralsPerDay: integer('flag_fresh_referrals_per_day'),
    /** Referral quality: the invitee's trade volume that makes their referrer's shares count (0 = off; NULL = 100). */
    referralQualifyVolumeUsd: integer('referral_qualify_volume_usd'),
    /** … reached within this many days of the referral (NULL = 30). */
    referralQualifyDays: integer('referral_qualify_days'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    check('guild_settings_daily_limit', sql`${t.dailyAwardLimit} IS NULL OR ${t.dailyAwardLimit} >= 1`),
    check('guild_settings_images', sql`${t.imagesEnabled} IN (0, 1)`),
    check(
      'guild_settings_rates',
      sql`(${t.tradeSparksPer100Usd} IS NULL OR ${t.tradeSparksPer100Usd} BETWEEN 0 AND 1000000)
      AND (${t.subscriptionSparks} IS NULL OR ${t.subscriptionSparks} BETWEEN 0 AND 1000000000)
      AND (${t.firstSubscriptionBonus} IS NULL OR ${t.firstSubscriptionBonus} BETWEEN 0 AND 1000000000)
      AND (${t.referralTradeSharePct} IS NULL OR ${t.referralTradeSharePct} BETWEEN 0 AND 100)
      AND (${t.referralFirstSubPct} IS NULL OR ${t.referralFirstSubPct} BETWEEN 0 AND 100)
      AND (${t.platformDailyCap} IS NULL OR ${t.platformDailyCap} >= 1)`,
    ),
  ],
);

export const tierRoles = sqliteTable(
  'tier_roles',
  {
    guildId: text('guild_id').notNull(),
    roleId: text('role_id').notNull(),
    threshold: integer('threshold').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.roleId] }),
    index('tier_roles_threshold').on(t.guildId, t.threshold),
    check('tier_roles_threshold_range', sql`${t.threshold} BETWEEN 1 AND 9007199254740991`),
  ],
);

/** A tier role the bot granted once; never granted again, so a manual removal sticks. */
export const tierGrants = sqliteTable(
  'tier_grants',
  {
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    roleId: text('role_id').notNull(),
    status: text('status', { enum: ['granted', 'revoked'] }).notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId, t.roleId] })],
);

export const campaigns = sqliteTable(
  'campaigns',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    channelId: text('channel_id').notNull(),
    messageId: text('message_id').notNull(),
    /** Unicode emoji itself, or the custom emoji id. */
    emojiKey: text('emoji_key').notNull(),
    /** How to show it: the unicode emoji or `<:name:id>`. */
    emojiDisplay: text('emoji_display').notNull(),
    name: text('name').notNull(),
    sparks: integer('sparks').notNull(),
    endsAt: integer('ends_at'),
    maxClaims: integer('max_claims'),
    budget: integer('budget'),
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
    claims: integer('claims').notNull().default(0),
    granted: integer('granted').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    endedAt: integer('ended_at'),
    summaryPostedAt: integer('summary_posted_at'),
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

export const campaignClaims = sqliteTable(
  'campaign_claims',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    userId: text('user_id').notNull(),
    transferId: integer('transfer_id')
      .notNull()
      .references(() => transfers.id),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.userId] })],
);

/** Members a campaign's gates refused, told once per campaign (SPEC §11): the first refusal's gate. */
export const campaignGateNotices = sqliteTable(
  'campaign_gate_notices',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    userId: text('user_id').notNull(),
    /** The error code of the gate that refused them (SPARKS.ROLE_REQUIRED, …). */
    gate: text('gate').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.userId] })],
);

/** `streak_freeze`: covers one missed day of the member's streak (src/streaks), at most 2 held. */
export const REWARD_KINDS = ['role', 'badge', 'manual', 'streak_freeze'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

export const rewards = sqliteTable(
  'rewards',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    name: text('name').notNull(),
    /** Lower-cased name for case-insensitive lookup; unique among live rewards. */
    nameKey: text('name_key').notNull(),
    description: text('description').notNull().default(''),
    cost: integer('cost').notNull(),
    kind: text('kind', { enum: REWARD_KINDS }).notNull(),
    roleId: text('role_id'),
    /** Units left; NULL = unlimited. */
    stock: integer('stock'),
    perMemberLimit: integer('per_member_limit'),
    durationSeconds: integer('duration_seconds'),
    inputLabel: text('input_label'),
    /** How manual input is validated: 'text' | 'evm_address' | 'solana_address' | 'wallet' | 'message_link'. */
    inputKind: text('input_kind'),
    /** An https image shown in the web shop (set from the dashboard); NULL = none. */
    imageUrl: text('image_url'),
    requiredRoleId: text('required_role_id'),
    /** Gates (SPEC §11): days in the server, account age, a linked wallet (1). */
    minMemberDays: integer('min_member_days'),
    minAccountDays: integer('min_account_days'),
    verifiedWallet: integer('verified_wallet').notNull().default(0),
    /**
     * Manual rewards: the linked wallet ('evm' | 'solana' | 'any') whose address is filled in
     * on the redemption for the moderators; NULL = none asked.
     */
    requiresWallet: text('requires_wallet'),
    enabled: integer('enabled').notNull().default(1),
    disabledReason: text('disabled_reason'),
    removedAt: integer('removed_at'),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('rewards_live_name')
      .on(t.guildId, t.nameKey)
      .where(sql`removed_at IS NULL`),
    check('rewards_cost', sql`${t.cost} BETWEEN 1 AND 1000000000`),
    check('rewards_stock', sql`${t.stock} IS NULL OR ${t.stock} >= 0`),
    check('rewards_limit', sql`${t.perMemberLimit} IS NULL OR ${t.perMemberLimit} >= 1`),
    check('rewards_kind', sql`${t.kind} IN ('role','badge','manual','streak_freeze')`),
    check('rewards_role_kind', sql`${t.kind} <> 'role' OR ${t.roleId} IS NOT NULL`),
  ],
);

/**
 * A member's own choices about how Sparks shows them (`/sparks privacy`, and their web
 * page): whether the web leaderboard names them.
 */
export const memberPrefs = sqliteTable(
  'member_prefs',
  {
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    leaderboardHidden: integer('leaderboard_hidden').notNull().default(0),
    /** How a completed quest is announced: 'dm' (default), or 'ephemeral' (in the member's next quest reply). */
    questNotices: text('quest_notices', { enum: ['dm', 'ephemeral'] })
      .notNull()
      .default('dm'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.userId] }),
    check('member_prefs_hidden', sql`${t.leaderboardHidden} IN (0, 1)`),
  ],
);

/**
 * Flags (SPEC §11): a member under review by the moderators — who or what raised it, why,
 * and who cleared it and why. At most one open flag per member (a partial unique index);
 * a cleared flag stays as history.
 */
export const memberFlags = sqliteTable(
  'member_flags',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    /** A FlagSource (src/members/flags.ts): 'moderator' or 'auto:…'. */
    source: text('source').notNull(),
    reason: text('reason').notNull(),
    /** The moderator's id; NULL for an automatic flag. */
    raisedBy: text('raised_by'),
    raisedAt: integer('raised_at').notNull(),
    clearedBy: text('cleared_by'),
    clearReason: text('clear_reason'),
    clearedAt: integer('cleared_at'),
  },
  (t) => [
    uniqueIndex('member_flags_open')
      .on(t.guildId, t.userId)
      .where(sql`cleared_at IS NULL`),
    index('member_flags_guild').on(t.guildId, t.raisedAt),
    check('member_flags_source', sql`${t.source} = 'moderator' OR ${t.source} LIKE 'auto:%'`),
    check('member_flags_reason', sql`length(${t.reason}) BETWEEN 1 AND 1000`),
    check(
      'member_flags_cleared',
      sql`(${t.clearedAt} IS NULL) = (${t.clearedBy} IS NULL) AND (${t.clearedAt} IS NULL) = (${t.clearReason} IS NULL)`,
    ),
  ],
);

export const REDEMPTION_STATUSES = ['reserved', 'pending_manual', 'fulfilled', 'refunded'] as const;
export type RedemptionStatus = (typeof REDEMPTION_STATUSES)[number];

export const redemptions = sqliteTable(
  'redemptions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    rewardId: integer('reward_id')
      .notNull()
      .references(() => rewards.id),
    cost: integer('cost').notNull(),
    /** The hold entry reserving the member's Sparks. */
    /** The hold entry reserving the member's Sparks; NULL for a prize (nothing was charged). */
    holdTransferId: integer('hold_transfer_id').references(() => transfers.id),
    /** What handed it out when it was not bought: 'raffle:<id>'; NULL for a purchase. */
    source: text('source'),
    status: text('status', { enum: REDEMPTION_STATUSES }).notNull(),
    input: text('input'),
    /** The member's linked wallet, filled in when the reward requires one (`requires_wallet`). */
    walletAddress: text('wallet_address'),
    idempotencyKey: text('idempotency_key').notNull(),
    failureCode: text('failure_code'),
    resolvedBy: text('resolved_by'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    resolvedAt: integer('resolved_at'),
    /** Role rewards with a duration: when the role comes off. */
    expiresAt: integer('expires_at'),
    roleRemovedAt: integer('role_removed_at'),
    memberNotifiedAt: integer('member_notified_at'),
  },
  (t) => [
    uniqueIndex('redemptions_idempotency').on(t.guildId, t.idempotencyKey),
    // Covering for the analytics' redemptions by reward (a month of a busy shop is ~17,000 rows).
    index('redemptions_status_reward').on(t.guildId, t.status, t.createdAt, t.rewardId, t.cost),
    index('redemptions_member').on(t.guildId, t.userId, t.rewardId),
    index('redemptions_expiry')
      .on(t.expiresAt)
      .where(sql`expires_at IS NOT NULL AND role_removed_at IS NULL`),
    check(
      'redemptions_status_values',
      sql`${t.status} IN ('reserved','pending_manual','fulfilled','refunded')`,
    ),
  ],
);

/** Every accepted platform webhook, keyed by its `webhook-id`: applied at most once, ever. */
export const platformEvents = sqliteTable(
  'platform_events',
  {
    id: text('id').primaryKey(),
    guildId: text('guild_id').notNull(),
    type: text('type').notNull(),
    payloadHash: text('payload_hash').notNull(),
    sparks: integer('sparks').notNull().default(0),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [index('platform_events_guild').on(t.guildId, t.receivedAt)],
);

export const referrals = sqliteTable(
  'referrals',
  {
    guildId: text('guild_id').notNull(),
    inviteeUserId: text('invitee_user_id').notNull(),
    referrerUserId: text('referrer_user_id').notNull(),
    eventId: text('event_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.inviteeUserId] }),
    index('referrals_referrer').on(t.guildId, t.referrerUserId),
    check('referrals_not_self', sql`${t.inviteeUserId} <> ${t.referrerUserId}`),
  ],
);

export const REFERRAL_STATUSES = ['pending', 'qualified', 'lapsed'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/**
 * Referral quality (SPEC §11): whether an invitee has qualified their referrer's shares —
 * trade volume of at least `qualify_volume_cents` before `qualify_by`. The terms are fixed
 * when the referral is registered; a referral without a row (registered before referral
 * quality, or with qualification off) counts as qualified.
 */
export const referralQualification = sqliteTable(
  'referral_qualification',
  {
    guildId: text('guild_id').notNull(),
    inviteeUserId: text('invitee_user_id').notNull(),
    status: text('status', { enum: REFERRAL_STATUSES }).notNull(),
    /** The invitee's trade volume received since the referral, while pending. */
    volumeCents: integer('volume_cents').notNull().default(0),
    qualifyVolumeCents: integer('qualify_volume_cents').notNull(),
    qualifyBy: integer('qualify_by').notNull(),
    createdAt: integer('created_at').notNull(),
    /** When it qualified or lapsed. */
    settledAt: integer('settled_at'),
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

export const REFERRAL_SHARE_STATUSES = ['pending', 'credited', 'lapsed'] as const;
export type ReferralShareStatus = (typeof REFERRAL_SHARE_STATUSES)[number];

/**
 * Each share a referrer earned from one invitee event (a trade, the first subscription):
 * pending until the invitee qualifies, then credited once (the entry keyed
 * `event:<event id>:referral`), or lapsed when the window passes.
 */
export const referralShares = sqliteTable(
  'referral_shares',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    referrerUserId: text('referrer_user_id').notNull(),
    inviteeUserId: text('invitee_user_id').notNull(),
    /** The invitee's platform event the share comes from. */
    eventId: text('event_id').notNull(),
    kind: text('kind', { enum: ['trade', 'first_subscription'] }).notNull(),
    /** The share as computed from the event's Sparks. */
    amount: integer('amount').notNull(),
    status: text('status', { enum: REFERRAL_SHARE_STATUSES }).notNull(),
    /** The entry that credited it; NULL while pending, when lapsed, or when the daily cap left nothing. */
    transferId: integer('transfer_id').references(() => transfers.id),
    reason: text('reason').notNull(),
    createdAt: integer('created_at').notNull(),
    settledAt: integer('settled_at'),
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

/** Outbound platform events, delivered at least once, in order per member. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    type: text('type').notNull(),
    payload: text('payload').notNull(),
    createdAt: integer('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    deliveredAt: integer('delivered_at'),
    lastError: text('last_error'),
  },
  (t) => [
    index('outbox_pending')
      .on(t.nextAttemptAt)
      .where(sql`delivered_at IS NULL`),
    index('outbox_member').on(t.guildId, t.userId, t.id),
  ],
);

/** Runtime facts that must survive restarts (schema version gate, scheduler leases). */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/*
 * The ledger rollup: analytics figures folded from the journal OFF the write path (no
 * trigger: a grant costs what it cost before). `LedgerRollup.catchUp()` folds the entries
 * after `ledger_rollup.watermark` in bounded chunks; each chunk moves the watermark in the
 * same transaction as the rows it adds, so every table below always covers exactly the
 * entries with id <= watermark. Days are UTC days since the epoch (created_at / DAY_MS),
 * weeks ISO week keys ('2026-18', UTC) as earn_periods has them.
 */

/** Σ amount and number of entries per UTC day and kind. */
export const ledgerDays = sqliteTable(
  'ledger_days',
  {
    guildId: text('guild_id').notNull(),
    day: integer('day').notNull(),
    kind: text('kind', { enum: TRANSFER_KINDS }).notNull(),
    amount: integer('amount').notNull(),
    entries: integer('entries').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.day, t.kind] }),
    check(
      'ledger_days_integers',
      sql`typeof(${t.day}) = 'integer' AND typeof(${t.amount}) = 'integer' AND typeof(${t.entries}) = 'integer'`,
    ),
    check('ledger_days_counts', sql`${t.amount} >= 0 AND ${t.entries} >= 1`),
  ],
);

/** The accounts credited by an earning entry on each UTC day (distinct: the key says so). */
export const ledgerDayEarners = sqliteTable(
  'ledger_day_earners',
  {
    guildId: text('guild_id').notNull(),
    day: integer('day').notNull(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.day, t.accountId] }),
    check('ledger_day_earners_day', sql`typeof(${t.day}) = 'integer'`),
  ],
);

/** How many rows `ledger_day_earners` holds per day, so a 30-day series reads 30 rows. */
export const ledgerEarnerDays = sqliteTable(
  'ledger_earner_days',
  {
    guildId: text('guild_id').notNull(),
    day: integer('day').notNull(),
    earners: integer('earners').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.day] }),
    check('ledger_earner_days_integers', sql`typeof(${t.day}) = 'integer' AND ${t.earners} >= 0`),
  ],
);

/** A member's net earnings per ISO week (the same sum as earn_periods' 'w:' rows, up to the watermark). */
export const ledgerWeekEarners = sqliteTable(
  'ledger_week_earners',
  {
    guildId: text('guild_id').notNull(),
    week: text('week').notNull(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    earned: integer('earned').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.week, t.accountId] }),
    check('ledger_week_earners_integer', sql`typeof(${t.earned}) = 'integer'`),
  ],
);

/** How many members have positive net earnings per ISO week. */
export const ledgerEarnerWeeks = sqliteTable(
  'ledger_earner_weeks',
  {
    guildId: text('guild_id').notNull(),
    week: text('week').notNull(),
    earners: integer('earners').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.week] }),
    // Not `>= 0`: a chunk's upsert carries a signed change (a revoke turns a week's net to
    // zero), and SQLite checks the inserted row before it resolves the conflict.
    check('ledger_earner_weeks_count', sql`typeof(${t.earners}) = 'integer'`),
  ],
);

/** The kinds of entry that ever credited each account (the referral funnel's "has traded"). */
export const ledgerAccountKinds = sqliteTable(
  'ledger_account_kinds',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    kind: text('kind', { enum: TRANSFER_KINDS }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.kind] })],
);

/**
 * Σ earned Sparks per member account and kind (a reversal counted under the kind it
 * reverses; the earning rule of `movesLifetime`): the member page's earnings by source,
 * read as these rows plus the member's entries after the watermark.
 */
export const ledgerAccountEarned = sqliteTable(
  'ledger_account_earned',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    kind: text('kind', { enum: TRANSFER_KINDS }).notNull(),
    sparks: integer('sparks').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.kind] }),
    check('ledger_account_earned_integer', sql`typeof(${t.sparks}) = 'integer'`),
  ],
);

/**
 * Members credited a platform trade, by Discord id: the referral funnel's "traded" step,
 * one probe per referral (its invitee) instead of an account lookup and a kind probe.
 */
export const ledgerTraders = sqliteTable(
  'ledger_traders',
  {
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] })],
);

/**
 * The referral funnel per guild, kept as counters: `registered` and what a new referral
 * finds already folded by the `referrals_funnel` trigger (migration 0007), the rest by the
 * fold when an invitee's first trade or a referrer's first share reaches the rollup. So
 * each referral counts once whichever comes first, and the page reads one row.
 */
export const ledgerReferralFunnel = sqliteTable(
  'ledger_referral_funnel',
  {
    guildId: text('guild_id').primaryKey(),
    registered: integer('registered').notNull(),
    traded: integer('traded').notNull(),
    credited: integer('credited').notNull(),
  },
  (t) => [
    check(
      'ledger_referral_funnel_counts',
      sql`${t.registered} >= 0 AND ${t.traded} >= 0 AND ${t.credited} >= 0`,
    ),
  ],
);

/** The rollup's single row: the last transfer id folded in, and when. */
export const ledgerRollup = sqliteTable(
  'ledger_rollup',
  {
    id: integer('id').primaryKey(),
    watermark: integer('watermark').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    check('ledger_rollup_single', sql`${t.id} = 1`),
    check('ledger_rollup_watermark', sql`typeof(${t.watermark}) = 'integer' AND ${t.watermark} >= 0`),
  ],
);

/**
 * The ledger's batch gate (SPEC §5's derived state, applied once per account per batch):
 * while its one row exists — only inside the write that inserted it, which deletes it
 * before it returns — the triggers that keep balances, lifetime, the week/month/season
 * rollups and the rank histograms stand aside, and `LedgerStore.insertTransfers` applies
 * the batch's sums itself, set-based, in the same transaction (src/db/ledger-triggers.ts).
 * Empty whenever no write is open: `verify` checks it.
 */
export const batchGate = sqliteTable(
  'batch_gate',
  {
    id: integer('id').primaryKey(),
  },
  (t) => [check('batch_gate_single', sql`${t.id} = 1`)],
);

/*
 * Seasons (SPEC §9). A running season's board is earn_periods' rows with period 's:<id>',
 * kept by the `transfers_season_earned` / `_unearned` triggers in the same statement as the
 * entry (drizzle/0007…), so the rank_counts histogram and the ranked flag come with it.
 */

/** What a season counts, as bits of `seasons.sources`. */
export const SEASON_SOURCE_BITS = { campaigns: 1, quests: 2, platform: 4, awards: 8 } as const;
export type SeasonSource = keyof typeof SEASON_SOURCE_BITS;
export const SEASON_STATUSES = ['running', 'paying', 'ended'] as const;
export type SeasonStatus = (typeof SEASON_STATUSES)[number];

export const seasons = sqliteTable(
  'seasons',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    name: text('name').notNull(),
    /** Bits of SEASON_SOURCE_BITS: which earnings count. */
    sources: integer('sources').notNull(),
    startsAt: integer('starts_at').notNull(),
    /** Earnings with created_at < ends_at count; a moderator's end moves it to the moment of the end. */
    endsAt: integer('ends_at').notNull(),
    /** running: counting (until ends_at); paying: frozen, prizes being paid; ended: all paid or reported. */
    status: text('status', { enum: SEASON_STATUSES }).notNull().default('running'),
    endReason: text('end_reason', { enum: ['time', 'moderator'] }),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    frozenAt: integer('frozen_at'),
    endedAt: integer('ended_at'),
    announcedAt: integer('announced_at'),
  },
  (t) => [
    // One running season per guild (the triggers could count several; the product keeps one).
    uniqueIndex('seasons_one_running')
      .on(t.guildId)
      .where(sql`status = 'running'`),
    index('seasons_guild').on(t.guildId, t.status, t.startsAt),
    index('seasons_due').on(t.status, t.endsAt),
    check('seasons_window', sql`${t.endsAt} > ${t.startsAt}`),
    check('seasons_sources', sql`${t.sources} BETWEEN 1 AND 15`),
  ],
);

/** A prize for the ranks rank_from..rank_to; raised or added while the season runs, never lowered. */
export const seasonPrizes = sqliteTable(
  'season_prizes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    seasonId: integer('season_id')
      .notNull()
      .references(() => seasons.id),
    rankFrom: integer('rank_from').notNull(),
    rankTo: integer('rank_to').notNull(),
    sparks: integer('sparks'),
    roleId: text('role_id'),
    badge: text('badge'),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
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

export const SEASON_ROLE_STATUSES = ['none', 'pending', 'granted', 'failed'] as const;
export type SeasonRoleStatus = (typeof SEASON_ROLE_STATUSES)[number];

/**
 * The frozen final board of a season, down to the last prize rank: each winner with their
 * rank and what they are owed (and whether it is paid), and each member passed over with
 * why (`rank` NULL). Written once, when the season freezes; only the payout columns move.
 */
export const seasonResults = sqliteTable(
  'season_results',
  {
    seasonId: integer('season_id')
      .notNull()
      .references(() => seasons.id),
    /** Place on the frozen board before anyone was passed over (1 = top score). */
    position: integer('position').notNull(),
    userId: text('user_id').notNull(),
    score: integer('score').notNull(),
    /** The last entry that moved their season score: lower reached it first (the tie-break). */
    reachedTransferId: integer('reached_transfer_id').notNull(),
    /** The final rank after skips; NULL when passed over. */
    rank: integer('rank'),
    skipReason: text('skip_reason', { enum: ['left', 'excluded', 'flagged'] }),
    prizeId: integer('prize_id').references(() => seasonPrizes.id),
    sparks: integer('sparks'),
    sparksTransferId: integer('sparks_transfer_id').references(() => transfers.id),
    roleId: text('role_id'),
    roleStatus: text('role_status', { enum: SEASON_ROLE_STATUSES }).notNull().default('none'),
    roleFailure: text('role_failure'),
    badge: text('badge'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.seasonId, t.position] }),
    uniqueIndex('season_results_member').on(t.seasonId, t.userId),
    index('season_results_user').on(t.userId, t.seasonId),
    check('season_results_rank', sql`(${t.rank} IS NULL) <> (${t.skipReason} IS NULL)`),
  ],
);

/*
 * Raffles (SPEC §9): a commitment to a secret seed at the start, entries held on the ledger,
 * a draw that reveals the seed and follows from it (src/raffles/draw.ts documents how).
 */
export const RAFFLE_STATUSES = ['open', 'drawn', 'cancelled'] as const;
export type RaffleStatus = (typeof RAFFLE_STATUSES)[number];

export const raffles = sqliteTable(
  'raffles',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    rewardId: integer('reward_id')
      .notNull()
      .references(() => rewards.id),
    winners: integer('winners').notNull(),
    entryCost: integer('entry_cost').notNull(),
    maxEntriesPerMember: integer('max_entries_per_member').notNull(),
    endsAt: integer('ends_at').notNull(),
    requiredRoleId: text('required_role_id'),
    minAccountDays: integer('min_account_days'),
    minMemberDays: integer('min_member_days'),
    verifiedWallet: integer('verified_wallet').notNull().default(0),
    /** SHA-256 of the seed, hex: published at the start. */
    commitment: text('commitment').notNull(),
    /** 32 random bytes, hex: secret until the draw reveals it (`seed_revealed`). */
    seed: text('seed').notNull(),
    seedRevealed: integer('seed_revealed').notNull().default(0),
    status: text('status', { enum: RAFFLE_STATUSES }).notNull().default('open'),
    entries: integer('entries').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    closedAt: integer('closed_at'),
    closedBy: text('closed_by'),
    announcedAt: integer('announced_at'),
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

/** One purchase of entries, in the order they were bought: the draw's ordered entry list. */
export const raffleEntries = sqliteTable(
  'raffle_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    raffleId: integer('raffle_id')
      .notNull()
      .references(() => raffles.id),
    userId: text('user_id').notNull(),
    count: integer('count').notNull(),
    /** The hold of count × entry_cost; NULL for a free raffle. Posted at the draw, voided on cancel. */
    holdTransferId: integer('hold_transfer_id').references(() => transfers.id),
    idempotencyKey: text('idempotency_key').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('raffle_entries_key').on(t.raffleId, t.idempotencyKey),
    index('raffle_entries_member').on(t.raffleId, t.userId),
    check('raffle_entries_count', sql`${t.count} >= 1`),
  ],
);

/** The draw, candidate by candidate: who the seed picked, in order, and whether they won. */
export const raffleDraws = sqliteTable(
  'raffle_draws',
  {
    raffleId: integer('raffle_id')
      .notNull()
      .references(() => raffles.id),
    /** 0, 1, 2, … the order the seed picked candidates in. */
    step: integer('step').notNull(),
    userId: text('user_id').notNull(),
    /** The ticket index the step's hash picked, among the tickets left. */
    ticket: integer('ticket').notNull(),
    outcome: text('outcome', { enum: ['won', 'left', 'lost_role', 'flagged'] }).notNull(),
    redemptionId: integer('redemption_id').references(() => redemptions.id),
  },
  (t) => [primaryKey({ columns: [t.raffleId, t.step] })],
);

/*
 * Quests (SPEC §10): multi-step tasks the bot verifies, paid from the issuance account
 * 'quest' once per member per period (ledger key `quest:<id>:<user>:<period>`, and the
 * primary key of quest_completions). A period is '' for a `once` quest, the UTC date
 * 'YYYY-MM-DD' for a `daily` one and the date of the ISO week's Monday for a `weekly` one.
 */
export const QUEST_STATUSES = ['draft', 'scheduled', 'published', 'ended'] as const;
export type QuestStatus = (typeof QUEST_STATUSES)[number];
export const QUEST_RECURRENCES = ['once', 'daily', 'weekly'] as const;
export type QuestRecurrence = (typeof QUEST_RECURRENCES)[number];
export const QUEST_STEP_KINDS = [
  'platform_trade',
  'platform_subscription',
  'platform_referral',
  'reaction',
  'message',
  'role',
  'submission',
  'quiz',
] as const;
export type QuestStepKind = (typeof QUEST_STEP_KINDS)[number];
export const QUEST_ROLE_STATUSES = ['none', 'due', 'granted', 'refused', 'left'] as const;
export type QuestRoleStatus = (typeof QUEST_ROLE_STATUSES)[number];

export const quests = sqliteTable(
  'quests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    name: text('name').notNull(),
    /** Lower-cased name: unique among the guild's quests that have not ended. */
    nameKey: text('name_key').notNull(),
    description: text('description').notNull().default(''),
    sparks: integer('sparks').notNull(),
    rewardRoleId: text('reward_role_id'),
    recurrence: text('recurrence', { enum: QUEST_RECURRENCES }).notNull().default('once'),
    /** Scheduled start (a scheduled quest is invisible before it); NULL: from its publication. */
    startsAt: integer('starts_at'),
    /** Exclusive end of the last period; NULL: open until a moderator ends it. */
    endsAt: integer('ends_at'),
    prerequisiteId: integer('prerequisite_id').references((): AnySQLiteColumn => quests.id),
    /** Completions (all members, all periods) after which the quest ends ('cap'). */
    maxCompletions: integer('max_completions'),
    requiredRoleId: text('required_role_id'),
    minMemberDays: integer('min_member_days'),
    minAccountDays: integer('min_account_days'),
    /** A shop badge (a reward of kind 'badge') the quest awards: shown on completers' profiles. */
    badgeRewardId: integer('badge_reward_id').references(() => rewards.id),
    /** 1: only members who linked a wallet by signature take part (SPEC §11). */
    verifiedWallet: integer('verified_wallet').notNull().default(0),
    /** draft: being built; scheduled: published, waiting for starts_at; published: open; ended. */
    status: text('status', { enum: QUEST_STATUSES }).notNull().default('draft'),
    endReason: text('end_reason', { enum: ['time', 'cap', 'moderator'] }),
    completions: integer('completions').notNull().default(0),
    granted: integer('granted').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    publishedAt: integer('published_at'),
    endedAt: integer('ended_at'),
  },
  (t) => [
    uniqueIndex('quests_live_name')
      .on(t.guildId, t.nameKey)
      .where(sql`status <> 'ended'`),
    index('quests_guild').on(t.guildId, t.status, t.id),
    index('quests_status').on(t.status),
    check('quests_sparks', sql`${t.sparks} BETWEEN 1 AND 1000000000`),
    check('quests_window', sql`${t.startsAt} IS NULL OR ${t.endsAt} IS NULL OR ${t.endsAt} > ${t.startsAt}`),
    check('quests_max', sql`${t.maxCompletions} IS NULL OR ${t.maxCompletions} >= 1`),
    check('quests_counts', sql`${t.completions} >= 0 AND ${t.granted} >= 0`),
    check('quests_not_own_prerequisite', sql`${t.prerequisiteId} IS NULL OR ${t.prerequisiteId} <> ${t.id}`),
  ],
);

/** A quest's steps, in order; each is verified by the bot (see src/quests/steps.ts for the fields each kind uses). */
export const questSteps = sqliteTable(
  'quest_steps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    questId: integer('quest_id')
      .notNull()
      .references(() => quests.id),
    position: integer('position').notNull(),
    kind: text('kind', { enum: QUEST_STEP_KINDS }).notNull(),
    channelId: text('channel_id'),
    messageId: text('message_id'),
    /** Reactions: the custom emoji id or the unicode emoji without VS16; how it is shown. */
    emojiKey: text('emoji_key'),
    emojiDisplay: text('emoji_display'),
    roleId: text('role_id'),
    /** Messages or referrals needed. */
    count: integer('count'),
    /** Trade volume needed, in US cents. */
    volumeCents: integer('volume_cents'),
    /** What the member is asked (submission, quiz). */
    prompt: text('prompt'),
    /** A quiz's accepted answers: a JSON array of normalized strings. Never shown to members. */
    answers: text('answers'),
    /** A quiz's attempts per member per period. */
    attempts: integer('attempts'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('quest_steps_position').on(t.questId, t.position),
    check('quest_steps_count', sql`${t.count} IS NULL OR ${t.count} BETWEEN 1 AND 1000000`),
    check('quest_steps_volume', sql`${t.volumeCents} IS NULL OR ${t.volumeCents} >= 1`),
    check('quest_steps_attempts', sql`${t.attempts} IS NULL OR ${t.attempts} BETWEEN 1 AND 100`),
  ],
);

/** A member's progress on one step in one period: a count (messages, cents, referrals) and when it was done. */
export const questProgress = sqliteTable(
  'quest_progress',
  {
    questId: integer('quest_id')
      .notNull()
      .references(() => quests.id),
    userId: text('user_id').notNull(),
    period: text('period').notNull(),
    stepId: integer('step_id')
      .notNull()
      .references(() => questSteps.id),
    value: integer('value').notNull().default(0),
    doneAt: integer('done_at'),
    /** Quiz answers tried. */
    attempts: integer('attempts').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.questId, t.userId, t.period, t.stepId] }),
    check('quest_progress_counts', sql`${t.value} >= 0 AND ${t.attempts} >= 0`),
  ],
);

export const QUEST_SUBMISSION_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type QuestSubmissionStatus = (typeof QUEST_SUBMISSION_STATUSES)[number];

/** Submissions waiting for, or decided by, a moderator (`/sparks-admin quest review`). */
export const questSubmissions = sqliteTable(
  'quest_submissions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    questId: integer('quest_id')
      .notNull()
      .references(() => quests.id),
    stepId: integer('step_id')
      .notNull()
      .references(() => questSteps.id),
    userId: text('user_id').notNull(),
    period: text('period').notNull(),
    content: text('content').notNull(),
    status: text('status', { enum: QUEST_SUBMISSION_STATUSES }).notNull().default('pending'),
    reviewerId: text('reviewer_id'),
    reason: text('reason'),
    createdAt: integer('created_at').notNull(),
    reviewedAt: integer('reviewed_at'),
    /** When the member was told the decision (NULL: not yet, or still pending). */
    notifiedAt: integer('notified_at'),
  },
  (t) => [
    // One submission waiting per member, step and period.
    uniqueIndex('quest_submissions_one_pending')
      .on(t.questId, t.stepId, t.userId, t.period)
      .where(sql`status = 'pending'`),
    index('quest_submissions_queue').on(t.guildId, t.status, t.id),
    index('quest_submissions_member').on(t.questId, t.userId, t.period),
    check('quest_submissions_length', sql`length(${t.content}) BETWEEN 1 AND 2000`),
  ],
);

/** Each completion: paid once (its transfer), its reward role, how and whether the member was told. */
export const questCompletions = sqliteTable(
  'quest_completions',
  {
    questId: integer('quest_id')
      .notNull()
      .references(() => quests.id),
    userId: text('user_id').notNull(),
    period: text('period').notNull(),
    guildId: text('guild_id').notNull(),
    transferId: integer('transfer_id')
      .notNull()
      .references(() => transfers.id),
    completedAt: integer('completed_at').notNull(),
    /** The reward role: none, due (to grant, retried), granted, refused (audited), left (member gone). */
    roleStatus: text('role_status', { enum: QUEST_ROLE_STATUSES }).notNull().default('none'),
    /** 'dm': the announcer sends a DM; 'reply': shown in the member's next quest reply. */
    notify: text('notify', { enum: ['dm', 'reply'] })
      .notNull()
      .default('dm'),
    notifiedAt: integer('notified_at'),
  },
  (t) => [
    primaryKey({ columns: [t.questId, t.userId, t.period] }),
    index('quest_completions_member').on(t.guildId, t.userId, t.completedAt),
    index('quest_completions_unannounced')
      .on(t.guildId, t.completedAt)
      .where(sql`notified_at IS NULL OR role_status = 'due'`),
  ],
);

/*
 * Linked Roles (SPEC §11): a member's Discord role connection. Discord keeps one per user
 * and application, so one row per user: the guild whose Sparks it shows (the one they
 * connected from), their OAuth2 tokens (sealed with a key derived from SESSION_SECRET,
 * never stored in the clear), and what was last pushed, so a push goes out only when a
 * value changes.
 */
export const roleConnections = sqliteTable(
  'role_connections',
  {
    userId: text('user_id').primaryKey(),
    guildId: text('guild_id').notNull(),
    /** The name shown on the connection in Discord (platform_username). */
    username: text('username').notNull(),
    accessToken: text('access_token').notNull(),
    refreshToken: text('refresh_token').notNull(),
    /** When the access token stops working, ms since the epoch. */
    expiresAt: integer('expires_at').notNull(),
    scope: text('scope').notNull(),
    /** member_since: when they joined the guild (or were first seen there), ms. */
    memberSince: integer('member_since').notNull(),
    /** The metadata last accepted by Discord, as JSON, and its hash; NULL before the first push. */
    pushedValues: text('pushed_values'),
    pushedHash: text('pushed_hash'),
    pushedAt: integer('pushed_at'),
    /** Why the last push failed (NULL after a success), and when. */
    lastError: text('last_error'),
    lastErrorAt: integer('last_error_at'),
    connectedAt: integer('connected_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('role_connections_guild').on(t.guildId, t.userId),
    check('role_connections_error_length', sql`length(${t.lastError}) <= 500`),
  ],
);

/**
 * Streaks (SPEC §10): folded from the journal off the write path (src/streaks/streaks.ts),
 * like the analytics rollup, from a watermark of their own.
 */

/**
 * A member's streak as of the last qualifying day folded in. Days are UTC days since the
 * epoch. `current` counts the qualifying days of the run that started on `started_day`
 * (days covered by a freeze do not count); whether it is still alive today is decided on
 * read, from `last_day` and the freezes held.
 */
export const memberStreaks = sqliteTable(
  'member_streaks',
  {
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    current: integer('current').notNull(),
    best: integer('best').notNull(),
    lastDay: integer('last_day').notNull(),
    startedDay: integer('started_day').notNull(),
    /** Freezes bought (or won) and not yet spent, after the gap before `last_day`. */
    freezesHeld: integer('freezes_held').notNull(),
    /** Freezes ever spent on a missed day. */
    freezesUsed: integer('freezes_used').notNull(),
    /** The last streak_freeze redemption counted into freezes_held (0: none). */
    freezeSeen: integer('freeze_seen').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.userId] }),
    check(
      'member_streaks_counts',
      sql`typeof(${t.current}) = 'integer' AND ${t.current} >= 0 AND ${t.best} >= ${t.current} AND ${t.freezesUsed} >= 0`,
    ),
    check('member_streaks_days', sql`typeof(${t.lastDay}) = 'integer' AND ${t.startedDay} <= ${t.lastDay}`),
    check('member_streaks_freezes', sql`${t.freezesHeld} BETWEEN 0 AND 2`),
  ],
);

/** The streak fold's single row: the last transfer id folded in, and when. */
export const streakFold = sqliteTable(
  'streak_fold',
  {
    id: integer('id').primaryKey(),
    watermark: integer('watermark').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    check('streak_fold_single', sql`${t.id} = 1`),
    check('streak_fold_watermark', sql`typeof(${t.watermark}) = 'integer' AND ${t.watermark} >= 0`),
  ],
);

export const WALLET_CHAINS = ['evm', 'solana'] as const;

/**
 * Wallets members proved they hold by signing (SPEC §11). A wallet belongs to at most one
 * member per guild while linked; unlinking stamps `unlinked_at` (the row stays, for the
 * record). `address` is the canonical spelling: EVM checksummed (EIP-55), Solana base58.
 */
export const wallets = sqliteTable(
  'wallets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    chain: text('chain', { enum: WALLET_CHAINS }).notNull(),
    address: text('address').notNull(),
    /** The nonce of the signed message that proved it. */
    nonce: text('nonce').notNull(),
    linkedAt: integer('linked_at').notNull(),
    unlinkedAt: integer('unlinked_at'),
  },
  (t) => [
    uniqueIndex('wallets_linked_address')
      .on(t.guildId, t.chain, t.address)
      .where(sql`unlinked_at IS NULL`),
    index('wallets_member').on(t.guildId, t.userId, t.unlinkedAt),
    check('wallets_chain', sql`${t.chain} IN ('evm','solana')`),
  ],
);

/**
 * Single-use challenges for linking a wallet: issued to one member for one address, with an
 * expiry; `used_at` is stamped by the link that spends it (a refused attempt writes nothing).
 */
export const walletNonces = sqliteTable(
  'wallet_nonces',
  {
    nonce: text('nonce').primaryKey(),
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    chain: text('chain', { enum: WALLET_CHAINS }).notNull(),
    address: text('address').notNull(),
    issuedAt: integer('issued_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('wallet_nonces_expiry').on(t.expiresAt)],
);
