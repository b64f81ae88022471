import type { Statement } from 'better-sqlite3';
import type { Sqlite } from './open.ts';
import type { TransferKind } from './schema.ts';

export interface PlatformEventRow {
  id: string;
  guildId: string;
  type: string;
  payloadHash: string;
  sparks: number;
  receivedAt: number;
}

export interface ReferralRow {
  guildId: string;
  inviteeUserId: string;
  referrerUserId: string;
  eventId: string;
  createdAt: number;
}

/** A ledger entry written for a platform event, with the member it credited. */
export interface EventEntryRow {
  id: number;
  kind: TransferKind;
  amount: number;
  userId: string;
  createdAt: number;
}

export interface TierRow {
  roleId: string;
  threshold: number;
}

/** Longest referral chain walked when looking for a cycle; real chains are a few links. */
const MAX_CHAIN = 10_000;

/**
 * The platform webhook's SQL: applied events, referrals, first-subscription markers,
 * daily-cap sums and tier look-ups. Statements are prepared once per connection. Writes
 * must run inside the caller's `db.write`.
 */
export class PlatformStore {
  private readonly s: {
    eventById: Statement<[string], PlatformEventRow>;
    insertEvent: Statement<[string, string, string, string, number, number]>;
    referralOf: Statement<[string, string], ReferralRow>;
    insertReferral: Statement<[string, string, string, string, number]>;
    chainContains: Statement<[{ g: string; start: string; target: string; max: number }], { found: number }>;
    entriesOfEvent: Statement<[string, string], EventEntryRow>;
    earnedSince: Statement<[{ g: string; u: string; since: number }], { total: number }>;
    metaGet: Statement<[string], { value: string }>;
    metaInsert: Statement<[string, string, number]>;
    tierAtOrBelow: Statement<[string, number], TierRow>;
    tierAbove: Statement<[string, number], TierRow>;
  };

  constructor(readonly sqlite: Sqlite) {
    const p = <B extends unknown[], R>(source: string) => sqlite.prepare<B, R>(source);
    this.s = {
      eventById: p(
        `SELECT id, guild_id AS guildId, type, payload_hash AS payloadHash, sparks, received_at AS receivedAt
         FROM platform_events WHERE id = ?`,
      ),
      insertEvent: p(
        `INSERT INTO platform_events (id, guild_id, type, payload_hash, sparks, received_at) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      referralOf: p(
        `SELECT guild_id AS guildId, invitee_user_id AS inviteeUserId, referrer_user_id AS referrerUserId,
                event_id AS eventId, created_at AS createdAt
         FROM referrals WHERE guild_id = ? AND invitee_user_id = ?`,
      ),
      insertReferral: p(
        `INSERT INTO referrals (guild_id, invitee_user_id, referrer_user_id, event_id, created_at) VALUES (?, ?, ?, ?, ?)`,
      ),
      // Walks up from `start` through its referrer, that one's referrer, …; UNION (not
      // UNION ALL) and the depth bound stop it even on data that somehow holds a cycle.
      chainContains: p(
        `WITH RECURSIVE chain(user_id, depth) AS (
           SELECT referrer_user_id, 1 FROM referrals WHERE guild_id = @g AND invitee_user_id = @start
           UNION
           SELECT r.referrer_user_id, c.depth + 1 FROM referrals r JOIN chain c
             ON r.guild_id = @g AND r.invitee_user_id = c.user_id
           WHERE c.depth < @max
         )
         SELECT EXISTS (SELECT 1 FROM chain WHERE user_id = @target) AS found`,
      ),
      entriesOfEvent: p(
        `SELECT t.id, t.kind, t.amount, a.ref AS userId, t.created_at AS createdAt
         FROM transfers t JOIN accounts a ON a.id = t.credit_account_id
         WHERE t.ref = ? AND t.guild_id = ? ORDER BY t.id`,
      ),
      earnedSince: p(
        `SELECT COALESCE(SUM(t.amount), 0) AS total FROM transfers t
         WHERE t.credit_account_id = (SELECT id FROM accounts WHERE guild_id = @g AND type = 'member' AND ref = @u)
           AND t.debit_account_id = (SELECT id FROM accounts WHERE guild_id = @g AND type = 'issuance' AND ref = 'platform')
           AND t.created_at >= @since`,
      ),
      metaGet: p(`SELECT value FROM meta WHERE key = ?`),
      metaInsert: p(`INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?)`),
      tierAtOrBelow: p(
        `SELECT role_id AS roleId, threshold FROM tier_roles WHERE guild_id = ? AND threshold <= ?
         ORDER BY threshold DESC, role_id LIMIT 1`,
      ),
      tierAbove: p(
        `SELECT role_id AS roleId, threshold FROM tier_roles WHERE guild_id = ? AND threshold > ?
         ORDER BY threshold ASC, role_id LIMIT 1`,
      ),
    };
  }

  event(id: string): PlatformEventRow | undefined {
    return this.s.eventById.get(id);
  }

  insertEvent(row: PlatformEventRow): void {
    this.s.insertEvent.run(row.id, row.guildId, row.type, row.payloadHash, row.sparks, row.receivedAt);
  }

  referralOf(guildId: string, inviteeId: string): ReferralRow | undefined {
    return this.s.referralOf.get(guildId, inviteeId);
  }

  insertReferral(row: ReferralRow): void {
    this.s.insertReferral.run(row.guildId, row.inviteeUserId, row.referrerUserId, row.eventId, row.createdAt);
  }

  /** True when `target` is `start`'s referrer, or its referrer's referrer, and so on. */
  referralChainContains(guildId: string, start: string, target: string): boolean {
    return this.s.chainContains.get({ g: guildId, start, target, max: MAX_CHAIN })!.found === 1;
  }

  /** The entries an event wrote (all carry ref `event:<id>`), oldest first. */
  entriesOfEvent(guildId: string, ref: string): EventEntryRow[] {
    return this.s.entriesOfEvent.all(ref, guildId);
  }

  /** Sparks a member received from the platform issuance account since `since`. */
  platformEarnedSince(guildId: string, userId: string, since: number): number {
    return this.s.earnedSince.get({ g: guildId, u: userId, since })!.total;
  }

  /** The event id that was a member's honoured first subscription, if any. */
  firstSubscriptionOf(guildId: string, userId: string): string | undefined {
    return this.s.metaGet.get(firstSubKey(guildId, userId))?.value;
  }

  markFirstSubscription(guildId: string, userId: string, eventId: string, now: number): void {
    this.s.metaInsert.run(firstSubKey(guildId, userId), eventId, now);
  }

  /** The highest tier whose threshold is at most `lifetime`. */
  tierAtOrBelow(guildId: string, lifetime: number): TierRow | undefined {
    return this.s.tierAtOrBelow.get(guildId, lifetime);
  }

  /** The lowest tier whose threshold is above `lifetime`. */
  tierAbove(guildId: string, lifetime: number): TierRow | undefined {
    return this.s.tierAbove.get(guildId, lifetime);
  }
}

/*
 * "First subscription, once per member, ever" is a fact with no ledger entry of its own
 * (the bonus and the referrer's share may both be 0 Sparks), so it is kept in `meta`
 * under a per-member key whose primary key makes it unique without a schema change.
 */
function firstSubKey(guildId: string, userId: string): string {
  return `platform.first_subscription:${guildId}:${userId}`;
}
