/**
 * Referral quality through the platform service, on both engines (the SQLite-only verify check
 * at the end): held shares, qualifying, lapsing, the invitee summary, the automatic flags.
 * tests/pg/referral-race.test.ts covers two processes handling one invitee at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { outboxStore } from '../../src/db/pg/outbox-store.ts';
import { PgReferralStore, referralStore } from '../../src/db/pg/referral-store.ts';
import { ReferralStore } from '../../src/db/referral-store.ts';
import { FlagService } from '../../src/members/flagging.ts';
import { DISCORD_EPOCH_MS } from '../../src/members/gates.ts';
import { Outbox } from '../../src/platform/outbox.ts';
import { parseEvent } from '../../src/platform/schemas.ts';
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

/** A Discord id whose account was created at `ms` (the snowflake's timestamp). */
const idCreatedAt = (ms: number, n = 0) => String((BigInt(ms - DISCORD_EPOCH_MS) << 22n) + BigInt(n));

function setupOn(engine: Engine) {
  const env = ledgerOn(fresh, engine);
  const { db, clock, ledger, rows } = env;
  cleanup = () => env.cleanup();
  const audit = new AuditQueue();
  const settings = new SettingsService({ db, defaults: DEFAULTS, clock });
  const flags = new FlagService({ db, clock, audit });
  const outbox = new Outbox({ db, store: outboxStore(db) });
  const service = new PlatformService({ db, ledger, settings, flags, outbox });
  outbox.registerCreditedEvents(ledger, (t) => service.referrals.creditedDetails(t));
  let n = 0;
  const apply = (body: object, id = `evt_${++n}`) => {
    const parsed = parseEvent(body, G);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return service.apply(id, parsed.event);
  };
  const balance = (userId: string) => ledger.reads.standing(G, userId).balance;
  const referralEntries = () =>
    rows(`SELECT COUNT(*) AS n FROM transfers WHERE kind = 'platform.referral'`)[0];
  const events = (userId: string) =>
    outbox.store
      .all()
      .filter((r) => r.userId === userId)
      .map((r) => JSON.parse(r.payload) as Record<string, unknown>);
  return { env, db, clock, ledger, settings, flags, service, apply, balance, referralEntries, events, audit };
}

describe.each(ENGINES)('referral quality on %s', (engine) => {
  const setup = () => setupOn(engine);

  it('runs on the store of its engine', () => {
    const { db } = setup();
    expect(referralStore(db)).toBeInstanceOf(engine === 'postgres' ? PgReferralStore : ReferralStore);
  });

  it("lists a referrer's invitees newest first, pages them with a limit, and totals their shares by state", () => {
    const { apply, clock, service, settings } = setup();
    settings.update(G, { referralQualifyVolumeUsd: 100, referralQualifyDays: 10, referralTradeSharePct: 50 });
    apply(referral(ALICE, BOB), 'r-bob');
    apply(subscription(BOB, 'basic', true), 's-bob'); // Alice's 50 held, lapses below
    clock.advance(DAY);
    apply(referral(ALICE, CAROL), 'r-carol');
    apply(trade(CAROL, 1000), 't-carol'); // qualifies Carol at once: Alice 50 credited
    clock.advance(DAY);
    apply(referral(ALICE, DAVE), 'r-dave');
    apply(trade(DAVE, 60), 't-dave'); // 6 Sparks: Alice's 3 held
    clock.advance(9 * DAY); // Bob's window is over, Dave's not yet
    expect(service.lapseReferrals()).toBe(1);
    const all = service.referrals.invitees(G, ALICE);
    expect(all.total).toBe(3);
    expect(all.items).toEqual([
      {
        inviteeUserId: DAVE,
        referredAt: clock() - 9 * DAY,
        status: 'pending',
        volumeCents: 6000,
        qualifyVolumeCents: 10_000,
        qualifyBy: clock() + DAY,
        pending: 3,
        credited: 0,
        lapsed: 0,
      },
      expect.objectContaining({
        inviteeUserId: CAROL,
        status: 'qualified',
        pending: 0,
        credited: 50,
        lapsed: 0,
      }),
      expect.objectContaining({
        inviteeUserId: BOB,
        status: 'lapsed',
        volumeCents: 0,
        credited: 0,
        lapsed: 50,
      }),
    ]);
    const page = service.referrals.invitees(G, ALICE, 2);
    expect([page.total, page.items.map((i) => i.inviteeUserId)]).toEqual([3, [DAVE, CAROL]]);
    // The limit is held to 1–100.
    expect(service.referrals.invitees(G, ALICE, 0).items.map((i) => i.inviteeUserId)).toEqual([DAVE]);
    expect(service.referrals.totals(G, ALICE)).toEqual({ pending: 3, credited: 50, lapsed: 50 });
    expect(service.referrals.invitees(G, BOB)).toEqual({ items: [], total: 0 });
    expect(service.referrals.totals(G, BOB)).toEqual({ pending: 0, credited: 0, lapsed: 0 });
    expect(service.referrals.nextDue()).toBe(clock() + DAY);
  });

  it('refuses a bad event and changes nothing: the held share, the volume and the balances stay', () => {
    const { apply, balance, service, settings, referralEntries } = setup();
    settings.update(G, { referralQualifyVolumeUsd: 100 });
    apply(referral(ALICE, BOB), 'ref');
    apply(subscription(BOB, 'basic', true), 's1');
    const before = service.referrals.invitees(G, ALICE);
    // The same id with another body (a qualifying trade), and a self-referral: both refused.
    expect(() => apply(trade(BOB, 5000), 's1')).toThrow(/different body/);
    expect(() => apply(referral(BOB, BOB), 'self')).toThrow(/refer themselves/);
    // An entry over the most one may hold, on the qualifying trade: the whole event rolls back.
    expect(() => apply(trade(BOB, 100_000_000_000), 'huge')).toThrow(/the most is/);
    expect(service.referrals.invitees(G, ALICE)).toEqual(before);
    expect(before.items[0]).toMatchObject({ status: 'pending', volumeCents: 0, pending: 50 });
    expect([balance(BOB), balance(ALICE), referralEntries()]).toEqual([100, 0, { n: 0 }]);
    // The duplicate of the held event is answered from what it wrote, and holds nothing more.
    expect(apply(subscription(BOB, 'basic', true), 's1')).toMatchObject({
      status: 'duplicate',
      pendingShare: { referrerId: ALICE, amount: 50 },
    });
    expect(service.referrals.totals(G, ALICE)).toEqual({ pending: 50, credited: 0, lapsed: 0 });
  });

  describe('a referral share is pending until the invitee qualifies', () => {
    it('holds shares of trades and of the first subscription, credits each once on qualifying, and lapses none', () => {
      const { apply, balance, settings, service, referralEntries, events } = setup();
      settings.update(G, { referralQualifyVolumeUsd: 1000, referralTradeSharePct: 50 });
      apply(referral(ALICE, BOB), 'ref');
      const t1 = apply(trade(BOB, 300), 't1'); // Bob 30; Alice's 15 held
      expect(t1).toMatchObject({ sparks: 30, pendingShare: { referrerId: ALICE, amount: 15 } });
      apply(subscription(BOB, 'basic', true), 's1'); // Bob 100; Alice's 50 held
      apply(trade(BOB, 200), 't2'); // 500 USD: Bob 20; Alice's 10 held
      expect([balance(BOB), balance(ALICE)]).toEqual([150, 0]);
      expect(service.referrals.invitees(G, ALICE).items).toMatchObject([
        { inviteeUserId: BOB, status: 'pending', pending: 75, credited: 0, volumeCents: 50_000 },
      ]);
      // Replays of the held events pay nothing, and say what they held.
      expect(apply(trade(BOB, 300), 't1')).toMatchObject({
        status: 'duplicate',
        sparks: 30,
        pendingShare: { referrerId: ALICE, amount: 15 },
      });
      expect(balance(ALICE)).toBe(0);

      // 500 more USD: the invitee qualifies; the three held shares and this trade's are credited.
      const crossing = apply(trade(BOB, 500), 't3');
      expect(crossing.credits.filter((c) => c.userId === ALICE).map((c) => c.amount)).toEqual([
        15, 50, 10, 25,
      ]);
      expect(balance(ALICE)).toBe(100);
      expect(referralEntries()).toEqual({ n: 4 });
      // Replaying every event, the qualifying one included, credits nothing more.
      for (const [body, id] of [
        [trade(BOB, 300), 't1'],
        [subscription(BOB, 'basic', true), 's1'],
        [trade(BOB, 200), 't2'],
        [trade(BOB, 500), 't3'],
      ] as const)
        expect(apply(body, id).status).toBe('duplicate');
      expect(apply(trade(BOB, 500), 't3').sparks).toBe(crossing.sparks);
      // Still the first outcome: t1 held its share then (credited since), t3 credited its own.
      expect(apply(trade(BOB, 300), 't1').pendingShare).toEqual({ referrerId: ALICE, amount: 15 });
      expect(apply(trade(BOB, 500), 't3').pendingShare).toBeUndefined();
      expect(balance(ALICE)).toBe(100);
      expect(referralEntries()).toEqual({ n: 4 });

      // After qualifying, shares are credited at once, as before.
      apply(trade(BOB, 100), 't4');
      expect(balance(ALICE)).toBe(105);
      expect(service.referrals.invitees(G, ALICE).items).toMatchObject([
        { inviteeUserId: BOB, status: 'qualified', pending: 0, credited: 105, lapsed: 0 },
      ]);
      // The platform heard of each share: pending first (amount 0), then credited with the share it pays.
      const alice = events(ALICE);
      expect(alice.filter((e) => e.status === 'pending').map((e) => e.pending_amount)).toEqual([15, 50, 10]);
      expect(alice.filter((e) => e.status === 'credited').map((e) => e.amount)).toEqual([15, 50, 10, 25, 5]);
      expect(alice.find((e) => e.status === 'credited')).toMatchObject({
        amount: 15,
        kind: 'platform.referral',
        referral: { invitee_discord_user_id: BOB, source_event_id: 't1', share_kind: 'trade' },
      });
    });

    it('lapses the held shares when the window passes, and pays the referrer nothing for that invitee after', () => {
      const { apply, balance, clock, service, settings, events, env } = setup();
      settings.update(G, { referralQualifyDays: 10 });
      apply(referral(ALICE, BOB), 'ref');
      apply(trade(BOB, 90), 't1'); // Bob 9; share 0
      apply(subscription(BOB, 'basic', true), 's1'); // Alice's 50 held
      clock.advance(10 * DAY - 1);
      expect(service.lapseReferrals()).toBe(0);
      clock.advance(1);
      expect(service.referrals.nextDue()).toBe(clock());
      expect(service.lapseReferrals()).toBe(1);
      expect(service.referrals.nextDue()).toBeNull();
      expect(service.referrals.invitees(G, ALICE).items).toMatchObject([
        { status: 'lapsed', pending: 0, credited: 0, lapsed: 50 },
      ]);
      // Crossing the volume after the window qualifies nothing.
      apply(trade(BOB, 500), 't2');
      expect([balance(BOB), balance(ALICE)]).toEqual([159, 0]);
      expect(events(ALICE).map((e) => e.status)).toEqual(['pending', 'lapsed']);
      expect(env.verify()).toEqual({ ok: true, problems: [] });
    });

    it('lapses a window that passed unseen when the invitee trades again, before counting the trade', () => {
      const { apply, balance, clock, service } = setup();
      apply(referral(ALICE, BOB), 'ref');
      apply(subscription(BOB, 'basic', true), 's1'); // 50 held
      clock.advance(31 * DAY);
      apply(trade(BOB, 1000), 't1');
      expect(balance(ALICE)).toBe(0);
      expect(service.referrals.invitees(G, ALICE).items[0]).toMatchObject({ status: 'lapsed', lapsed: 50 });
    });

    it('credits at once when qualification is off (0), as before', () => {
      const { apply, balance, settings } = setup();
      settings.update(G, { referralQualifyVolumeUsd: 0 });
      apply(referral(ALICE, CAROL));
      apply(trade(CAROL, 50));
      expect(balance(ALICE)).toBe(0); // 5 Sparks → share 0
      apply(subscription(CAROL, 'basic', true));
      expect(balance(ALICE)).toBe(50);
    });
  });

  describe('automatic flags of the referral checks', () => {
    it('flags an invitee whose account is younger than flag_min_account_days, and not an older one', async () => {
      const { apply, flags, clock, audit } = setup();
      const young = idCreatedAt(clock() - 2 * DAY);
      const old = idCreatedAt(clock() - 8 * DAY);
      apply(referral(ALICE, young));
      apply(referral(ALICE, old));
      expect(flags.isFlagged(G, young)).toBe(true);
      expect(flags.isFlagged(G, old)).toBe(false);
      expect(flags.isFlagged(G, ALICE)).toBe(false);
      expect(flags.openFlag(G, young)).toMatchObject({
        source: 'auto:young_invitee',
        raisedBy: null,
        reason: expect.stringContaining('2 day(s) old'),
      });
      // Audited once the event's transaction is over.
      await new Promise((resolve) => setImmediate(resolve));
      expect(audit.take(10).map((e) => [e.kind, e.userId])).toEqual([['flag.raised', young]]);
    });

    it('flags a referrer with flag_fresh_referrals_per_day fresh invitees within a day', () => {
      const { apply, flags, clock, settings } = setup();
      settings.update(G, { flagFreshReferralsPerDay: 3 });
      const fresh = (n: number) => idCreatedAt(clock() - DAY, n);
      apply(referral(ALICE, fresh(1)));
      clock.advance(DAY + 1); // the first falls out of the day
      apply(referral(ALICE, fresh(2)));
      apply(referral(ALICE, idCreatedAt(clock() - 30 * DAY)));
      apply(referral(ALICE, fresh(3)));
      expect(flags.isFlagged(G, ALICE)).toBe(false);
      apply(referral(ALICE, fresh(4)));
      expect(flags.openFlag(G, ALICE)).toMatchObject({
        source: 'auto:fresh_referrals',
        reason: expect.stringContaining('3 referrals'),
      });
      // Still earns: flags are for review, never a ban.
      apply(trade(fresh(4), 1000));
      expect(flags.isFlagged(G, fresh(4))).toBe(true);
    });

    it('raises nothing when the checks are off (0)', () => {
      const { apply, flags, clock, settings } = setup();
      settings.update(G, { flagMinAccountDays: 0 });
      const young = idCreatedAt(clock() - DAY);
      apply(referral(ALICE, young));
      expect(flags.isFlagged(G, young)).toBe(false);
    });

    it('refuses thresholds out of range, writing nothing', () => {
      const { settings } = setup();
      const before = settings.get(G);
      for (const patch of [
        { flagMinAccountDays: -1 },
        { flagMinAccountDays: 3651 },
        { flagFreshReferralsPerDay: 1001 },
        { referralQualifyVolumeUsd: -5 },
        { referralQualifyDays: 0 },
        { referralQualifyDays: 1.5 },
      ]) {
        let code = '';
        try {
          settings.update(G, patch);
        } catch (e) {
          if (isSparksError(e)) code = e.code;
        }
        expect(code).toBe('SPARKS.INVALID_INPUT');
      }
      expect(settings.get(G)).toEqual(before);
      expect(before).toMatchObject({
        flagMinAccountDays: 7,
        flagFreshReferralsPerDay: 5,
        earn: { referralQualifyVolumeUsd: 100, referralQualifyDays: 30 },
      });
    });
  });
});

describe('the ledger check of referral shares (SQLite verify)', () => {
  const setup = () => setupOn('sqlite');

  it('is checked by verify: a share credited twice, or held after its entry exists, is named', () => {
    const { apply, settings, db } = setup();
    if (db.engine !== 'sqlite') throw new Error('SQLite only');
    settings.update(G, { referralQualifyVolumeUsd: 1000 });
    apply(referral(ALICE, BOB), 'ref');
    apply(subscription(BOB, 'basic', true), 's1');
    apply(trade(BOB, 1000), 't1');
    const failed = () =>
      verifyLedger(db.sqlite)
        .checks.filter((c) => !c.ok)
        .map((c) => c.name);
    expect(failed()).toEqual([]);
    // Put a credited share back to pending, as a bug (or a hand edit) would: released again, it would pay twice.
    db.sqlite
      .prepare(
        `UPDATE referral_shares SET status = 'pending', settled_at = NULL, transfer_id = NULL WHERE event_id = 's1'`,
      )
      .run();
    expect(failed()).toEqual([
      'every referral share is credited once, to its referrer, under its key, or still held',
    ]);
  });
});
