/**
 * The members area's tables on PostgreSQL: `guild_settings` (SettingsStore), `member_prefs`
 * (PrefsStore) and `member_flags` (FlagStore). The same names, columns, defaults, CHECKs and
 * indexes as the SQLite schema (src/db/schema.ts), typed as schema.ts says: `integer` for
 * the settings (each bounded within 1e9 by the settings service or a CHECK) and 0/1 flags,
 * int8 for times and ids. None of these tables has a trigger on SQLite, so none here.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { int8 } from './columns.ts';

export const guildSettings = pgTable(
  'guild_settings',
  {
    guildId: text('guild_id').primaryKey(),
    logChannelId: text('log_channel_id'),
    moderatorRoleId: text('moderator_role_id'),
    dailyAwardLimit: integer('daily_award_limit'),
    leaderboardExcludeRoleId: text('leaderboard_exclude_role_id'),
    imagesEnabled: integer('images_enabled').notNull().default(1),
    tradeSparksPer100Usd: integer('trade_sparks_per_100_usd'),
    subscriptionSparks: integer('subscription_sparks'),
    /** JSON object plan → Sparks, overriding subscriptionSparks for that plan. */
    subscriptionPlanSparks: text('subscription_plan_sparks'),
    firstSubscriptionBonus: integer('first_subscription_bonus'),
    referralTradeSharePct: integer('referral_trade_share_pct'),
    referralFirstSubPct: integer('referral_first_sub_pct'),
    platformDailyCap: integer('platform_daily_cap'),
    manualStaleHours: integer('manual_stale_hours'),
    webLeaderboard: integer('web_leaderboard').notNull().default(1),
    /** JSON array of [days, sparks] pairs, fewest days first; NULL = none. */
    streakMilestones: text('streak_milestones'),
    // Range-checked by the settings service, not by a CHECK, as on SQLite.
    flagMinAccountDays: integer('flag_min_account_days'),
    flagFreshReferralsPerDay: integer('flag_fresh_referrals_per_day'),
    referralQualifyVolumeUsd: integer('referral_qualify_volume_usd'),
    referralQualifyDays: integer('referral_qualify_days'),
    updatedAt: int8('updated_at').notNull(),
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

export const memberPrefs = pgTable(
  'member_prefs',
  {
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    leaderboardHidden: integer('leaderboard_hidden').notNull().default(0),
    /** 'dm' (default) or 'ephemeral'; unchecked by the database, as on SQLite. */
    questNotices: text('quest_notices', { enum: ['dm', 'ephemeral'] })
      .notNull()
      .default('dm'),
    updatedAt: int8('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.userId] }),
    check('member_prefs_hidden', sql`${t.leaderboardHidden} IN (0, 1)`),
  ],
);

/** At most one open flag per member (the partial unique index); a cleared flag stays as history. */
export const memberFlags = pgTable(
  'member_flags',
  {
    id: int8('id').primaryKey().generatedByDefaultAsIdentity(),
    guildId: text('guild_id').notNull(),
    userId: text('user_id').notNull(),
    source: text('source').notNull(),
    reason: text('reason').notNull(),
    raisedBy: text('raised_by'),
    raisedAt: int8('raised_at').notNull(),
    clearedBy: text('cleared_by'),
    clearReason: text('clear_reason'),
    clearedAt: int8('cleared_at'),
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
