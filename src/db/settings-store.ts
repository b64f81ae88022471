import { eq, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { guildSettings } from './schema.ts';

export type GuildSettingsRow = typeof guildSettings.$inferSelect;

/** Every column but the key and the stamp: what a settings write sets. */
export type GuildSettingsValues = Omit<GuildSettingsRow, 'guildId' | 'updatedAt'>;

/** The settings a write sets, in the order the PostgreSQL twin binds them. */
export const SETTINGS_COLUMNS = [
  'logChannelId',
  'moderatorRoleId',
  'dailyAwardLimit',
  'leaderboardExcludeRoleId',
  'imagesEnabled',
  'tradeSparksPer100Usd',
  'subscriptionSparks',
  'subscriptionPlanSparks',
  'firstSubscriptionBonus',
  'referralTradeSharePct',
  'referralFirstSubPct',
  'platformDailyCap',
  'manualStaleHours',
  'webLeaderboard',
  'streakMilestones',
  'flagMinAccountDays',
  'flagFreshReferralsPerDay',
  'referralQualifyVolumeUsd',
  'referralQualifyDays',
] as const satisfies readonly (keyof GuildSettingsValues)[];

/** A row's values when the guild has none yet: every setting at its default. */
export const NO_SETTINGS: GuildSettingsValues = {
  logChannelId: null,
  moderatorRoleId: null,
  dailyAwardLimit: null,
  leaderboardExcludeRoleId: null,
  imagesEnabled: 1,
  tradeSparksPer100Usd: null,
  subscriptionSparks: null,
  subscriptionPlanSparks: null,
  firstSubscriptionBonus: null,
  referralTradeSharePct: null,
  referralFirstSubPct: null,
  platformDailyCap: null,
  manualStaleHours: null,
  webLeaderboard: 1,
  streakMilestones: null,
  flagMinAccountDays: null,
  flagFreshReferralsPerDay: null,
  referralQualifyVolumeUsd: null,
  referralQualifyDays: null,
};

/** The surface the PostgreSQL twin (src/db/pg/settings-store.ts) implements. */
export type GuildSettingsStoreApi = { [K in keyof SettingsStore]: SettingsStore[K] };

/**
 * Owner of `guild_settings`. Both statements are prepared once: building a drizzle query
 * costs ~100 µs a call, and settings are read on most interactions. A write replaces the
 * whole row (the caller merges its patch over the current row inside its `db.write`), so
 * one prepared upsert serves every patch.
 */
export class SettingsStore {
  private readonly byGuild;
  private readonly upsert;

  constructor(db: Db) {
    this.byGuild = db.orm
      .select()
      .from(guildSettings)
      .where(eq(guildSettings.guildId, sql.placeholder('guildId')))
      .prepare();
    const values = Object.fromEntries(SETTINGS_COLUMNS.map((c) => [c, sql.placeholder(c)]));
    const excluded = Object.fromEntries(
      [...SETTINGS_COLUMNS, 'updatedAt' as const].map((c) => [
        c,
        sql.raw(`excluded.${guildSettings[c].name}`),
      ]),
    );
    this.upsert = db.orm
      .insert(guildSettings)
      .values({
        ...(values as Record<(typeof SETTINGS_COLUMNS)[number], ReturnType<typeof sql.placeholder>>),
        guildId: sql.placeholder('guildId'),
        updatedAt: sql.placeholder('updatedAt'),
      })
      .onConflictDoUpdate({ target: guildSettings.guildId, set: excluded })
      .prepare();
  }

  get(guildId: string): GuildSettingsRow | undefined {
    return this.byGuild.get({ guildId });
  }

  /** Writes every setting of a guild (call inside the caller's `db.write`). */
  put(guildId: string, values: GuildSettingsValues, now: number): void {
    this.upsert.run({ ...values, guildId, updatedAt: now });
  }
}
