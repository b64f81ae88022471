import type { AuditSink, AuditValue } from '../audit.ts';
import type { EarnDefaults } from '../config.ts';
import type { AppDb } from '../db/engine.ts';
import { settingsStore } from '../db/pg/settings-store.ts';
import { NO_SETTINGS, type GuildSettingsStoreApi, type GuildSettingsValues } from '../db/settings-store.ts';
import { SparksError } from '../core/errors.ts';
import { auditValueOf, SETTING_FIELDS, SETTING_OPTION_NAMES } from './options.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import {
  formatMilestones,
  milestonesFromJson,
  milestonesToJson,
  parseMilestones,
  type Milestone,
} from '../streaks/milestones.ts';

export interface EarnRates extends EarnDefaults {
  /** Plan name → Sparks for that plan's subscription (overrides subscriptionSparks). */
  planSparks: Record<string, number>;
  /** Per member per source per UTC day; null = no cap. */
  platformDailyCap: number | null;
  /** An invitee's trade volume (USD) that qualifies their referrer's shares; 0 = shares are never held. */
  referralQualifyVolumeUsd: number;
  /** Days from the referral within which that volume must be reached, or the held shares lapse. */
  referralQualifyDays: number;
}

export interface GuildSettings {
  guildId: string;
  logChannelId: string | null;
  moderatorRoleId: string | null;
  dailyAwardLimit: number | null;
  leaderboardExcludeRoleId: string | null;
  imagesEnabled: boolean;
  /** Whether the web leaderboard is public (`web_leaderboard`, default true). */
  webLeaderboard: boolean;
  /** Pending manual redemptions older than this are flagged to moderators. */
  manualStaleHours: number;
  /** An invitee whose Discord account is younger than this many days is flagged for review (0 = off). */
  flagMinAccountDays: number;
  /** A referrer with this many referrals of such fresh accounts within a day is flagged (0 = off). */
  flagFreshReferralsPerDay: number;
  earn: EarnRates;
  /** Streak lengths that pay a bonus (`streak_milestones`), fewest days first; empty: none. */
  streakMilestones: Milestone[];
}

export type SettingsPatch = Partial<{
  logChannelId: string | null;
  moderatorRoleId: string | null;
  dailyAwardLimit: number | null;
  leaderboardExcludeRoleId: string | null;
  imagesEnabled: boolean;
  webLeaderboard: boolean;
  manualStaleHours: number | null;
  tradeSparksPer100Usd: number | null;
  subscriptionSparks: number | null;
  planSparks: Record<string, number> | null;
  firstSubscriptionBonus: number | null;
  referralTradeSharePct: number | null;
  referralFirstSubPct: number | null;
  platformDailyCap: number | null;
  /** Checked by parseMilestones; an empty list or null clears them. */
  streakMilestones: Milestone[] | null;
  flagMinAccountDays: number | null;
  flagFreshReferralsPerDay: number | null;
  referralQualifyVolumeUsd: number | null;
  referralQualifyDays: number | null;
}>;

const DEFAULT_MANUAL_STALE_HOURS = 72;

/** SPEC §11's defaults. */
export const IDENTITY_DEFAULTS = {
  flagMinAccountDays: 7,
  flagFreshReferralsPerDay: 5,
  referralQualifyVolumeUsd: 100,
  referralQualifyDays: 30,
} as const;

/**
 * Per-guild settings, each falling back to the environment's defaults. Read from the
 * database on every call (no cache), so several shard processes always agree.
 */
export class SettingsService {
  private readonly db: AppDb;
  private readonly store: GuildSettingsStoreApi;
  private readonly defaults: EarnDefaults;
  private readonly clock: Clock;
  private readonly audit: AuditSink | undefined;

  constructor(deps: { db: AppDb; defaults: EarnDefaults; clock?: Clock; audit?: AuditSink }) {
    this.db = deps.db;
    this.audit = deps.audit;
    this.store = settingsStore(deps.db);
    this.defaults = deps.defaults;
    this.clock = deps.clock ?? systemClock;
  }

  get(guildId: string): GuildSettings {
    const row = this.store.get(guildId);
    return {
      guildId,
      logChannelId: row?.logChannelId ?? null,
      moderatorRoleId: row?.moderatorRoleId ?? null,
      dailyAwardLimit: row?.dailyAwardLimit ?? null,
      leaderboardExcludeRoleId: row?.leaderboardExcludeRoleId ?? null,
      imagesEnabled: (row?.imagesEnabled ?? 1) === 1,
      webLeaderboard: (row?.webLeaderboard ?? 1) === 1,
      manualStaleHours: row?.manualStaleHours ?? DEFAULT_MANUAL_STALE_HOURS,
      flagMinAccountDays: row?.flagMinAccountDays ?? IDENTITY_DEFAULTS.flagMinAccountDays,
      flagFreshReferralsPerDay: row?.flagFreshReferralsPerDay ?? IDENTITY_DEFAULTS.flagFreshReferralsPerDay,
      earn: {
        tradeSparksPer100Usd: row?.tradeSparksPer100Usd ?? this.defaults.tradeSparksPer100Usd,
        subscriptionSparks: row?.subscriptionSparks ?? this.defaults.subscriptionSparks,
        firstSubscriptionBonus: row?.firstSubscriptionBonus ?? this.defaults.firstSubscriptionBonus,
        referralTradeSharePct: row?.referralTradeSharePct ?? this.defaults.referralTradeSharePct,
        referralFirstSubPct: row?.referralFirstSubPct ?? this.defaults.referralFirstSubPct,
        planSparks: parsePlans(row?.subscriptionPlanSparks ?? null),
        platformDailyCap: row?.platformDailyCap ?? null,
        referralQualifyVolumeUsd: row?.referralQualifyVolumeUsd ?? IDENTITY_DEFAULTS.referralQualifyVolumeUsd,
        referralQualifyDays: row?.referralQualifyDays ?? IDENTITY_DEFAULTS.referralQualifyDays,
      },
      streakMilestones: milestonesFromJson(row?.streakMilestones ?? null),
    };
  }

  /**
   * Applies a patch (null resets a value to its default). Out-of-range values are
   * refused with SPARKS.INVALID_INPUT naming the field, and nothing is written. A change
   * by a moderator (`actorId`) is recorded in the audit log, each setting by its option
   * name with the value it now has.
   */
  update(guildId: string, patch: SettingsPatch, actorId?: string): GuildSettings {
    const intIn = (field: string, v: number | null | undefined, min: number, max: number) => {
      if (v === undefined || v === null) return v;
      if (!Number.isSafeInteger(v) || v < min || v > max) {
        throw new SparksError('SPARKS.INVALID_INPUT', { field, min, max }, `${field} must be ${min}..${max}`);
      }
      return v;
    };
    const values: { [K in keyof GuildSettingsValues]: GuildSettingsValues[K] | undefined } = {
      logChannelId: patch.logChannelId,
      moderatorRoleId: patch.moderatorRoleId,
      leaderboardExcludeRoleId: patch.leaderboardExcludeRoleId,
      dailyAwardLimit: intIn('daily_award_limit', patch.dailyAwardLimit, 1, 1_000_000_000),
      imagesEnabled: patch.imagesEnabled === undefined ? undefined : patch.imagesEnabled ? 1 : 0,
      webLeaderboard: patch.webLeaderboard === undefined ? undefined : patch.webLeaderboard ? 1 : 0,
      manualStaleHours: intIn('manual_stale_hours', patch.manualStaleHours, 1, 24 * 365),
      tradeSparksPer100Usd: intIn('trade_sparks_per_100_usd', patch.tradeSparksPer100Usd, 0, 1_000_000),
      subscriptionSparks: intIn('subscription_sparks', patch.subscriptionSparks, 0, 1_000_000_000),
      subscriptionPlanSparks:
        patch.planSparks === undefined
          ? undefined
          : patch.planSparks === null
            ? null
            : JSON.stringify(checkPlans(patch.planSparks)),
      firstSubscriptionBonus: intIn(
        'first_subscription_bonus',
        patch.firstSubscriptionBonus,
        0,
        1_000_000_000,
      ),
      referralTradeSharePct: intIn('referral_trade_pct', patch.referralTradeSharePct, 0, 100),
      referralFirstSubPct: intIn('referral_first_sub_pct', patch.referralFirstSubPct, 0, 100),
      platformDailyCap: intIn('platform_daily_cap', patch.platformDailyCap, 1, 1_000_000_000),
      streakMilestones:
        patch.streakMilestones === undefined
          ? undefined
          : patch.streakMilestones === null || patch.streakMilestones.length === 0
            ? null
            : milestonesToJson(parseMilestones(formatMilestones(patch.streakMilestones))),
      flagMinAccountDays: intIn('flag_min_account_days', patch.flagMinAccountDays, 0, 3650),
      flagFreshReferralsPerDay: intIn(
        'flag_fresh_referrals_per_day',
        patch.flagFreshReferralsPerDay,
        0,
        1000,
      ),
      referralQualifyVolumeUsd: intIn(
        'referral_qualify_volume_usd',
        patch.referralQualifyVolumeUsd,
        0,
        1_000_000_000,
      ),
      referralQualifyDays: intIn('referral_qualify_days', patch.referralQualifyDays, 1, 3650),
    };
    const set = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
    const now = this.clock();
    this.db.write(() => this.store.put(guildId, { ...NO_SETTINGS, ...this.store.get(guildId), ...set }, now));
    const updated = this.get(guildId);
    if (actorId !== undefined && this.audit) {
      const fields: Record<string, AuditValue> = {};
      for (const name of SETTING_OPTION_NAMES)
        if (patch[SETTING_FIELDS[name]] !== undefined) fields[name] = auditValueOf(name, updated);
      if (patch.planSparks !== undefined) fields.plan_sparks = JSON.stringify(updated.earn.planSparks);
      this.audit.record({ guildId, kind: 'config', actorId, fields, at: now });
    }
    return updated;
  }
}

function checkPlans(plans: Record<string, number>): Record<string, number> {
  for (const [plan, sparks] of Object.entries(plans)) {
    if (
      !/^[\w.-]{1,40}$/.test(plan) ||
      !Number.isSafeInteger(sparks) ||
      sparks < 0 ||
      sparks > 1_000_000_000
    ) {
      throw new SparksError('SPARKS.INVALID_INPUT', { field: 'plan_sparks' }, `bad plan entry ${plan}`);
    }
  }
  return plans;
}

function parsePlans(json: string | null): Record<string, number> {
  if (!json) return {};
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, number>) : {};
  } catch {
    return {};
  }
}
