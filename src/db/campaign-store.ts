import type { Statement } from 'better-sqlite3';
import type { Sqlite } from './open.ts';

export type CampaignEndReason = 'time' | 'cap' | 'budget' | 'moderator';

export interface CampaignRow {
  id: number;
  guildId: string;
  channelId: string;
  messageId: string;
  emojiKey: string;
  emojiDisplay: string;
  name: string;
  sparks: number;
  endsAt: number | null;
  maxClaims: number | null;
  budget: number | null;
  requiredRoleId: string | null;
  minMemberDays: number | null;
  revokeOnUnreact: number;
  status: 'active' | 'ended';
  endReason: CampaignEndReason | null;
  claims: number;
  granted: number;
  createdBy: string;
  createdAt: number;
  endedAt: number | null;
  summaryPostedAt: number | null;
}

export type NewCampaign = Pick<
  CampaignRow,
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

const COLS = `id, guild_id AS guildId, channel_id AS channelId, message_id AS messageId, emoji_key AS emojiKey,
  emoji_display AS emojiDisplay, name, sparks, ends_at AS endsAt, max_claims AS maxClaims, budget,
  required_role_id AS requiredRoleId, min_member_days AS minMemberDays, revoke_on_unreact AS revokeOnUnreact,
  status, end_reason AS endReason, claims, granted, created_by AS createdBy, created_at AS createdAt,
  ended_at AS endedAt, summary_posted_at AS summaryPostedAt`;

/**
 * Campaign SQL, prepared once per connection. The grant path (claimOf, insertClaim,
 * countClaim, byId) runs for every reaction of a burst, so it never goes through the
 * query builder.
 */
export class CampaignStore {
  private readonly s: {
    byId: Statement<[number], CampaignRow>;
    active: Statement<[], CampaignRow>;
    activeInGuild: Statement<[string], CampaignRow>;
    activeOnMessage: Statement<[string, string, string], CampaignRow>;
    activeByName: Statement<[string, string], CampaignRow>;
    recentEnded: Statement<[string, number], CampaignRow>;
    unsummarized: Statement<[number], CampaignRow>;
    insert: Statement<
      [
        string,
        string,
        string,
        string,
        string,
        string,
        number,
        number | null,
        number | null,
        number | null,
        string | null,
        number | null,
        number,
        string,
        number,
      ],
      CampaignRow
    >;
    rename: Statement<[string, number]>;
    claimOf: Statement<[number, string], ClaimRow>;
    claims: Statement<[number], ClaimRow>;
    hasClaim: Statement<[number, string], { one: number }>;
    claimedAmong: Statement<[number, string], { userId: string }>;
    insertClaims: Statement<[number, number, string]>;
    insertClaim: Statement<[number, string, number, number]>;
    countClaims: Statement<[number, number, number]>;
    end: Statement<[string, number, number]>;
    summaryPosted: Statement<[number, number]>;
    reversedSum: Statement<[number], { total: number }>;
  };

  constructor(readonly sqlite: Sqlite) {
    const p = <B extends unknown[], R>(source: string) => sqlite.prepare<B, R>(source);
    const claimCols = `k.user_id AS userId, k.transfer_id AS transferId,
      (SELECT r.id FROM transfers r WHERE r.closes_id = k.transfer_id) AS reversedBy`;
    this.s = {
      byId: p(`SELECT ${COLS} FROM campaigns WHERE id = ?`),
      active: p(`SELECT ${COLS} FROM campaigns WHERE status = 'active' ORDER BY id`),
      activeInGuild: p(`SELECT ${COLS} FROM campaigns WHERE guild_id = ? AND status = 'active' ORDER BY id`),
      activeOnMessage: p(
        `SELECT ${COLS} FROM campaigns WHERE guild_id = ? AND message_id = ? AND emoji_key = ? AND status = 'active'`,
      ),
      activeByName: p(
        `SELECT ${COLS} FROM campaigns WHERE guild_id = ? AND status = 'active' AND lower(name) = lower(?) ORDER BY id`,
      ),
      recentEnded: p(
        `SELECT ${COLS} FROM campaigns WHERE guild_id = ? AND status = 'ended' ORDER BY ended_at DESC, id DESC LIMIT ?`,
      ),
      unsummarized: p(
        `SELECT ${COLS} FROM campaigns WHERE status = 'ended' AND summary_posted_at IS NULL AND ended_at >= ? ORDER BY id`,
      ),
      insert: p(
        `INSERT INTO campaigns (guild_id, channel_id, message_id, emoji_key, emoji_display, name, sparks, ends_at,
           max_claims, budget, required_role_id, min_member_days, revoke_on_unreact, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLS}`,
      ),
      rename: p(`UPDATE campaigns SET name = ? WHERE id = ?`),
      claimOf: p(`SELECT ${claimCols} FROM campaign_claims k WHERE k.campaign_id = ? AND k.user_id = ?`),
      claims: p(`SELECT ${claimCols} FROM campaign_claims k WHERE k.campaign_id = ?`),
      hasClaim: p(`SELECT 1 AS one FROM campaign_claims WHERE campaign_id = ? AND user_id = ?`),
      claimedAmong: p(
        `SELECT user_id AS userId FROM campaign_claims
         WHERE campaign_id = ? AND user_id IN (SELECT value FROM json_each(?))`,
      ),
      insertClaims: p(
        `INSERT INTO campaign_claims (campaign_id, user_id, transfer_id, created_at)
         SELECT ?, j.value ->> 0, j.value ->> 1, ? FROM json_each(?) j`,
      ),
      insertClaim: p(
        `INSERT INTO campaign_claims (campaign_id, user_id, transfer_id, created_at) VALUES (?, ?, ?, ?)`,
      ),
      countClaims: p(`UPDATE campaigns SET claims = claims + ?, granted = granted + ? WHERE id = ?`),
      end: p(
        `UPDATE campaigns SET status = 'ended', end_reason = ?, ended_at = ? WHERE id = ? AND status = 'active'`,
      ),
      summaryPosted: p(
        `UPDATE campaigns SET summary_posted_at = ? WHERE id = ? AND summary_posted_at IS NULL`,
      ),
      reversedSum: p(
        `SELECT COALESCE(SUM(r.amount), 0) AS total FROM campaign_claims k JOIN transfers r ON r.closes_id = k.transfer_id
         WHERE k.campaign_id = ?`,
      ),
    };
  }

  byId(id: number): CampaignRow | undefined {
    return this.s.byId.get(id);
  }

  /** Every active campaign of every guild (the in-memory reaction index is built from these). */
  active(): CampaignRow[] {
    return this.s.active.all();
  }

  activeInGuild(guildId: string): CampaignRow[] {
    return this.s.activeInGuild.all(guildId);
  }

  activeOnMessage(guildId: string, messageId: string, emojiKey: string): CampaignRow | undefined {
    return this.s.activeOnMessage.get(guildId, messageId, emojiKey);
  }

  activeByName(guildId: string, name: string): CampaignRow[] {
    return this.s.activeByName.all(guildId, name);
  }

  recentEnded(guildId: string, limit: number): CampaignRow[] {
    return this.s.recentEnded.all(guildId, limit);
  }

  /** Ended campaigns whose summary never reached the log channel (a crash in between). */
  unsummarized(since: number): CampaignRow[] {
    return this.s.unsummarized.all(since);
  }

  /** Must run inside a write transaction. */
  insert(c: NewCampaign): CampaignRow {
    return this.s.insert.get(
      c.guildId,
      c.channelId,
      c.messageId,
      c.emojiKey,
      c.emojiDisplay,
      c.name,
      c.sparks,
      c.endsAt,
      c.maxClaims,
      c.budget,
      c.requiredRoleId,
      c.minMemberDays,
      c.revokeOnUnreact,
      c.createdBy,
      c.createdAt,
    )!;
  }

  rename(id: number, name: string): void {
    this.s.rename.run(name, id);
  }

  claimOf(campaignId: number, userId: string): ClaimRow | undefined {
    return this.s.claimOf.get(campaignId, userId);
  }

  claims(campaignId: number): ClaimRow[] {
    return this.s.claims.all(campaignId);
  }

  hasClaim(campaignId: number, userId: string): boolean {
    return this.s.hasClaim.get(campaignId, userId) !== undefined;
  }

  /** Which of these members already hold a claim on the campaign. */
  claimedAmong(campaignId: number, userIds: readonly string[]): Set<string> {
    return new Set(this.s.claimedAmong.all(campaignId, JSON.stringify(userIds)).map((r) => r.userId));
  }

  /** `insertClaim` for many (member, grant) pairs in one statement. */
  insertClaims(campaignId: number, claims: readonly (readonly [string, number])[], now: number): void {
    this.s.insertClaims.run(campaignId, now, JSON.stringify(claims));
  }

  /** Must run in the grant's transaction; the campaign's counters are added by countClaims. */
  insertClaim(campaignId: number, userId: string, transferId: number, now: number): void {
    this.s.insertClaim.run(campaignId, userId, transferId, now);
  }

  /** Adds claims and granted Sparks to a campaign's counters, in the claims' transaction. */
  countClaims(campaignId: number, claims: number, granted: number): void {
    this.s.countClaims.run(claims, granted, campaignId);
  }

  /** True when this call ended it; false when it had already ended (ending is idempotent). */
  end(id: number, reason: CampaignEndReason, now: number): boolean {
    return this.s.end.run(reason, now, id).changes === 1;
  }

  markSummaryPosted(id: number, now: number): void {
    this.s.summaryPosted.run(now, id);
  }

  /** Sparks taken back from this campaign's grants (revoke_on_unreact). */
  reversed(campaignId: number): number {
    return this.s.reversedSum.get(campaignId)!.total;
  }
}
