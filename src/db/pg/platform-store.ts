/**
 * `platform_events`, `referrals` and `meta` on PostgreSQL through the synchronous facade: the
 * same methods and results as the SQLite `PlatformStore` (src/db/platform-store.ts), whose
 * comments say what each one is for. `platformStore(db)` is the one place that picks the
 * engine. Writes run inside the caller's `db.write`.
 */
import type { AppDb } from '../engine.ts';
import {
  MAX_CHAIN,
  PlatformStore,
  firstSubKey,
  type EventEntryRow,
  type PlatformEventRow,
  type PlatformStoreApi,
  type ReferralRow,
} from '../platform-store.ts';
import type { PgSyncDb } from './sync.ts';
import { PgStatementError } from './sync-protocol.ts';

const SQL = {
  eventById: `SELECT id, guild_id AS "guildId", type, payload_hash AS "payloadHash", sparks,
    received_at AS "receivedAt" FROM platform_events WHERE id = $1`,
  insertEvent: `INSERT INTO platform_events (id, guild_id, type, payload_hash, sparks, received_at)
    VALUES ($1, $2, $3, $4, $5, $6)`,
  referralOf: `SELECT guild_id AS "guildId", invitee_user_id AS "inviteeUserId",
    referrer_user_id AS "referrerUserId", event_id AS "eventId", created_at AS "createdAt"
    FROM referrals WHERE guild_id = $1 AND invitee_user_id = $2`,
  insertReferral: `INSERT INTO referrals (guild_id, invitee_user_id, referrer_user_id, event_id, created_at)
    VALUES ($1, $2, $3, $4, $5)`,
  // As on SQLite: UNION (not UNION ALL) and the depth bound stop the walk even on a cycle.
  chainContains: `WITH RECURSIVE chain(user_id, depth) AS (
      SELECT referrer_user_id, 1 FROM referrals WHERE guild_id = $1 AND invitee_user_id = $2
      UNION
      SELECT r.referrer_user_id, c.depth + 1 FROM referrals r JOIN chain c
        ON r.guild_id = $1 AND r.invitee_user_id = c.user_id
      WHERE c.depth < $4
    )
    SELECT EXISTS (SELECT 1 FROM chain WHERE user_id = $3) AS found`,
  entriesOfEvent: `SELECT t.id, t.kind, t.amount, a.ref AS "userId", t.created_at AS "createdAt"
    FROM transfers t JOIN accounts a ON a.id = t.credit_account_id
    WHERE t.ref = $1 AND t.guild_id = $2 ORDER BY t.id`,
  // transfers.amount is integer, so SUM is already int8; the cast keeps it int8 (read as a
  // JS number) rather than numeric (a string) should the column ever widen to int8.
  earnedSince: `SELECT COALESCE(SUM(t.amount), 0)::int8 AS total FROM transfers t
    WHERE t.credit_account_id = (SELECT id FROM accounts WHERE guild_id = $1 AND type = 'member' AND ref = $2)
      AND t.debit_account_id = (SELECT id FROM accounts WHERE guild_id = $1 AND type = 'issuance' AND ref = 'platform')
      AND t.created_at >= $3`,
  metaGet: `SELECT value FROM meta WHERE key = $1`,
  metaInsert: `INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3)`,
};

export class PgPlatformStore implements PlatformStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  event(id: string): PlatformEventRow | undefined {
    return this.db.query<PlatformEventRow>(SQL.eventById, [id])[0];
  }

  /**
   * A concurrent delivery of the same event id (another process, between this write's look-up
   * and its insert) takes the key first: the write runs again, and its look-up then answers
   * "duplicate", as SQLite's single writer would have.
   */
  insertEvent(row: PlatformEventRow): void {
    this.insertOrRetry('platform_events_pkey', SQL.insertEvent, [
      row.id,
      row.guildId,
      row.type,
      row.payloadHash,
      row.sparks,
      row.receivedAt,
    ]);
  }

  private insertOrRetry(constraint: string, text: string, params: readonly unknown[]): void {
    try {
      this.db.run(text, params);
    } catch (e) {
      if (e instanceof PgStatementError && e.constraint === constraint) throw this.db.retryTransaction(e);
      throw e;
    }
  }

  referralOf(guildId: string, inviteeId: string): ReferralRow | undefined {
    return this.db.query<ReferralRow>(SQL.referralOf, [guildId, inviteeId])[0];
  }

  /** As insertEvent: a referral another process registered first makes the write run again. */
  insertReferral(row: ReferralRow): void {
    this.insertOrRetry('referrals_guild_id_invitee_user_id_pk', SQL.insertReferral, [
      row.guildId,
      row.inviteeUserId,
      row.referrerUserId,
      row.eventId,
      row.createdAt,
    ]);
  }

  referralChainContains(guildId: string, start: string, target: string): boolean {
    return this.db.query<{ found: boolean }>(SQL.chainContains, [guildId, start, target, MAX_CHAIN])[0]!
      .found;
  }

  entriesOfEvent(guildId: string, ref: string): EventEntryRow[] {
    return this.db.query<EventEntryRow>(SQL.entriesOfEvent, [ref, guildId]);
  }

  platformEarnedSince(guildId: string, userId: string, since: number): number {
    return this.db.query<{ total: number }>(SQL.earnedSince, [guildId, userId, since])[0]!.total;
  }

  firstSubscriptionOf(guildId: string, userId: string): string | undefined {
    return this.db.query<{ value: string }>(SQL.metaGet, [firstSubKey(guildId, userId)])[0]?.value;
  }

  markFirstSubscription(guildId: string, userId: string, eventId: string, now: number): void {
    this.db.run(SQL.metaInsert, [firstSubKey(guildId, userId), eventId, now]);
  }
}

/** The platform store of `db`'s engine. */
export function platformStore(db: AppDb): PlatformStoreApi {
  return db.engine === 'postgres' ? new PgPlatformStore(db) : new PlatformStore(db);
}
