import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { accounts, meta, platformEvents, referrals, transfers, type TransferKind } from './schema.ts';

export type PlatformEventRow = typeof platformEvents.$inferSelect;

export type ReferralRow = typeof referrals.$inferSelect;

/** A ledger entry written for a platform event, with the member it credited. */
export interface EventEntryRow {
  id: number;
  kind: TransferKind;
  amount: number;
  userId: string;
  createdAt: number;
}

/** PlatformStore's methods, which its PostgreSQL twin (src/db/pg/platform-store.ts) shares. */
export type PlatformStoreApi = { [K in keyof PlatformStore]: PlatformStore[K] };

/** Longest referral chain walked when looking for a cycle; real chains are a few links. */
export const MAX_CHAIN = 10_000;

/**
 * Owner of `platform_events`, `referrals` and `meta` (first-subscription markers); it also
 * reads the ledger's entries of an event and a member's platform earnings for the daily
 * cap. Statements are prepared once per connection. Writes must run inside the caller's
 * `db.write`.
 */
export class PlatformStore {
  private readonly s;

  constructor(db: Db) {
    const { orm, sqlite } = db;
    const guildId = sql.placeholder('guildId');
    this.s = {
      eventById: orm
        .select()
        .from(platformEvents)
        .where(eq(platformEvents.id, sql.placeholder('id')))
        .prepare(),
      insertEvent: orm
        .insert(platformEvents)
        .values({
          id: sql.placeholder('id'),
          guildId,
          type: sql.placeholder('type'),
          payloadHash: sql.placeholder('payloadHash'),
          sparks: sql.placeholder('sparks'),
          receivedAt: sql.placeholder('receivedAt'),
        })
        .prepare(),
      referralOf: orm
        .select()
        .from(referrals)
        .where(and(eq(referrals.guildId, guildId), eq(referrals.inviteeUserId, sql.placeholder('inviteeId'))))
        .prepare(),
      insertReferral: orm
        .insert(referrals)
        .values({
          guildId,
          inviteeUserId: sql.placeholder('inviteeUserId'),
          referrerUserId: sql.placeholder('referrerUserId'),
          eventId: sql.placeholder('eventId'),
          createdAt: sql.placeholder('createdAt'),
        })
        .prepare(),
      // Walks up from `start` through its referrer, that one's referrer, …; UNION (not
      // UNION ALL) and the depth bound stop it even on data that somehow holds a cycle.
      // Raw: drizzle has no recursive CTE.
      chainContains: sqlite.prepare<
        [{ g: string; start: string; target: string; max: number }],
        { found: number }
      >(
        `WITH RECURSIVE chain(user_id, depth) AS (
           SELECT referrer_user_id, 1 FROM referrals WHERE guild_id = @g AND invitee_user_id = @start
           UNION
           SELECT r.referrer_user_id, c.depth + 1 FROM referrals r JOIN chain c
             ON r.guild_id = @g AND r.invitee_user_id = c.user_id
           WHERE c.depth < @max
         )
         SELECT EXISTS (SELECT 1 FROM chain WHERE user_id = @target) AS found`,
      ),
      entriesOfEvent: orm
        .select({
          id: transfers.id,
          kind: transfers.kind,
          amount: transfers.amount,
          userId: accounts.ref,
          createdAt: transfers.createdAt,
        })
        .from(transfers)
        .innerJoin(accounts, eq(accounts.id, transfers.creditAccountId))
        .where(and(eq(transfers.ref, sql.placeholder('ref')), eq(transfers.guildId, guildId)))
        .orderBy(asc(transfers.id))
        .prepare(),
      // Raw: the two scalar subqueries pin the plan to the member's slice of the
      // transfers_credit index, which a join leaves to the planner.
      earnedSince: sqlite.prepare<[{ g: string; u: string; since: number }], { total: number }>(
        `SELECT COALESCE(SUM(t.amount), 0) AS total FROM transfers t
         WHERE t.credit_account_id = (SELECT id FROM accounts WHERE guild_id = @g AND type = 'member' AND ref = @u)
           AND t.debit_account_id = (SELECT id FROM accounts WHERE guild_id = @g AND type = 'issuance' AND ref = 'platform')
           AND t.created_at >= @since`,
      ),
      metaGet: orm
        .select({ value: meta.value })
        .from(meta)
        .where(eq(meta.key, sql.placeholder('key')))
        .prepare(),
      metaInsert: orm
        .insert(meta)
        .values({
          key: sql.placeholder('key'),
          value: sql.placeholder('value'),
          updatedAt: sql.placeholder('now'),
        })
        .prepare(),
    };
  }

  event(id: string): PlatformEventRow | undefined {
    return this.s.eventById.get({ id });
  }

  insertEvent(row: PlatformEventRow): void {
    this.s.insertEvent.run(row);
  }

  referralOf(guildId: string, inviteeId: string): ReferralRow | undefined {
    return this.s.referralOf.get({ guildId, inviteeId });
  }

  insertReferral(row: ReferralRow): void {
    this.s.insertReferral.run(row);
  }

  /** True when `target` is `start`'s referrer, or its referrer's referrer, and so on. */
  referralChainContains(guildId: string, start: string, target: string): boolean {
    return this.s.chainContains.get({ g: guildId, start, target, max: MAX_CHAIN })!.found === 1;
  }

  /** The entries an event wrote (all carry ref `event:<id>`), oldest first. */
  entriesOfEvent(guildId: string, ref: string): EventEntryRow[] {
    return this.s.entriesOfEvent.all({ ref, guildId });
  }

  /** Sparks a member received from the platform issuance account since `since`. */
  platformEarnedSince(guildId: string, userId: string, since: number): number {
    return this.s.earnedSince.get({ g: guildId, u: userId, since })!.total;
  }

  /** The event id that was a member's honoured first subscription, if any. */
  firstSubscriptionOf(guildId: string, userId: string): string | undefined {
    return this.s.metaGet.get({ key: firstSubKey(guildId, userId) })?.value;
  }

  markFirstSubscription(guildId: string, userId: string, eventId: string, now: number): void {
    this.s.metaInsert.run({ key: firstSubKey(guildId, userId), value: eventId, now });
  }
}

/*
 * "First subscription, once per member, ever" is a fact with no ledger entry of its own
 * (the bonus and the referrer's share may both be 0 Sparks), so it is kept in `meta`
 * under a per-member key whose primary key makes it unique without a schema change.
 */
export function firstSubKey(guildId: string, userId: string): string {
  return `platform.first_subscription:${guildId}:${userId}`;
}
