/**
 * PlatformStore and its PostgreSQL twin, one set of tests on both engines: every method, its
 * result shape (numbers as JS numbers, undefined when absent, oldest first), and the
 * constraints the schema enforces (unique event ids and invitees, no self-referral, one
 * first-subscription marker per member).
 */
import { describe, expect, it } from 'vitest';
import { PlatformStore, type PlatformEventRow, type ReferralRow } from '../../src/db/platform-store.ts';
import { PgPlatformStore, platformStore } from '../../src/db/pg/platform-store.ts';
import { DAY_MS } from '../../src/core/clock.ts';
import { engineDbs, ENGINES, ledgerOn } from '../helpers/engines.ts';

const fresh = engineDbs();
const G = 'g1';
const OTHER = 'g2';
/** Past 2^31, so an int4 column or an unparsed int8 would show. */
const LATE = 2 ** 40 + 7;

describe.each(ENGINES)('the platform store on %s', (engine) => {
  const setup = () => {
    const env = ledgerOn(fresh, engine);
    return { ...env, store: platformStore(env.db) };
  };

  it('picks the store of its engine', () => {
    const { db, store, cleanup } = setup();
    expect(store).toBeInstanceOf(engine === 'postgres' ? PgPlatformStore : PlatformStore);
    expect(db.engine).toBe(engine);
    cleanup();
  });

  it('keeps an event by id and refuses the same id twice', () => {
    const { db, store, cleanup } = setup();
    const row: PlatformEventRow = {
      id: 'ev-1',
      guildId: G,
      type: 'trade',
      payloadHash: 'h1',
      sparks: 3_000_000_000,
      receivedAt: LATE,
    };
    expect(store.event('ev-1')).toBeUndefined();
    db.write(() => store.insertEvent(row));
    expect(store.event('ev-1')).toStrictEqual(row);
    expect(store.event('ev-2')).toBeUndefined();
    expect(() => db.write(() => store.insertEvent({ ...row, payloadHash: 'h2' }))).toThrow();
    expect(store.event('ev-1')!.payloadHash).toBe('h1');
    cleanup();
  });

  it('keeps one referral per invitee and guild, never of oneself', () => {
    const { db, store, cleanup } = setup();
    const row: ReferralRow = {
      guildId: G,
      inviteeUserId: 'bob',
      referrerUserId: 'ann',
      eventId: 'ev-r1',
      createdAt: LATE,
    };
    expect(store.referralOf(G, 'bob')).toBeUndefined();
    db.write(() => store.insertReferral(row));
    expect(store.referralOf(G, 'bob')).toStrictEqual(row);
    expect(store.referralOf(OTHER, 'bob')).toBeUndefined();
    expect(store.referralOf(G, 'ann')).toBeUndefined();
    expect(() =>
      db.write(() => store.insertReferral({ ...row, referrerUserId: 'cat', eventId: 'ev-r2' })),
    ).toThrow();
    expect(() =>
      db.write(() =>
        store.insertReferral({ ...row, inviteeUserId: 'dan', referrerUserId: 'dan', eventId: 'ev-r3' }),
      ),
    ).toThrow();
    expect(store.referralOf(G, 'bob')!.referrerUserId).toBe('ann');
    expect(store.referralOf(G, 'dan')).toBeUndefined();
    // The same invitee in another guild is another referral.
    db.write(() => store.insertReferral({ ...row, guildId: OTHER, referrerUserId: 'cat' }));
    expect(store.referralOf(OTHER, 'bob')!.referrerUserId).toBe('cat');
    cleanup();
  });

  it('walks a referral chain up from the invitee, within the guild, and stops on a cycle', () => {
    const { db, store, cleanup } = setup();
    const refer = (guildId: string, invitee: string, referrer: string) =>
      store.insertReferral({
        guildId,
        inviteeUserId: invitee,
        referrerUserId: referrer,
        eventId: `ev-${guildId}-${invitee}`,
        createdAt: 1,
      });
    db.write(() => {
      refer(G, 'cat', 'bob');
      refer(G, 'bob', 'ann');
      refer(OTHER, 'ann', 'zed');
      // Data that somehow holds a cycle: x → y → x.
      refer(G, 'x', 'y');
      refer(G, 'y', 'x');
    });
    expect(store.referralChainContains(G, 'cat', 'bob')).toBe(true);
    expect(store.referralChainContains(G, 'cat', 'ann')).toBe(true);
    expect(store.referralChainContains(G, 'ann', 'cat')).toBe(false);
    expect(store.referralChainContains(G, 'bob', 'cat')).toBe(false);
    expect(store.referralChainContains(G, 'cat', 'zed')).toBe(false);
    expect(store.referralChainContains(OTHER, 'ann', 'zed')).toBe(true);
    expect(store.referralChainContains(OTHER, 'cat', 'bob')).toBe(false);
    expect(store.referralChainContains(G, 'nobody', 'ann')).toBe(false);
    expect(store.referralChainContains(G, 'x', 'x')).toBe(true);
    expect(store.referralChainContains(G, 'x', 'ann')).toBe(false);
    cleanup();
  });

  it("lists an event's entries oldest first, and sums a member's platform earnings since a time", () => {
    const { ledger, store, clock, cleanup } = setup();
    const credit = (
      guildId: string,
      userId: string,
      amount: number,
      ref: string,
      source: 'platform' | 'award',
    ) =>
      ledger.credit({
        guildId,
        userId,
        amount,
        source,
        kind: source === 'platform' ? 'platform.trade' : 'award',
        key: `${ref}:${userId}:${amount}:${clock()}`,
        actor: { type: 'platform', id: ref },
        reason: 'test',
        ref,
      }).transfer;
    const start = clock();
    const first = credit(G, 'bob', 1_000_000_000, 'event:e1', 'platform');
    clock.advance(1000);
    const second = credit(G, 'ann', 25, 'event:e1', 'platform');
    const third = credit(G, 'bob', 1_000_000_000, 'event:e2', 'platform');
    clock.advance(DAY_MS);
    const later = clock();
    credit(G, 'bob', 1_000_000_000, 'event:e3', 'platform');
    credit(G, 'bob', 7, 'event:e4', 'award');
    credit(OTHER, 'bob', 50, 'event:e1', 'platform');

    expect(store.entriesOfEvent(G, 'event:e1')).toStrictEqual([
      { id: first.id, kind: 'platform.trade', amount: 1_000_000_000, userId: 'bob', createdAt: start },
      { id: second.id, kind: 'platform.trade', amount: 25, userId: 'ann', createdAt: start + 1000 },
    ]);
    expect(store.entriesOfEvent(G, 'event:e2').map((e) => e.id)).toStrictEqual([third.id]);
    expect(store.entriesOfEvent(OTHER, 'event:e1').map((e) => [e.userId, e.amount])).toStrictEqual([
      ['bob', 50],
    ]);
    expect(store.entriesOfEvent(G, 'event:none')).toStrictEqual([]);

    // Past 2^31 in all: the sum must come back as a JS number, not a numeric string.
    expect(store.platformEarnedSince(G, 'bob', start)).toBe(3_000_000_000);
    expect(store.platformEarnedSince(G, 'bob', start + 1)).toBe(2_000_000_000);
    expect(store.platformEarnedSince(G, 'bob', later)).toBe(1_000_000_000);
    expect(store.platformEarnedSince(G, 'bob', later + 1)).toBe(0);
    expect(store.platformEarnedSince(G, 'ann', start)).toBe(25);
    expect(store.platformEarnedSince(OTHER, 'bob', start)).toBe(50);
    expect(store.platformEarnedSince(G, 'nobody', start)).toBe(0);
    cleanup();
  });

  it("marks a member's first subscription once", () => {
    const { db, store, cleanup } = setup();
    expect(store.firstSubscriptionOf(G, 'bob')).toBeUndefined();
    db.write(() => store.markFirstSubscription(G, 'bob', 'ev-s1', LATE));
    expect(store.firstSubscriptionOf(G, 'bob')).toBe('ev-s1');
    expect(store.firstSubscriptionOf(OTHER, 'bob')).toBeUndefined();
    expect(store.firstSubscriptionOf(G, 'ann')).toBeUndefined();
    expect(() => db.write(() => store.markFirstSubscription(G, 'bob', 'ev-s2', LATE))).toThrow();
    expect(store.firstSubscriptionOf(G, 'bob')).toBe('ev-s1');
    db.write(() => store.markFirstSubscription(OTHER, 'bob', 'ev-s3', LATE));
    expect(store.firstSubscriptionOf(OTHER, 'bob')).toBe('ev-s3');
    cleanup();
  });
});
