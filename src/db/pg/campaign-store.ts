/**
 * The campaign tables (campaigns, campaign_claims, campaign_gate_notices) on PostgreSQL,
 * through the synchronous facade (sync.ts): the same methods and results as the SQLite
 * `CampaignStore` (src/db/campaign-store.ts), so `CampaignService` and `CampaignGrants` run
 * unchanged on either engine. `campaignStore(db)` is the one place that picks.
 *
 * Two things the SQLite store gets from its single writer are said here: `lockForBatch`
 * takes the campaign's row lock (FOR UPDATE), so two connections' grant batches on one
 * campaign run one after the other and its cap and budget stay exact; and names compare
 * case-insensitively as SQLite's lower() does (ASCII letters only), whatever the
 * database's locale.
 */
import type { AppDb } from '../engine.ts';
import {
  CampaignStore,
  type CampaignEndReason,
  type CampaignRow,
  type CampaignStoreApi,
  type ClaimRow,
  type NewCampaign,
} from '../campaign-store.ts';
import type { PgSyncDb } from './sync.ts';

const CAMPAIGN_COLS = `id, guild_id AS "guildId", channel_id AS "channelId", message_id AS "messageId",
  emoji_key AS "emojiKey", emoji_display AS "emojiDisplay", name, sparks, ends_at AS "endsAt",
  max_claims AS "maxClaims", budget, required_role_id AS "requiredRoleId",
  min_member_days AS "minMemberDays", min_account_days AS "minAccountDays",
  verified_wallet AS "verifiedWallet", revoke_on_unreact AS "revokeOnUnreact", status,
  end_reason AS "endReason", claims, granted, created_by AS "createdBy", created_at AS "createdAt",
  ended_at AS "endedAt", summary_posted_at AS "summaryPostedAt"`;

/** SQLite's lower(): ASCII letters only, independent of the database's collation. */
const asciiLower = (e: string) =>
  `translate(${e}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;

/** A campaign's claims with the reversal that closed each (at most one: transfers_closes_once). */
const CLAIMS_OF = `SELECT c.user_id AS "userId", c.transfer_id AS "transferId", r.id AS "reversedBy"
  FROM campaign_claims c LEFT JOIN transfers r ON r.closes_id = c.transfer_id
  WHERE c.campaign_id = $1`;

/** The columns `insert` writes, in NewCampaign's order ($1 … $17). */
const INSERT_FIELDS = [
  ['guild_id', 'guildId'],
  ['channel_id', 'channelId'],
  ['message_id', 'messageId'],
  ['emoji_key', 'emojiKey'],
  ['emoji_display', 'emojiDisplay'],
  ['name', 'name'],
  ['sparks', 'sparks'],
  ['ends_at', 'endsAt'],
  ['max_claims', 'maxClaims'],
  ['budget', 'budget'],
  ['required_role_id', 'requiredRoleId'],
  ['min_member_days', 'minMemberDays'],
  ['min_account_days', 'minAccountDays'],
  ['verified_wallet', 'verifiedWallet'],
  ['revoke_on_unreact', 'revokeOnUnreact'],
  ['created_by', 'createdBy'],
  ['created_at', 'createdAt'],
] as const satisfies readonly (readonly [string, keyof NewCampaign])[];

const SQL = {
  byId: `SELECT ${CAMPAIGN_COLS} FROM campaigns WHERE id = $1`,
  lockForBatch: `SELECT ${CAMPAIGN_COLS} FROM campaigns WHERE id = $1 FOR UPDATE`,
  active: `SELECT ${CAMPAIGN_COLS} FROM campaigns WHERE status = 'active' ORDER BY id`,
  nextEnd: `SELECT MIN(ends_at) AS at FROM campaigns WHERE status = 'active' AND ends_at IS NOT NULL`,
  dueToEnd: `SELECT ${CAMPAIGN_COLS} FROM campaigns WHERE status = 'active' AND ends_at <= $1
    ORDER BY ends_at, id LIMIT $2`,
  activeInGuild: `SELECT ${CAMPAIGN_COLS} FROM campaigns WHERE guild_id = $1 AND status = 'active' ORDER BY id`,
  activeOnMessage: `SELECT ${CAMPAIGN_COLS} FROM campaigns
    WHERE guild_id = $1 AND message_id = $2 AND emoji_key = $3 AND status = 'active' ORDER BY id LIMIT 1`,
  activeByName: `SELECT ${CAMPAIGN_COLS} FROM campaigns
    WHERE guild_id = $1 AND status = 'active' AND ${asciiLower('name')} = ${asciiLower('$2::text')} ORDER BY id`,
  recentEnded: `SELECT ${CAMPAIGN_COLS} FROM campaigns WHERE guild_id = $1 AND status = 'ended'
    ORDER BY ended_at DESC, id DESC LIMIT $2`,
  unsummarized: `SELECT ${CAMPAIGN_COLS} FROM campaigns
    WHERE status = 'ended' AND summary_posted_at IS NULL AND ended_at >= $1 ORDER BY id`,
  insert: `INSERT INTO campaigns (${INSERT_FIELDS.map(([col]) => col).join(', ')})
    VALUES (${INSERT_FIELDS.map((_, k) => `$${k + 1}`).join(', ')}) RETURNING ${CAMPAIGN_COLS}`,
  insertGateNotice: `INSERT INTO campaign_gate_notices (campaign_id, user_id, gate, created_at)
    VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
  rename: `UPDATE campaigns SET name = $2 WHERE id = $1`,
  claimOf: `${CLAIMS_OF} AND c.user_id = $2`,
  // In primary-key order, as SQLite reads them through its key.
  claims: `${CLAIMS_OF} ORDER BY c.user_id COLLATE "C"`,
  hasClaim: `SELECT 1 AS one FROM campaign_claims WHERE campaign_id = $1 AND user_id = $2`,
  claimedAmong: `SELECT user_id AS "userId" FROM campaign_claims WHERE campaign_id = $1 AND user_id = ANY($2::text[])`,
  insertClaims: `INSERT INTO campaign_claims (campaign_id, user_id, transfer_id, created_at)
    SELECT $1, j.u, j.t, $4 FROM unnest($2::text[], $3::int8[]) AS j(u, t)`,
  insertClaim: `INSERT INTO campaign_claims (campaign_id, user_id, transfer_id, created_at) VALUES ($1, $2, $3, $4)`,
  countClaims: `UPDATE campaigns SET claims = claims + $2, granted = granted + $3 WHERE id = $1`,
  end: `UPDATE campaigns SET status = 'ended', end_reason = $2, ended_at = $3 WHERE id = $1 AND status = 'active'`,
  summaryPosted: `UPDATE campaigns SET summary_posted_at = $2 WHERE id = $1 AND summary_posted_at IS NULL`,
  reversed: `SELECT COALESCE(SUM(r.amount), 0)::int8 AS total
    FROM campaign_claims c JOIN transfers r ON r.closes_id = c.transfer_id WHERE c.campaign_id = $1`,
  latest: `SELECT ${CAMPAIGN_COLS} FROM campaigns WHERE guild_id = $1 ORDER BY id DESC LIMIT $2`,
};

/** `CampaignStore`'s methods on PostgreSQL; see the module comment. */
export class PgCampaignStore implements CampaignStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  private one<R>(text: string, params: readonly unknown[]): R | undefined {
    return this.db.query<R>(text, params)[0];
  }

  byId(id: number): CampaignRow | undefined {
    return this.one(SQL.byId, [id]);
  }

  lockForBatch(id: number): CampaignRow | undefined {
    return this.one(SQL.lockForBatch, [id]);
  }

  active(): CampaignRow[] {
    return this.db.query(SQL.active);
  }

  nextEnd(): number | null {
    return this.one<{ at: number | null }>(SQL.nextEnd, [])?.at ?? null;
  }

  dueToEnd(now: number, limit: number): CampaignRow[] {
    return this.db.query(SQL.dueToEnd, [now, limit]);
  }

  activeInGuild(guildId: string): CampaignRow[] {
    return this.db.query(SQL.activeInGuild, [guildId]);
  }

  activeOnMessage(guildId: string, messageId: string, emojiKey: string): CampaignRow | undefined {
    return this.one(SQL.activeOnMessage, [guildId, messageId, emojiKey]);
  }

  activeByName(guildId: string, name: string): CampaignRow[] {
    return this.db.query(SQL.activeByName, [guildId, name]);
  }

  recentEnded(guildId: string, limit: number): CampaignRow[] {
    return this.db.query(SQL.recentEnded, [guildId, limit]);
  }

  unsummarized(since: number): CampaignRow[] {
    return this.db.query(SQL.unsummarized, [since]);
  }

  insert(c: NewCampaign): CampaignRow {
    return this.one<CampaignRow>(
      SQL.insert,
      INSERT_FIELDS.map(([, key]) => c[key] ?? null),
    )!;
  }

  insertGateNotice(campaignId: number, userId: string, gate: string, now: number): boolean {
    return this.db.run(SQL.insertGateNotice, [campaignId, userId, gate, now]).rowCount === 1;
  }

  rename(id: number, name: string): void {
    this.db.run(SQL.rename, [id, name]);
  }

  claimOf(campaignId: number, userId: string): ClaimRow | undefined {
    return this.one(SQL.claimOf, [campaignId, userId]);
  }

  claims(campaignId: number): ClaimRow[] {
    return this.db.query(SQL.claims, [campaignId]);
  }

  hasClaim(campaignId: number, userId: string): boolean {
    return this.one(SQL.hasClaim, [campaignId, userId]) !== undefined;
  }

  claimedAmong(campaignId: number, userIds: readonly string[]): Set<string> {
    const rows = this.db.query<{ userId: string }>(SQL.claimedAmong, [campaignId, userIds]);
    return new Set(rows.map((r) => r.userId));
  }

  insertClaims(campaignId: number, claims: readonly (readonly [string, number])[], now: number): void {
    this.db.run(SQL.insertClaims, [campaignId, claims.map((c) => c[0]), claims.map((c) => c[1]), now]);
  }

  insertClaim(campaignId: number, userId: string, transferId: number, now: number): void {
    this.db.run(SQL.insertClaim, [campaignId, userId, transferId, now]);
  }

  countClaims(campaignId: number, claims: number, granted: number): void {
    this.db.run(SQL.countClaims, [campaignId, claims, granted]);
  }

  end(id: number, reason: CampaignEndReason, now: number): boolean {
    return this.db.run(SQL.end, [id, reason, now]).rowCount === 1;
  }

  markSummaryPosted(id: number, now: number): void {
    this.db.run(SQL.summaryPosted, [id, now]);
  }

  reversed(campaignId: number): number {
    return this.one<{ total: number }>(SQL.reversed, [campaignId])?.total ?? 0;
  }

  latest(guildId: string, limit: number): CampaignRow[] {
    return this.db.query(SQL.latest, [guildId, limit]);
  }
}

/** The campaign store of the database's engine: the one place that picks. */
export function campaignStore(db: AppDb): CampaignStoreApi {
  return db.engine === 'postgres' ? new PgCampaignStore(db) : new CampaignStore(db);
}
