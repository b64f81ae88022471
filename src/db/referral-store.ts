import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { referralQualification, referralShares, type ReferralShareStatus } from './schema.ts';

export type QualificationRow = typeof referralQualification.$inferSelect;
export type ShareRow = typeof referralShares.$inferSelect;
export type NewShare = Pick<
  ShareRow,
  'guildId' | 'referrerUserId' | 'inviteeUserId' | 'eventId' | 'kind' | 'amount' | 'reason' | 'createdAt'
>;

/** One invitee of a referrer, as `/sparks referrals` and the member page show it. */
export interface InviteeSummary {
  inviteeUserId: string;
  referredAt: number;
  /** `qualified` also for a referral registered before referral quality, or with it off. */
  status: 'pending' | 'qualified' | 'lapsed';
  volumeCents: number;
  qualifyVolumeCents: number | null;
  qualifyBy: number | null;
  /** Sparks of the shares waiting for the invitee to qualify. */
  pending: number;
  /** Sparks credited to the referrer from this invitee's shares. */
  credited: number;
  /** Sparks of the shares that lapsed. */
  lapsed: number;
}

/** The surface a second engine implements (see LedgerReadStore for the pattern). */
export interface ReferralStoreApi {
  qualification(guildId: string, inviteeId: string): QualificationRow | undefined;
  insertQualification(row: Omit<QualificationRow, 'volumeCents' | 'settledAt'>): void;
  /** Adds trade volume to a pending qualification; the row after, or undefined when not pending. */
  addVolume(guildId: string, inviteeId: string, cents: number): QualificationRow | undefined;
  /** Moves a pending qualification to qualified or lapsed; false when it was not pending. */
  settle(guildId: string, inviteeId: string, to: 'qualified' | 'lapsed', now: number): boolean;
  /** Pending qualifications whose window ended at or before `now`, oldest first. */
  due(now: number, limit: number): QualificationRow[];
  /** When the next pending window ends; null when none is pending. */
  nextDue(): number | null;
  insertShare(share: NewShare): ShareRow;
  shareByEvent(guildId: string, eventId: string): ShareRow | undefined;
  /** The share of an event with the `ref` of the entry that credited it (null: none). */
  shareWithEntry(
    guildId: string,
    eventId: string,
  ): (Pick<ShareRow, 'referrerUserId' | 'amount' | 'status'> & { entryRef: string | null }) | undefined;
  pendingShares(guildId: string, inviteeId: string): ShareRow[];
  settleShare(
    id: number,
    to: Exclude<ReferralShareStatus, 'pending'>,
    transferId: number | null,
    now: number,
  ): void;
  /** Referrals a referrer registered since `since` (ms), invitee ids only. */
  inviteesSince(guildId: string, referrerId: string, since: number): string[];
  invitees(guildId: string, referrerId: string, limit: number): { items: InviteeSummary[]; total: number };
  /** A referrer's shares in all, by state (credited: what the entries actually credited). */
  totals(guildId: string, referrerId: string): ShareTotals;
}

export interface ShareTotals {
  pending: number;
  credited: number;
  lapsed: number;
}

const p = sql.placeholder;

/**
 * Owner of `referral_qualification` and `referral_shares` (referral quality, SPEC §11); it
 * reads `referrals` (PlatformStore's) and the credited entries' amounts for the summaries.
 * Writes run inside the caller's `db.write`. Prepared once per connection.
 */
export class ReferralStore implements ReferralStoreApi {
  private readonly s;
  private readonly raw;

  constructor(db: Db) {
    const { orm, sqlite } = db;
    const q = referralQualification;
    const key = and(eq(q.guildId, p('guildId')), eq(q.inviteeUserId, p('inviteeId')));
    this.s = {
      qualification: orm.select().from(q).where(key).prepare(),
      insertQualification: orm
        .insert(q)
        .values({
          guildId: p('guildId'),
          inviteeUserId: p('inviteeUserId'),
          status: p('status'),
          qualifyVolumeCents: p('qualifyVolumeCents'),
          qualifyBy: p('qualifyBy'),
          createdAt: p('createdAt'),
        })
        .prepare(),
      due: orm
        .select()
        .from(q)
        .where(and(eq(q.status, 'pending'), sql`${q.qualifyBy} <= ${p('now')}`))
        .orderBy(asc(q.qualifyBy))
        .limit(p('limit'))
        .prepare(),
      insertShare: orm
        .insert(referralShares)
        .values({
          guildId: p('guildId'),
          referrerUserId: p('referrerUserId'),
          inviteeUserId: p('inviteeUserId'),
          eventId: p('eventId'),
          kind: p('kind'),
          amount: p('amount'),
          status: 'pending',
          reason: p('reason'),
          createdAt: p('createdAt'),
        })
        .returning()
        .prepare(),
      shareByEvent: orm
        .select()
        .from(referralShares)
        .where(and(eq(referralShares.guildId, p('guildId')), eq(referralShares.eventId, p('eventId'))))
        .prepare(),
      pendingShares: orm
        .select()
        .from(referralShares)
        .where(
          and(
            eq(referralShares.guildId, p('guildId')),
            eq(referralShares.inviteeUserId, p('inviteeId')),
            eq(referralShares.status, 'pending'),
          ),
        )
        .orderBy(asc(referralShares.id))
        .prepare(),
    };
    // Raw: arithmetic in the SET and RETURNING, the partial index's MIN, and the summary's
    // per-invitee sums, which drizzle's builder would spread over several statements.
    this.raw = {
      addVolume: sqlite.prepare<{ guildId: string; inviteeId: string; cents: number }, RawQualification>(
        `UPDATE referral_qualification SET volume_cents = volume_cents + @cents
         WHERE guild_id = @guildId AND invitee_user_id = @inviteeId AND status = 'pending'
         RETURNING ${QUALIFICATION_COLUMNS}`,
      ),
      settle: sqlite.prepare<{ guildId: string; inviteeId: string; to: string; now: number }>(
        `UPDATE referral_qualification SET status = @to, settled_at = @now
         WHERE guild_id = @guildId AND invitee_user_id = @inviteeId AND status = 'pending'`,
      ),
      shareWithEntry: sqlite.prepare<
        { guildId: string; eventId: string },
        Pick<ShareRow, 'referrerUserId' | 'amount' | 'status'> & { entryRef: string | null }
      >(
        `SELECT s.referrer_user_id AS referrerUserId, s.amount, s.status, t.ref AS entryRef
         FROM referral_shares s LEFT JOIN transfers t ON t.id = s.transfer_id
         WHERE s.guild_id = @guildId AND s.event_id = @eventId`,
      ),
      nextDue: sqlite.prepare<[], { at: number | null }>(
        `SELECT MIN(qualify_by) AS at FROM referral_qualification WHERE status = 'pending'`,
      ),
      settleShare: sqlite.prepare<{ id: number; to: string; transferId: number | null; now: number }>(
        `UPDATE referral_shares SET status = @to, transfer_id = @transferId, settled_at = @now
         WHERE id = @id AND status = 'pending'`,
      ),
      inviteesSince: sqlite.prepare<{ guildId: string; referrerId: string; since: number }, { id: string }>(
        `SELECT invitee_user_id AS id FROM referrals
         WHERE guild_id = @guildId AND referrer_user_id = @referrerId AND created_at >= @since`,
      ),
      invitees: sqlite.prepare<{ guildId: string; referrerId: string; limit: number }, RawInvitee>(
        `SELECT r.invitee_user_id AS inviteeUserId, r.created_at AS referredAt,
                COALESCE(q.status, 'qualified') AS status, COALESCE(q.volume_cents, 0) AS volumeCents,
                q.qualify_volume_cents AS qualifyVolumeCents, q.qualify_by AS qualifyBy,
                COALESCE((SELECT SUM(s.amount) FROM referral_shares s WHERE s.guild_id = r.guild_id
                   AND s.invitee_user_id = r.invitee_user_id AND s.status = 'pending'), 0) AS pending,
                COALESCE((SELECT SUM(t.amount) FROM referral_shares s JOIN transfers t ON t.id = s.transfer_id
                   WHERE s.guild_id = r.guild_id AND s.invitee_user_id = r.invitee_user_id
                     AND s.status = 'credited'), 0) AS credited,
                COALESCE((SELECT SUM(s.amount) FROM referral_shares s WHERE s.guild_id = r.guild_id
                   AND s.invitee_user_id = r.invitee_user_id AND s.status = 'lapsed'), 0) AS lapsed
         FROM referrals r
         LEFT JOIN referral_qualification q ON q.guild_id = r.guild_id AND q.invitee_user_id = r.invitee_user_id
         WHERE r.guild_id = @guildId AND r.referrer_user_id = @referrerId
         ORDER BY r.created_at DESC, r.invitee_user_id
         LIMIT @limit`,
      ),
      totals: sqlite.prepare<{ guildId: string; referrerId: string }, ShareTotals>(
        `SELECT COALESCE(SUM(CASE WHEN s.status = 'pending' THEN s.amount END), 0) AS pending,
                COALESCE(SUM(CASE WHEN s.status = 'credited' THEN t.amount END), 0) AS credited,
                COALESCE(SUM(CASE WHEN s.status = 'lapsed' THEN s.amount END), 0) AS lapsed
         FROM referral_shares s LEFT JOIN transfers t ON t.id = s.transfer_id
         WHERE s.guild_id = @guildId AND s.referrer_user_id = @referrerId`,
      ),
      inviteeCount: sqlite.prepare<{ guildId: string; referrerId: string }, { n: number }>(
        `SELECT COUNT(*) AS n FROM referrals WHERE guild_id = @guildId AND referrer_user_id = @referrerId`,
      ),
    };
  }

  qualification(guildId: string, inviteeId: string): QualificationRow | undefined {
    return this.s.qualification.get({ guildId, inviteeId });
  }

  insertQualification(row: Omit<QualificationRow, 'volumeCents' | 'settledAt'>): void {
    this.s.insertQualification.run(row);
  }

  addVolume(guildId: string, inviteeId: string, cents: number): QualificationRow | undefined {
    return this.raw.addVolume.get({ guildId, inviteeId, cents });
  }

  settle(guildId: string, inviteeId: string, to: 'qualified' | 'lapsed', now: number): boolean {
    return this.raw.settle.run({ guildId, inviteeId, to, now }).changes === 1;
  }

  due(now: number, limit: number): QualificationRow[] {
    return this.s.due.all({ now, limit });
  }

  nextDue(): number | null {
    return this.raw.nextDue.get()?.at ?? null;
  }

  insertShare(share: NewShare): ShareRow {
    return this.s.insertShare.get(share);
  }

  shareByEvent(guildId: string, eventId: string): ShareRow | undefined {
    return this.s.shareByEvent.get({ guildId, eventId });
  }

  shareWithEntry(
    guildId: string,
    eventId: string,
  ): (Pick<ShareRow, 'referrerUserId' | 'amount' | 'status'> & { entryRef: string | null }) | undefined {
    return this.raw.shareWithEntry.get({ guildId, eventId });
  }

  pendingShares(guildId: string, inviteeId: string): ShareRow[] {
    return this.s.pendingShares.all({ guildId, inviteeId });
  }

  settleShare(
    id: number,
    to: Exclude<ReferralShareStatus, 'pending'>,
    transferId: number | null,
    now: number,
  ): void {
    this.raw.settleShare.run({ id, to, transferId, now });
  }

  inviteesSince(guildId: string, referrerId: string, since: number): string[] {
    return this.raw.inviteesSince.all({ guildId, referrerId, since }).map((r) => r.id);
  }

  totals(guildId: string, referrerId: string): ShareTotals {
    return this.raw.totals.get({ guildId, referrerId })!;
  }

  invitees(guildId: string, referrerId: string, limit: number): { items: InviteeSummary[]; total: number } {
    return {
      items: this.raw.invitees.all({ guildId, referrerId, limit }),
      total: this.raw.inviteeCount.get({ guildId, referrerId })!.n,
    };
  }
}

type RawQualification = QualificationRow;
type RawInvitee = InviteeSummary;

const QUALIFICATION_COLUMNS = `guild_id AS guildId, invitee_user_id AS inviteeUserId, status,
  volume_cents AS volumeCents, qualify_volume_cents AS qualifyVolumeCents, qualify_by AS qualifyBy,
  created_at AS createdAt, settled_at AS settledAt`;
