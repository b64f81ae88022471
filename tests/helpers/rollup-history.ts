/**
 * A generated ledger history for the rollup's tests (tests/moderation/ledger-rollup.test.ts,
 * tests/pg/rollup.test.ts): credits of every earning kind, revokes, shop holds posted or
 * voided, referrals and folds in between, over two guilds and a few members, played through
 * the services on either engine.
 */
import fc from 'fast-check';
import { DAY_MS } from '../../src/core/clock.ts';
import type { AppDb } from '../../src/db/engine.ts';
import { platformStore } from '../../src/db/pg/platform-store.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import type { LedgerRollup } from '../../src/moderation/ledger-rollup.ts';
import { fakeClock, G, MOD } from './db.ts';

export const G2 = '200000000000000002';
export const START = Date.UTC(2026, 10, 2, 12);
export const user = (i: number) => `3000000000000000${String(i).padStart(2, '0')}`;

export type Op =
  | { op: 'credit'; guild: 0 | 1; member: number; amount: number; day: number; kind: number }
  | { op: 'revoke'; guild: 0 | 1; member: number; amount: number; day: number }
  | { op: 'redeem'; guild: 0 | 1; member: number; amount: number; day: number; post: boolean }
  | { op: 'refer'; guild: 0 | 1; member: number; referrer: number }
  | { op: 'fold'; chunks: number };

export const CREDITS = [
  { source: 'award', kind: 'award' },
  { source: 'campaign', kind: 'campaign.grant' },
  { source: 'platform', kind: 'platform.trade' },
  { source: 'platform', kind: 'platform.referral' },
  { source: 'platform', kind: 'platform.subscription' },
] as const;

const base = { guild: fc.constantFrom<0 | 1>(0, 1), member: fc.nat(5), day: fc.nat(20) };
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('credit' as const),
      ...base,
      amount: fc.integer({ min: 1, max: 500 }),
      kind: fc.nat(CREDITS.length - 1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('revoke' as const),
      ...base,
      amount: fc.integer({ min: 1, max: 300 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('redeem' as const),
      ...base,
      amount: fc.integer({ min: 1, max: 300 }),
      post: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('refer' as const),
      guild: base.guild,
      member: base.member,
      referrer: base.member,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('fold' as const), chunks: fc.integer({ min: 1, max: 3 }) }),
  },
);

/** Applies the ops; refusals (not enough Sparks, a referral already there) are part of a real ledger. */
export function play(db: AppDb, ops: readonly Op[], rollup: LedgerRollup): void {
  const clock = fakeClock(START);
  const ledger = new Ledger({ db, clock });
  const platform = platformStore(db);
  let n = 0;
  for (const o of ops) {
    const key = `k${n++}`;
    const attempt = (fn: () => unknown) => {
      try {
        fn();
      } catch {
        // A refused entry writes nothing; the ledger stays whole.
      }
    };
    if (o.op === 'fold') {
      rollup.catchUp(o.chunks);
      continue;
    }
    const guildId = o.guild === 0 ? G : G2;
    if (o.op === 'refer') {
      if (o.member !== o.referrer && !platform.referralOf(guildId, user(o.member)))
        db.write(() =>
          platform.insertReferral({
            guildId,
            inviteeUserId: user(o.member),
            referrerUserId: user(o.referrer),
            eventId: key,
            createdAt: clock(),
          }),
        );
      continue;
    }
    // Entries out of time order too: the rollup keys on ids, never on created_at.
    clock.set(START + o.day * DAY_MS + (n % 7) * 3_600_000);
    const entry = { guildId, userId: user(o.member), amount: o.amount, key, actor: MOD };
    if (o.op === 'credit') attempt(() => ledger.credit({ ...entry, ...CREDITS[o.kind]! }));
    else if (o.op === 'revoke') attempt(() => ledger.revoke(entry));
    else
      attempt(() => {
        const hold = ledger.hold(entry).transfer;
        ledger.closeHold(hold.id, o.post ? 'post' : 'void', { key: `${key}c`, actor: MOD });
      });
  }
}

/** `length` credits in the first guild, of every kind in turn, over five members and nine days. */
export const creditRun = (length: number): Op[] =>
  Array.from({ length }, (_, i) => ({
    op: 'credit',
    guild: 0,
    member: i % 5,
    amount: 10 + i,
    day: i % 9,
    kind: i % CREDITS.length,
  }));
