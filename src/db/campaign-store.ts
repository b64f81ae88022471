import { and, asc, desc, eq, gte, isNotNull, isNull, lte, min, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from './open.ts';
import { campaignClaims, campaignGateNotices, campaigns, transfers } from './schema.ts';

export type CampaignRow = typeof campaigns.$inferSelect;
export type CampaignEndReason = NonNullable<CampaignRow['endReason']>;

export type NewCampaign = Pick<
  typeof campaigns.$inferInsert,
  | 'guildId'
  | 'channelId'
  | 'messageId'
  | 'emojiKey'
  | 'emojiDisplay'
  | 'name'
  | 'sparks'
  | 'endsAt'
  | 'maxClaims'
  | 'budget'
  | 'requiredRoleId'
  | 'minMemberDays'
  | 'minAccountDays'
  | 'verifiedWallet'
  | 'revokeOnUnreact'
  | 'createdBy'
  | 'createdAt'
>;

export interface ClaimRow {
  userId: string;
  transferId: number;
  /** The reversal that closed the grant (revoke_on_unreact), if any. */
  reversedBy: number | null;
}

/** The store's methods, as both engines' stores give them (src/db/pg/campaign-store.ts). */
export type CampaignStoreApi = { [K in keyof CampaignStore]: CampaignStore[K] };

const p = sql.placeholder;

/**
 * The campaigns and campaign_claims tables. Every statement is prepared once per
 * connection: plain reads and writes with drizzle's builder, and raw SQL (named
 * parameters) only for the two set-based statements of the burst path, which hand SQLite
 * a JSON array of members so that a whole batch costs one statement (`claimedAmong`,
 * `insertClaims`). Methods that write must run inside the caller's write transaction.
 */
export class CampaignStore {
  private readonly s;
  private readonly claimedAmongStmt;
  private readonly insertClaimsStmt;

  constructor(db: Db) {
    const orm = db.orm;
    const reversal = alias(transfers, 'reversal');
    const claimCols = {
      userId: campaignClaims.userId,
      transferId: campaignClaims.transferId,
      reversedBy: reversal.id,
    };
    const claimsOf = orm
      .select(claimCols)
      .from(campaignClaims)
      // transfers_closes_once: at most one reversal per grant, so the join adds no rows.
      .leftJoin(reversal, eq(reversal.closesId, campaignClaims.transferId));
    const active = eq(campaigns.status, 'active');
    const inGuild = eq(campaigns.guildId, p('guildId'));
    this.s = {
      byId: orm
        .select()
        .from(campaigns)
        .where(eq(campaigns.id, p('id')))
        .prepare(),
      active: orm.select().from(campaigns).where(active).orderBy(asc(campaigns.id)).prepare(),
      nextEnd: orm
        .select({ at: min(campaigns.endsAt) })
        .from(campaigns)
        .where(and(active, isNotNull(campaigns.endsAt)))
        .prepare(),
      dueToEnd: orm
        .select()
        .from(campaigns)
        .where(and(active, lte(campaigns.endsAt, p('now'))))
        .orderBy(asc(campaigns.endsAt), asc(campaigns.id))
        .limit(p('limit'))
        .prepare(),
      activeInGuild: orm
        .select()
        .from(campaigns)
        .where(and(inGuild, active))
        .orderBy(asc(campaigns.id))
        .prepare(),
      activeOnMessage: orm
        .select()
        .from(campaigns)
        .where(
          and(
            inGuild,
            eq(campaigns.messageId, p('messageId')),
            eq(campaigns.emojiKey, p('emojiKey')),
            active,
          ),
        )
        .prepare(),
      activeByName: orm
        .select()
        .from(campaigns)
        .where(and(inGuild, active, sql`lower(${campaigns.name}) = lower(${p('name')})`))
        .orderBy(asc(campaigns.id))
        .prepare(),
      recentEnded: orm
        .select()
        .from(campaigns)
        .where(and(inGuild, eq(campaigns.status, 'ended')))
        .orderBy(desc(campaigns.endedAt), desc(campaigns.id))
        .limit(p('limit'))
        .prepare(),
      unsummarized: orm
        .select()
        .from(campaigns)
        .where(
          and(
            eq(campaigns.status, 'ended'),
            isNull(campaigns.summaryPostedAt),
            gte(campaigns.endedAt, p('since')),
          ),
        )
        .orderBy(asc(campaigns.id))
        .prepare(),
      insert: orm
        .insert(campaigns)
        .values({
          guildId: p('guildId'),
          channelId: p('channelId'),
          messageId: p('messageId'),
          emojiKey: p('emojiKey'),
          emojiDisplay: p('emojiDisplay'),
          name: p('name'),
          sparks: p('sparks'),
          endsAt: p('endsAt'),
          maxClaims: p('maxClaims'),
          budget: p('budget'),
          requiredRoleId: p('requiredRoleId'),
          minMemberDays: p('minMemberDays'),
          minAccountDays: p('minAccountDays'),
          verifiedWallet: p('verifiedWallet'),
          revokeOnUnreact: p('revokeOnUnreact'),
          createdBy: p('createdBy'),
          createdAt: p('createdAt'),
        })
        .returning()
        .prepare(),
      insertGateNotice: orm
        .insert(campaignGateNotices)
        .values({ campaignId: p('campaignId'), userId: p('userId'), gate: p('gate'), createdAt: p('now') })
        .onConflictDoNothing()
        .prepare(),
      rename: orm
        .update(campaigns)
        .set({ name: sql`${p('name')}` })
        .where(eq(campaigns.id, p('id')))
        .prepare(),
      claimOf: claimsOf
        .where(and(eq(campaignClaims.campaignId, p('campaignId')), eq(campaignClaims.userId, p('userId'))))
        .prepare(),
      claims: claimsOf.where(eq(campaignClaims.campaignId, p('campaignId'))).prepare(),
      hasClaim: orm
        .select({ one: sql<number>`1` })
        .from(campaignClaims)
        .where(and(eq(campaignClaims.campaignId, p('campaignId')), eq(campaignClaims.userId, p('userId'))))
        .prepare(),
      insertClaim: orm
        .insert(campaignClaims)
        .values({
          campaignId: p('campaignId'),
          userId: p('userId'),
          transferId: p('transferId'),
          createdAt: p('createdAt'),
        })
        .prepare(),
      countClaims: orm
        .update(campaigns)
        .set({
          claims: sql`${campaigns.claims} + ${p('claims')}`,
          granted: sql`${campaigns.granted} + ${p('granted')}`,
        })
        .where(eq(campaigns.id, p('id')))
        .prepare(),
      end: orm
        .update(campaigns)
        .set({ status: 'ended', endReason: sql`${p('reason')}`, endedAt: sql`${p('now')}` })
        .where(and(eq(campaigns.id, p('id')), active))
        .prepare(),
      summaryPosted: orm
        .update(campaigns)
        .set({ summaryPostedAt: sql`${p('now')}` })
        .where(and(eq(campaigns.id, p('id')), isNull(campaigns.summaryPostedAt)))
        .prepare(),
      reversedSum: orm
        .select({ total: sql<number>`coalesce(sum(${reversal.amount}), 0)`.mapWith(Number) })
        .from(campaignClaims)
        .innerJoin(reversal, eq(reversal.closesId, campaignClaims.transferId))
        .where(eq(campaignClaims.campaignId, p('campaignId')))
        .prepare(),
      latest: orm
        .select()
        .from(campaigns)
        .where(eq(campaigns.guildId, p('guildId')))
        .orderBy(desc(campaigns.id))
        .limit(p('limit'))
        .prepare(),
    };
    this.claimedAmongStmt = db.sqlite.prepare<{ campaignId: number; userIds: string }, { userId: string }>(
      `SELECT user_id AS userId FROM campaign_claims
       WHERE campaign_id = @campaignId AND user_id IN (SELECT value FROM json_each(@userIds))`,
    );
    this.insertClaimsStmt = db.sqlite.prepare<{ campaignId: number; createdAt: number; claims: string }>(
      `INSERT INTO campaign_claims (campaign_id, user_id, transfer_id, created_at)
       SELECT @campaignId, j.value ->> 0, j.value ->> 1, @createdAt FROM json_each(@claims) j`,
    );
  }

  byId(id: number): CampaignRow | undefined {
    return this.s.byId.get({ id });
  }

  /** Every active campaign of every guild (the in-memory reaction index is built from these). */
  active(): CampaignRow[] {
    return this.s.active.all();
  }

  /** The earliest end time of any active campaign of any guild; null when none has one. */
  nextEnd(): number | null {
    return this.s.nextEnd.get()?.at ?? null;
  }

  /**
   * Active campaigns of every guild whose end time has come (`ends_at <= now`), earliest
   * first, at most `limit` (the end-time scheduler's pass; campaigns_status serves it).
   */
  dueToEnd(now: number, limit: number): CampaignRow[] {
    return this.s.dueToEnd.all({ now, limit });
  }

  /**
   * A campaign as a grant batch opens it, held for the rest of the caller's write so that no
   * other connection's batch or end changes it meanwhile (caps and budget stay exact).
   * Here `byId`: the write transaction (BEGIN IMMEDIATE) already excludes every other
   * writer; the PostgreSQL store locks the row.
   */
  lockForBatch(id: number): CampaignRow | undefined {
    return this.byId(id);
  }

  activeInGuild(guildId: string): CampaignRow[] {
    return this.s.activeInGuild.all({ guildId });
  }

  activeOnMessage(guildId: string, messageId: string, emojiKey: string): CampaignRow | undefined {
    return this.s.activeOnMessage.get({ guildId, messageId, emojiKey });
  }

  /** Active campaigns of a guild with this name, compared case-insensitively. */
  activeByName(guildId: string, name: string): CampaignRow[] {
    return this.s.activeByName.all({ guildId, name });
  }

  recentEnded(guildId: string, limit: number): CampaignRow[] {
    return this.s.recentEnded.all({ guildId, limit });
  }

  /** Ended campaigns whose summary never reached the log channel (a crash in between). */
  unsummarized(since: number): CampaignRow[] {
    return this.s.unsummarized.all({ since });
  }

  insert(c: NewCampaign): CampaignRow {
    return this.s.insert.get({ ...c });
  }

  /**
   * Records that a member was told a gate refused them (inside the caller's write); false
   * when they had been told already: one notice per member and campaign.
   */
  insertGateNotice(campaignId: number, userId: string, gate: string, now: number): boolean {
    return this.s.insertGateNotice.run({ campaignId, userId, gate, now }).changes === 1;
  }

  rename(id: number, name: string): void {
    this.s.rename.run({ id, name });
  }

  claimOf(campaignId: number, userId: string): ClaimRow | undefined {
    return this.s.claimOf.get({ campaignId, userId });
  }

  claims(campaignId: number): ClaimRow[] {
    return this.s.claims.all({ campaignId });
  }

  hasClaim(campaignId: number, userId: string): boolean {
    return this.s.hasClaim.get({ campaignId, userId }) !== undefined;
  }

  /** Which of these members already hold a claim on the campaign: one statement for all. */
  claimedAmong(campaignId: number, userIds: readonly string[]): Set<string> {
    const rows = this.claimedAmongStmt.all({ campaignId, userIds: JSON.stringify(userIds) });
    return new Set(rows.map((r) => r.userId));
  }

  /** `insertClaim` for many (member, grant) pairs in one statement. */
  insertClaims(campaignId: number, claims: readonly (readonly [string, number])[], now: number): void {
    this.insertClaimsStmt.run({ campaignId, createdAt: now, claims: JSON.stringify(claims) });
  }

  /** The campaign's counters are added separately, by countClaims. */
  insertClaim(campaignId: number, userId: string, transferId: number, now: number): void {
    this.s.insertClaim.run({ campaignId, userId, transferId, createdAt: now });
  }

  /** Adds claims and granted Sparks to a campaign's counters, in the claims' transaction. */
  countClaims(campaignId: number, claims: number, granted: number): void {
    this.s.countClaims.run({ id: campaignId, claims, granted });
  }

  /** True when this call ended it; false when it had already ended (ending is idempotent). */
  end(id: number, reason: CampaignEndReason, now: number): boolean {
    return this.s.end.run({ id, reason, now }).changes === 1;
  }

  markSummaryPosted(id: number, now: number): void {
    this.s.summaryPosted.run({ id, now });
  }

  /** Sparks taken back from this campaign's grants (revoke_on_unreact). */
  reversed(campaignId: number): number {
    return this.s.reversedSum.get({ campaignId })?.total ?? 0;
  }

  /** The guild's latest campaigns (active or ended), newest first, with their counters. */
  latest(guildId: string, limit: number): CampaignRow[] {
    return this.s.latest.all({ guildId, limit });
  }
}
