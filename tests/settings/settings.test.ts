import { describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import { settingsStore } from '../../src/db/pg/settings-store.ts';
import { NO_SETTINGS } from '../../src/db/settings-store.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { G } from '../helpers/db.ts';
import { engineDbs, ENGINES } from '../helpers/engines.ts';

const defaults = {
  tradeSparksPer100Usd: 10,
  subscriptionSparks: 100,
  firstSubscriptionBonus: 0,
  referralTradeSharePct: 10,
  referralFirstSubPct: 50,
};

const fresh = engineDbs();

describe.each(ENGINES)('guild settings on %s', (engine) => {
  const freshDb = () => {
    const env = fresh(engine);
    return Object.assign(env.db, { cleanup: env.cleanup, rows: env.rows });
  };

  it('falls back to the environment defaults, and a patch overrides only what it names', () => {
    const db = freshDb();
    const settings = new SettingsService({ db, defaults });
    expect(settings.get(G)).toMatchObject({
      logChannelId: null,
      imagesEnabled: true,
      earn: { ...defaults, planSparks: {} },
    });
    settings.update(G, {
      logChannelId: '300000000000000001',
      referralTradeSharePct: 20,
      planSparks: { pro: 250 },
    });
    settings.update(G, { dailyAwardLimit: 500 });
    expect(settings.get(G)).toMatchObject({
      logChannelId: '300000000000000001',
      dailyAwardLimit: 500,
      earn: { referralTradeSharePct: 20, subscriptionSparks: 100, planSparks: { pro: 250 } },
    });
    settings.update(G, { referralTradeSharePct: null });
    expect(settings.get(G).earn.referralTradeSharePct).toBe(10);
    expect(settings.get('other').logChannelId).toBeNull();
    db.cleanup();
  });

  it.each([
    [{ referralTradeSharePct: 101 }, 'referral_trade_pct'],
    [{ dailyAwardLimit: 0 }, 'daily_award_limit'],
    [{ tradeSparksPer100Usd: 1.5 }, 'trade_sparks_per_100_usd'],
    [{ planSparks: { 'bad plan!': 5 } }, 'plan_sparks'],
  ])('refuses %j naming %s, and writes nothing', (patch, field) => {
    const db = freshDb();
    const settings = new SettingsService({ db, defaults });
    try {
      settings.update(G, { logChannelId: '1', ...patch });
      throw new Error('expected a refusal');
    } catch (e) {
      expect(isSparksError(e, 'SPARKS.INVALID_INPUT')).toBe(true);
      expect((e as { params: { field: string } }).params.field).toBe(field);
    }
    expect(settings.get(G).logChannelId).toBeNull();
    db.cleanup();
  });

  it('stores every setting and reads it back as written; a second write replaces the row', () => {
    const db = freshDb();
    const store = settingsStore(db);
    expect(store.get(G)).toBeUndefined();
    const values = {
      ...NO_SETTINGS,
      logChannelId: '300000000000000001',
      moderatorRoleId: '300000000000000002',
      dailyAwardLimit: 1_000_000_000,
      leaderboardExcludeRoleId: '300000000000000003',
      imagesEnabled: 0,
      tradeSparksPer100Usd: 1_000_000,
      subscriptionSparks: 250,
      subscriptionPlanSparks: '{"pro":250}',
      firstSubscriptionBonus: 7,
      referralTradeSharePct: 100,
      referralFirstSubPct: 0,
      platformDailyCap: 3,
      manualStaleHours: 48,
      webLeaderboard: 0,
      streakMilestones: '[[7,50]]',
      flagMinAccountDays: 0,
      flagFreshReferralsPerDay: 9,
      referralQualifyVolumeUsd: 500,
      referralQualifyDays: 14,
    };
    db.write(() => store.put(G, values, 1_790_000_000_123));
    expect(store.get(G)).toEqual({ ...values, guildId: G, updatedAt: 1_790_000_000_123 });
    db.write(() => store.put(G, NO_SETTINGS, 1_790_000_000_456));
    expect(store.get(G)).toEqual({ ...NO_SETTINGS, guildId: G, updatedAt: 1_790_000_000_456 });
    expect(db.rows('SELECT COUNT(*) AS n FROM guild_settings')).toEqual([{ n: 1 }]);
    db.cleanup();
  });

  it('refuses, in the database itself, a row the service would never write', () => {
    const db = freshDb();
    const store = settingsStore(db);
    expect(() => db.write(() => store.put(G, { ...NO_SETTINGS, referralTradeSharePct: 101 }, 1))).toThrow(
      /guild_settings_rates/,
    );
    expect(() => db.write(() => store.put(G, { ...NO_SETTINGS, imagesEnabled: 2 }, 1))).toThrow(
      /guild_settings_images/,
    );
    expect(store.get(G)).toBeUndefined();
    db.cleanup();
  });

  it('writes the same settings twice as one row with the later stamp, and keeps guilds apart', () => {
    const db = freshDb();
    let now = 1000;
    const settings = new SettingsService({ db, defaults, clock: () => now });
    settings.update(G, { manualStaleHours: 12, streakMilestones: [{ days: 3, sparks: 10 }] });
    now = 2000;
    const again = settings.update(G, { manualStaleHours: 12 });
    expect(again).toEqual(settings.get(G));
    expect(again.manualStaleHours).toBe(12);
    expect(again.streakMilestones).toEqual([{ days: 3, sparks: 10 }]);
    expect(settings.get('other').manualStaleHours).toBe(72);
    expect(db.rows('SELECT guild_id AS g, updated_at AS at FROM guild_settings')).toEqual([
      { g: G, at: 2000 },
    ]);
    db.cleanup();
  });
});
