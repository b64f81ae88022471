/**
 * The settings as `/sparks-admin config` options and dashboard form fields name them (the
 * same names: SPEC §8): each option's type and bounds, the patch a value makes, and the
 * patch that puts it back to its default. One table, so both edges refuse the same values.
 */
import type { AuditValue } from '../audit.ts';
import { SparksError } from '../core/errors.ts';
import { formatMilestones, MAX_MILESTONES_TEXT, parseMilestones } from '../streaks/milestones.ts';
import type { GuildSettings, SettingsPatch } from './settings.ts';

type Option =
  | { type: 'channel' | 'role' | 'boolean' }
  | { type: 'integer'; min: number; max: number; zeroIsNone?: true }
  /** Streak milestones as text: `3:10, 7:50, 30:200` (days:Sparks). */
  | { type: 'milestones'; maxLength: number };

export const SETTING_OPTIONS = {
  log_channel: { type: 'channel' },
  moderator_role: { type: 'role' },
  daily_award_limit: { type: 'integer', min: 0, max: 1_000_000_000, zeroIsNone: true },
  leaderboard_exclude_role: { type: 'role' },
  images: { type: 'boolean' },
  web_leaderboard: { type: 'boolean' },
  manual_stale_hours: { type: 'integer', min: 1, max: 8760 },
  trade_sparks_per_100_usd: { type: 'integer', min: 0, max: 1_000_000 },
  subscription_sparks: { type: 'integer', min: 0, max: 1_000_000_000 },
  first_subscription_bonus: { type: 'integer', min: 0, max: 1_000_000_000 },
  referral_trade_pct: { type: 'integer', min: 0, max: 100 },
  referral_first_sub_pct: { type: 'integer', min: 0, max: 100 },
  platform_daily_cap: { type: 'integer', min: 0, max: 1_000_000_000, zeroIsNone: true },
  streak_milestones: { type: 'milestones', maxLength: MAX_MILESTONES_TEXT },
  flag_min_account_days: { type: 'integer', min: 0, max: 3650 },
  flag_fresh_referrals_per_day: { type: 'integer', min: 0, max: 1000 },
  referral_qualify_volume_usd: { type: 'integer', min: 0, max: 1_000_000_000 },
  referral_qualify_days: { type: 'integer', min: 1, max: 3650 },
} as const satisfies Record<string, Option>;

export type SettingOption = keyof typeof SETTING_OPTIONS;
export const SETTING_OPTION_NAMES = Object.keys(SETTING_OPTIONS) as SettingOption[];

/** A channel or role id, a whole number, a switch or milestones text, as the option's type says. */
export type SettingValue = string | number | boolean;

/** The settings field each option sets. */
export const SETTING_FIELDS: Record<SettingOption, keyof SettingsPatch> = {
  log_channel: 'logChannelId',
  moderator_role: 'moderatorRoleId',
  daily_award_limit: 'dailyAwardLimit',
  leaderboard_exclude_role: 'leaderboardExcludeRoleId',
  images: 'imagesEnabled',
  web_leaderboard: 'webLeaderboard',
  manual_stale_hours: 'manualStaleHours',
  trade_sparks_per_100_usd: 'tradeSparksPer100Usd',
  subscription_sparks: 'subscriptionSparks',
  first_subscription_bonus: 'firstSubscriptionBonus',
  referral_trade_pct: 'referralTradeSharePct',
  referral_first_sub_pct: 'referralFirstSubPct',
  platform_daily_cap: 'platformDailyCap',
  streak_milestones: 'streakMilestones',
  flag_min_account_days: 'flagMinAccountDays',
  flag_fresh_referrals_per_day: 'flagFreshReferralsPerDay',
  referral_qualify_volume_usd: 'referralQualifyVolumeUsd',
  referral_qualify_days: 'referralQualifyDays',
};

/**
 * The patch one option's value makes (0 is "no limit" for the two limits). Errors:
 * SPARKS.OUT_OF_RANGE { field, min, max } for a number outside the option's bounds,
 * SPARKS.INVALID_INPUT { field } for a value of the wrong type or @everyone as the
 * moderator role (`guildId`), SPARKS.STREAK_MILESTONES_INVALID for milestones that are not
 * days:Sparks pairs within bounds.
 */
export function optionPatch(name: SettingOption, value: SettingValue, guildId: string): SettingsPatch {
  const option: Option = SETTING_OPTIONS[name];
  const field = SETTING_FIELDS[name];
  switch (option.type) {
    case 'channel':
    case 'role':
      if (typeof value !== 'string' || !/^\d{1,25}$/.test(value))
        throw new SparksError('SPARKS.INVALID_INPUT', { field: name });
      if (name === 'moderator_role' && value === guildId)
        throw new SparksError(
          'SPARKS.INVALID_INPUT',
          { field: name },
          '@everyone cannot be the moderator role',
        );
      return { [field]: value };
    case 'boolean':
      if (typeof value !== 'boolean') throw new SparksError('SPARKS.INVALID_INPUT', { field: name });
      return { [field]: value };
    case 'integer':
      if (
        typeof value !== 'number' ||
        !Number.isSafeInteger(value) ||
        value < option.min ||
        value > option.max
      )
        throw new SparksError('SPARKS.OUT_OF_RANGE', { field: name, min: option.min, max: option.max });
      return { [field]: option.zeroIsNone && value === 0 ? null : value };
    case 'milestones':
      if (typeof value !== 'string') throw new SparksError('SPARKS.INVALID_INPUT', { field: name });
      return { [field]: parseMilestones(value) };
  }
}

/** The patch that puts one option back to its default. */
export function resetPatch(name: SettingOption): SettingsPatch {
  return { [SETTING_FIELDS[name]]: SETTING_OPTIONS[name].type === 'boolean' ? true : null };
}

/** An option's current value (a limit of "none" reads 0, as the option takes it); null when unset. */
export function optionValue(name: SettingOption, s: GuildSettings): SettingValue | null {
  switch (name) {
    case 'log_channel':
      return s.logChannelId;
    case 'moderator_role':
      return s.moderatorRoleId;
    case 'leaderboard_exclude_role':
      return s.leaderboardExcludeRoleId;
    case 'daily_award_limit':
      return s.dailyAwardLimit ?? 0;
    case 'images':
      return s.imagesEnabled;
    case 'web_leaderboard':
      return s.webLeaderboard;
    case 'manual_stale_hours':
      return s.manualStaleHours;
    case 'trade_sparks_per_100_usd':
      return s.earn.tradeSparksPer100Usd;
    case 'subscription_sparks':
      return s.earn.subscriptionSparks;
    case 'first_subscription_bonus':
      return s.earn.firstSubscriptionBonus;
    case 'referral_trade_pct':
      return s.earn.referralTradeSharePct;
    case 'referral_first_sub_pct':
      return s.earn.referralFirstSubPct;
    case 'platform_daily_cap':
      return s.earn.platformDailyCap ?? 0;
    case 'streak_milestones':
      return s.streakMilestones.length ? formatMilestones(s.streakMilestones) : null;
    case 'flag_min_account_days':
      return s.flagMinAccountDays;
    case 'flag_fresh_referrals_per_day':
      return s.flagFreshReferralsPerDay;
    case 'referral_qualify_volume_usd':
      return s.earn.referralQualifyVolumeUsd;
    case 'referral_qualify_days':
      return s.earn.referralQualifyDays;
  }
}

/** An option's value as the audit log shows it: a mention, a number, on/off; '—' when unset. */
export function auditValueOf(name: SettingOption, s: GuildSettings): AuditValue {
  const value = optionValue(name, s);
  const type = SETTING_OPTIONS[name].type;
  if (value === null) return '—';
  return (type === 'channel' || type === 'role') && typeof value === 'string' ? { type, id: value } : value;
}
