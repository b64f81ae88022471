/**
 * The platform service on both engines: the daily cap, exactly once by event id, first
 * subscriptions, referrals (refusals write nothing), and a ledger that verifies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PgPlatformStore } from '../../src/db/pg/platform-store.ts';
import { PlatformStore } from '../../src/db/platform-store.ts';
import { isPlatformError, type PlatformErrorCode } from '../../src/platform/errors.ts';
import { parseEvent, type PlatformEvent } from '../../src/platform/schemas.ts';
import { PlatformService } from '../../src/platform/service.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { G } from '../helpers/db.ts';
import { engineDbs, ENGINES, ledgerOn, type Engine } from '../helpers/engines.ts';
import { ALICE, BOB, CAROL, DAVE, DEFAULTS, referral, subscription, trade } from '../helpers/platform.ts';

const DAY = 86_400_000;
const fresh = engineDbs();
let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

function setupOn(engine: Engine) {
  const env = ledgerOn(fresh, engine);
  const { db, clock, ledger } = env;
  cleanup = () => env.cleanup();
  const settings = new SettingsService({ db, defaults: DEFAULTS });
  const service = new PlatformService({ db, ledger, settings });
  let n = 0;
  const apply = (body: object, id = `evt_${++n}`) => service.apply(id, event(body));
  const balance = (userId: string) => ledger.reads.standing(G, userId).balance;
  return { env, db, clock, ledger, settings, service, apply, balance };
}

/** How many rows the platform has written: events, entries, referrals, markers. */
function writes(env: { rows: (sql: string) => Record<string, unknown>[] }) {
  const n = (sql: string) => env.rows(sql)[0]!.n;
  return {
    events: n('SELECT COUNT(*) AS n FROM platform_events'),
    transfers: n('SELECT COUNT(*) AS n FROM transfers'),
    referrals: n('SELECT COUNT(*) AS n FROM referrals'),
    meta: n(`SELECT COUNT(*) AS n FROM meta WHERE key LIKE 'platform.%'`),
  };
}

function event(body: object): PlatformEvent {
  const parsed = parseEvent(body, G);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.event;
}

function refusal(fn: () => unknown): PlatformErrorCode {
  try {
    fn();
  } catch (e) {
    if (isPlatformError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a PlatformError');
}

describe.each(ENGINES)('the platform service on %s', (engine) => {
  const setup = () => setupOn(engine);

  it('runs on the stores of its engine', () => {
    const { service } = setup();
    expect(service.store).toBeInstanceOf(engine === 'postgres' ? PgPlatformStore : PlatformStore);
  });

  describe('daily cap (per member, platform Sparks, UTC day of crediting)', () => {
    it('credits up to the cap, records the capped event as applied, and starts again the next UTC day', () => {
      const { env, clock, settings, apply, balance } = setup();
      settings.update(G, { platformDailyCap: 150 });
      expect(apply(trade(ALICE, 1000)).sparks).toBe(100);
      const capped = apply(trade(ALICE, 1000), 'capped');
      expect(capped.credits).toEqual([expect.objectContaining({ amount: 50 })]);
      expect(env.rows(`SELECT reason FROM transfers WHERE ref = 'event:capped'`)[0]).toEqual({
        reason: 'Trade 1,000.00 USD (daily cap reached)',
      });
      const over = apply(trade(ALICE, 1000), 'over');
      expect(over).toMatchObject({ status: 'applied', sparks: 0, credits: [] });
      expect(balance(ALICE)).toBe(150);
      clock.set(Date.UTC(2026, 10, 25, 0, 0, 0)); // midnight UTC
      expect(apply(trade(ALICE, 1000)).sparks).toBe(100);
      expect(balance(ALICE)).toBe(250);
    });

    it("gives the referrer a share of what the invitee was actually credited, under the referrer's own cap", () => {
      const { settings, apply, balance, clock } = setup();
      settings.update(G, { platformDailyCap: 500, referralTradeSharePct: 50 });
      apply(referral(ALICE, BOB));
      apply(trade(ALICE, 4_800)); // Alice has 480 of her 500 today
      apply(trade(BOB, 6_000)); // Bob: 600 due, 500 credited; Alice: 50 % of 500 = 250 due, 20 credited
      expect(balance(BOB)).toBe(500);
      expect(balance(ALICE)).toBe(500);
      clock.advance(DAY);
      apply(trade(BOB, 100)); // Bob 10, Alice 5
      expect([balance(BOB), balance(ALICE)]).toEqual([510, 505]);
    });
  });

  describe('exactly once by event id', () => {
    it('records a zero-Spark event as applied and answers its replay as a duplicate', () => {
      const { env, apply } = setup();
      expect(apply(trade(ALICE, '9.99'), 'small')).toMatchObject({
        status: 'applied',
        sparks: 0,
        credits: [],
      });
      expect(apply(trade(ALICE, '9.99'), 'small')).toMatchObject({
        status: 'duplicate',
        originalStatus: 'applied',
        sparks: 0,
      });
      expect(writes(env)).toMatchObject({ events: 1, transfers: 0 });
    });

    it('replays the first outcome, referral credit included, after the rates changed', () => {
      const { settings, apply } = setup();
      apply(referral(ALICE, BOB));
      const first = apply(trade(BOB, 1000), 'trade');
      settings.update(G, { tradeSparksPer100Usd: 1000 });
      const again = apply(trade(BOB, 1000), 'trade');
      expect(again).toEqual({ ...first, status: 'duplicate', originalStatus: 'applied' });
      expect(first.credits.map((c) => [c.userId, c.kind, c.amount])).toEqual([
        [BOB, 'platform.trade', 100],
        [ALICE, 'platform.referral', 10],
      ]);
    });

    it('refuses the same id with a different event (PLATFORM.EVENT_CONFLICT) and changes nothing', () => {
      const { env, apply, balance } = setup();
      apply(trade(ALICE, 1000), 'same');
      expect(refusal(() => apply(trade(ALICE, 2000), 'same'))).toBe('PLATFORM.EVENT_CONFLICT');
      expect(refusal(() => apply(trade(BOB, 1000), 'same'))).toBe('PLATFORM.EVENT_CONFLICT');
      expect(balance(ALICE)).toBe(100);
      expect(writes(env)).toMatchObject({ events: 1, transfers: 1 });
    });

    it('treats a number and a decimal string of the same volume as the same event', () => {
      const { apply } = setup();
      apply(trade(ALICE, 1234.5), 'v');
      expect(apply(trade(ALICE, '1234.50'), 'v').status).toBe('duplicate');
    });

    it('refuses an event id that cannot be a ledger key', () => {
      const { apply } = setup();
      expect(refusal(() => apply(trade(ALICE, 10), 'x'.repeat(65)))).toBe('PLATFORM.INVALID_EVENT_ID');
      expect(refusal(() => apply(trade(ALICE, 10), 'has space'))).toBe('PLATFORM.INVALID_EVENT_ID');
    });

    it('writes nothing when any part of the event fails: the invitee credit rolls back with the referral one', () => {
      const { env, ledger, apply, balance } = setup();
      apply(referral(ALICE, BOB));
      // A hook inside the entry's transaction (as the outbox's is) on both engines.
      ledger.onPosted(
        (t) => {
          if (t.kind === 'platform.referral') throw new Error('outbox is full');
        },
        { transactional: true },
      );
      expect(() => apply(trade(BOB, 1000), 'boom')).toThrow('outbox is full');
      expect(balance(BOB)).toBe(0);
      expect(writes(env)).toMatchObject({ events: 1, transfers: 0 });
    });

    it('refuses an event that would credit more than one entry may hold, writing nothing', () => {
      const { env, apply } = setup();
      expect(refusal(() => apply(trade(ALICE, 1_000_000_000_000)))).toBe('PLATFORM.AMOUNT_OUT_OF_RANGE');
      expect(writes(env)).toMatchObject({ events: 0, transfers: 0 });
    });
  });

  describe('subscriptions', () => {
    it('honours "first" once per member: bonus and referral share on the first, neither on a second "first"', () => {
      const { settings, apply, balance } = setup();
      // Qualification off: the referrer's share is credited at once (held shares: referral-quality.test.ts).
      settings.update(G, {
        firstSubscriptionBonus: 40,
        planSparks: { pro: 200 },
        referralQualifyVolumeUsd: 0,
      });
      apply(referral(ALICE, BOB));
      const first = apply(subscription(BOB, 'pro', true), 'sub1');
      expect(first.firstSubscription).toBe(true);
      expect([balance(BOB), balance(ALICE)]).toEqual([240, 120]);
      const second = apply(subscription(BOB, 'pro', true), 'sub2');
      expect(second).toMatchObject({ firstSubscription: false, sparks: 200 });
      expect([balance(BOB), balance(ALICE)]).toEqual([440, 120]);
      expect(apply(subscription(BOB, 'pro', true), 'sub1')).toMatchObject({
        status: 'duplicate',
        firstSubscription: true,
      });
      expect(apply(subscription(BOB, 'pro', true), 'sub2')).toMatchObject({ firstSubscription: false });
    });

    it('counts a zero-Spark first subscription as the first one', () => {
      const { settings, apply, balance } = setup();
      settings.update(G, { planSparks: { free: 0 } });
      apply(referral(ALICE, BOB));
      expect(apply(subscription(BOB, 'free', true))).toMatchObject({ sparks: 0, firstSubscription: true });
      apply(subscription(BOB, 'basic', true));
      expect([balance(BOB), balance(ALICE)]).toEqual([100, 0]);
    });

    it('pays the referrer nothing for a renewal', () => {
      const { apply, balance } = setup();
      apply(referral(ALICE, BOB));
      apply(subscription(BOB, 'basic', false));
      expect([balance(BOB), balance(ALICE)]).toEqual([100, 0]);
    });
  });

  describe('referrals', () => {
    it('refuses self-referral the same way on every delivery, and records nothing', () => {
      const { env, apply } = setup();
      expect(refusal(() => apply(referral(ALICE, ALICE), 'self'))).toBe('PLATFORM.SELF_REFERRAL');
      expect(refusal(() => apply(referral(ALICE, ALICE), 'self'))).toBe('PLATFORM.SELF_REFERRAL');
      expect(writes(env)).toMatchObject({ events: 0, referrals: 0 });
    });

    it('refuses a cycle through a longer chain, and keeps refusing it after the invitee got another referrer', () => {
      const { apply } = setup();
      apply(referral(ALICE, BOB));
      apply(referral(BOB, CAROL));
      expect(refusal(() => apply(referral(CAROL, ALICE), 'cycle'))).toBe('PLATFORM.REFERRAL_CYCLE');
      apply(referral(DAVE, ALICE)); // Alice now has a referrer of her own
      expect(refusal(() => apply(referral(CAROL, ALICE), 'cycle'))).toBe('PLATFORM.REFERRAL_CYCLE');
    });

    it('keeps the first referrer: a later one is ignored (and stays ignored on replay)', () => {
      const { apply, balance } = setup();
      expect(apply(referral(ALICE, BOB), 'r1').status).toBe('applied');
      const later = apply(referral(CAROL, BOB), 'r2');
      expect(later).toMatchObject({
        status: 'ignored',
        referral: { referrerId: ALICE, inviteeId: BOB, registeredBy: 'r1' },
      });
      expect(apply(referral(CAROL, BOB), 'r2')).toMatchObject({
        status: 'duplicate',
        originalStatus: 'ignored',
      });
      expect(apply(referral(ALICE, BOB), 'r1')).toMatchObject({
        status: 'duplicate',
        originalStatus: 'applied',
      });
      expect(apply(referral(ALICE, BOB), 'r3').status).toBe('ignored');
      apply(trade(BOB, 1000));
      expect([balance(ALICE), balance(CAROL)]).toEqual([10, 0]);
    });

    it('earns the referrer nothing for trades made before the referral was registered', () => {
      const { apply, balance } = setup();
      apply(trade(BOB, 1000));
      apply(subscription(BOB, 'basic', true));
      apply(referral(ALICE, BOB));
      expect(balance(ALICE)).toBe(0);
      apply(trade(BOB, 1000));
      expect(balance(ALICE)).toBe(10);
    });

    it('applies rates per guild', () => {
      const { settings, service, ledger } = setup();
      const OTHER = '200000000000000002';
      settings.update(OTHER, { tradeSparksPer100Usd: 100 });
      service.apply('g1', event(trade(ALICE, 1000)));
      service.apply('g2', event(trade(ALICE, 1000, { guild_id: OTHER })));
      expect(ledger.reads.standing(G, ALICE).balance).toBe(100);
      expect(ledger.reads.standing(OTHER, ALICE).balance).toBe(1000);
    });

    it('leaves a ledger that verifies', () => {
      const { env, apply } = setup();
      apply(referral(ALICE, BOB));
      for (let i = 0; i < 20; i++) apply(trade(BOB, 100 + i * 37.13));
      apply(subscription(BOB, 'pro', true));
      expect(env.verify()).toEqual({ ok: true, problems: [] });
    });
  });
});
