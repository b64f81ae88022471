import { describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { freshDb, G } from '../helpers/db.ts';

const defaults = {
  tradeSparksPer100Usd: 10,
  subscriptionSparks: 100,
  firstSubscriptionBonus: 0,
  referralTradeSharePct: 10,
  referralFirstSubPct: 50,
};

describe('guild settings', () => {
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
});
