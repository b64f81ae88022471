/**
 * `referral_qualification` and `referral_shares` on PostgreSQL through the synchronous facade:
 * the same methods and results as the SQLite `ReferralStore` (src/db/referral-store.ts), whose
 * comments say what each one is for. `referralStore(db)` is the one place that picks the
 * engine. Writes run inside the caller's `db.write`.
 *
 * Concurrency (READ COMMITTED, several processes). SQLite's BEGIN IMMEDIATE makes every
 * event's transaction run alone; here two may handle one invitee at once, so:
 * - `qualification` reads the row FOR UPDATE: the status a share is held or credited by, the
 *   volume a trade adds to, and the settle that releases (or lapses) the pending shares are
 *   one invitee's lock, taken in turn. Without it a share could be held as pending by an
 *   event that read "pending" just before another qualified the invitee and released the
 *   pending shares it could see — a share held for good.
 * - `addVolume`, `settle` and `settleShare` are conditional UPDATEs (`status = 'pending'`,
 *   arithmetic in the SET), never a read then a write: of two concurrent trades each volume
 *   counts, a qualification is settled once, and a share is settled (paid) once; its entry's
 *   key `event:<id>:referral` is the ledger's guard on top.
 * - Two deliveries of one event that both insert its share: the second waits for the first
 *   and, on the unique (guild_id, event_id), runs its transaction again, which finds the event.
 */
import type { ReferralShareStatus } from '../schema.ts';
import type { AppDb } from '../engine.ts';
import {
  ReferralStore,
  type InviteeSummary,
  type NewShare,
  type QualificationRow,
  type ReferralStoreApi,
  type ShareRow,
  type ShareTotals,
} from '../referral-store.ts';
import { PgStatementError } from './sync-protocol.ts';
import type { PgSyncDb } from './sync.ts';

const QUALIFICATION_COLS = `guild_id AS "guildId", invitee_user_id AS "inviteeUserId", status,
  volume_cents AS "volumeCents", qualify_volume_cents AS "qualifyVolumeCents", qualify_by AS "qualifyBy",
  created_at AS "createdAt", settled_at AS "settledAt"`;
const SHARE_COLS = `id, guild_id AS "guildId", referrer_user_id AS "referrerUserId",
  invitee_user_id AS "inviteeUserId", event_id AS "eventId", kind, amount, status,
  transfer_id AS "transferId", reason, created_at AS "createdAt", settled_at AS "settledAt"`;
const QUALIFICATION_KEY = `guild_id = $1 AND invitee_user_id = $2`;

/** Sum of `expr` over one invitee's shares of `status` (r: the referral; joined as in SQLite). */
const inviteeSum = (expr: string, status: string, join = '') =>
  `COALESCE((SELECT SUM(${expr}) FROM referral_shares s ${join}
     WHERE s.guild_id = r.guild_id AND s.invitee_user_id = r.invitee_user_id
       AND s.status = '${status}'), 0)::int8`;

const SQL = {
  qualification: `SELECT ${QUALIFICATION_COLS} FROM referral_qualification WHERE ${QUALIFICATION_KEY}
    FOR UPDATE`,
  insertQualification: `INSERT INTO referral_qualification
    (guild_id, invitee_user_id, status, qualify_volume_cents, qualify_by, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)`,
  addVolume: `UPDATE referral_qualification SET volume_cents = volume_cents + $3
    WHERE ${QUALIFICATION_KEY} AND status = 'pending' RETURNING ${QUALIFICATION_COLS}`,
  settle: `UPDATE referral_qualification SET status = $3, settled_at = $4
    WHERE ${QUALIFICATION_KEY} AND status = 'pending'`,
  due: `SELECT ${QUALIFICATION_COLS} FROM referral_qualification
    WHERE status = 'pending' AND qualify_by <= $1
    ORDER BY qualify_by, guild_id COLLATE "C", invitee_user_id COLLATE "C" LIMIT $2`,
  nextDue: `SELECT MIN(qualify_by) AS at FROM referral_qualification WHERE status = 'pending'`,
  insertShare: `INSERT INTO referral_shares
    (guild_id, referrer_user_id, invitee_user_id, event_id, kind, amount, status, reason, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) RETURNING ${SHARE_COLS}`,
  shareByEvent: `SELECT ${SHARE_COLS} FROM referral_shares WHERE guild_id = $1 AND event_id = $2`,
  shareWithEntry: `SELECT s.referrer_user_id AS "referrerUserId", s.amount, s.status, t.ref AS "entryRef"
    FROM referral_shares s LEFT JOIN transfers t ON t.id = s.transfer_id
    WHERE s.guild_id = $1 AND s.event_id = $2`,
  pendingShares: `SELECT ${SHARE_COLS} FROM referral_shares
    WHERE guild_id = $1 AND invitee_user_id = $2 AND status = 'pending' ORDER BY id`,
  settleShare: `UPDATE referral_shares SET status = $2, transfer_id = $3, settled_at = $4
    WHERE id = $1 AND status = 'pending'`,
  inviteesSince: `SELECT invitee_user_id AS id FROM referrals
    WHERE guild_id = $1 AND referrer_user_id = $2 AND created_at >= $3`,
  invitees: `SELECT r.invitee_user_id AS "inviteeUserId", r.created_at AS "referredAt",
      COALESCE(q.status, 'qualified') AS status, COALESCE(q.volume_cents, 0) AS "volumeCents",
      q.qualify_volume_cents AS "qualifyVolumeCents", q.qualify_by AS "qualifyBy",
      ${inviteeSum('s.amount', 'pending')} AS pending,
      ${inviteeSum('t.amount', 'credited', 'JOIN transfers t ON t.id = s.transfer_id')} AS credited,
      ${inviteeSum('s.amount', 'lapsed')} AS lapsed
    FROM referrals r
    LEFT JOIN referral_qualification q ON q.guild_id = r.guild_id AND q.invitee_user_id = r.invitee_user_id
    WHERE r.guild_id = $1 AND r.referrer_user_id = $2
    ORDER BY r.created_at DESC, r.invitee_user_id COLLATE "C"
    LIMIT $3`,
  inviteeCount: `SELECT COUNT(*) AS n FROM referrals WHERE guild_id = $1 AND referrer_user_id = $2`,
  totals: `SELECT COALESCE(SUM(CASE WHEN s.status = 'pending' THEN s.amount END), 0)::int8 AS pending,
      COALESCE(SUM(CASE WHEN s.status = 'credited' THEN t.amount END), 0)::int8 AS credited,
      COALESCE(SUM(CASE WHEN s.status = 'lapsed' THEN s.amount END), 0)::int8 AS lapsed
    FROM referral_shares s LEFT JOIN transfers t ON t.id = s.transfer_id
    WHERE s.guild_id = $1 AND s.referrer_user_id = $2`,
};

/** The constraints a concurrent writer of the same invitee or event can make an insert hit. */
const RACED = new Set(['referral_qualification_guild_id_invitee_user_id_pk', 'referral_shares_event']);

export class PgReferralStore implements ReferralStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  qualification(guildId: string, inviteeId: string): QualificationRow | undefined {
    return this.db.query<QualificationRow>(SQL.qualification, [guildId, inviteeId])[0];
  }

  insertQualification(row: Omit<QualificationRow, 'volumeCents' | 'settledAt'>): void {
    this.raced(() =>
      this.db.run(SQL.insertQualification, [
        row.guildId,
        row.inviteeUserId,
        row.status,
        row.qualifyVolumeCents,
        row.qualifyBy,
        row.createdAt,
      ]),
    );
  }

  addVolume(guildId: string, inviteeId: string, cents: number): QualificationRow | undefined {
    return this.db.query<QualificationRow>(SQL.addVolume, [guildId, inviteeId, cents])[0];
  }

  settle(guildId: string, inviteeId: string, to: 'qualified' | 'lapsed', now: number): boolean {
    return this.db.run(SQL.settle, [guildId, inviteeId, to, now]).rowCount === 1;
  }

  due(now: number, limit: number): QualificationRow[] {
    return this.db.query<QualificationRow>(SQL.due, [now, limit]);
  }

  nextDue(): number | null {
    return this.db.query<{ at: number | null }>(SQL.nextDue)[0]?.at ?? null;
  }

  insertShare(share: NewShare): ShareRow {
    return this.raced(
      () =>
        this.db.query<ShareRow>(SQL.insertShare, [
          share.guildId,
          share.referrerUserId,
          share.inviteeUserId,
          share.eventId,
          share.kind,
          share.amount,
          share.reason,
          share.createdAt,
        ])[0]!,
    );
  }

  shareByEvent(guildId: string, eventId: string): ShareRow | undefined {
    return this.db.query<ShareRow>(SQL.shareByEvent, [guildId, eventId])[0];
  }

  shareWithEntry(
    guildId: string,
    eventId: string,
  ): (Pick<ShareRow, 'referrerUserId' | 'amount' | 'status'> & { entryRef: string | null }) | undefined {
    return this.db.query<
      Pick<ShareRow, 'referrerUserId' | 'amount' | 'status'> & { entryRef: string | null }
    >(SQL.shareWithEntry, [guildId, eventId])[0];
  }

  pendingShares(guildId: string, inviteeId: string): ShareRow[] {
    return this.db.query<ShareRow>(SQL.pendingShares, [guildId, inviteeId]);
  }

  settleShare(
    id: number,
    to: Exclude<ReferralShareStatus, 'pending'>,
    transferId: number | null,
    now: number,
  ): void {
    this.db.run(SQL.settleShare, [id, to, transferId, now]);
  }

  inviteesSince(guildId: string, referrerId: string, since: number): string[] {
    return this.db.query<{ id: string }>(SQL.inviteesSince, [guildId, referrerId, since]).map((r) => r.id);
  }

  invitees(guildId: string, referrerId: string, limit: number): { items: InviteeSummary[]; total: number } {
    return {
      items: this.db.query<InviteeSummary>(SQL.invitees, [guildId, referrerId, limit]),
      total: this.db.query<{ n: number }>(SQL.inviteeCount, [guildId, referrerId])[0]!.n,
    };
  }

  totals(guildId: string, referrerId: string): ShareTotals {
    return this.db.query<ShareTotals>(SQL.totals, [guildId, referrerId])[0]!;
  }

  /** Runs an insert a concurrent writer may have beaten: then the whole write runs again. */
  private raced<T>(insert: () => T): T {
    try {
      return insert();
    } catch (e) {
      if (e instanceof PgStatementError && e.constraint !== undefined && RACED.has(e.constraint))
        throw this.db.retryTransaction(e);
      throw e;
    }
  }
}

/** The referral store of `db`'s engine. */
export function referralStore(db: AppDb): ReferralStoreApi {
  return db.engine === 'postgres' ? new PgReferralStore(db) : new ReferralStore(db);
}
