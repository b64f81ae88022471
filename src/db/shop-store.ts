import type { Statement } from 'better-sqlite3';
import type { Sqlite } from './open.ts';
import type { RedemptionStatus, RewardKind } from './schema.ts';

export interface RewardRow {
  id: number;
  guildId: string;
  name: string;
  nameKey: string;
  description: string;
  cost: number;
  kind: RewardKind;
  roleId: string | null;
  stock: number | null;
  perMemberLimit: number | null;
  durationSeconds: number | null;
  inputLabel: string | null;
  inputKind: string | null;
  requiredRoleId: string | null;
  enabled: number;
  disabledReason: string | null;
  removedAt: number | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export interface RedemptionRow {
  id: number;
  guildId: string;
  userId: string;
  rewardId: number;
  cost: number;
  holdTransferId: number;
  status: RedemptionStatus;
  input: string | null;
  idempotencyKey: string;
  failureCode: string | null;
  resolvedBy: string | null;
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  expiresAt: number | null;
  roleRemovedAt: number | null;
  memberNotifiedAt: number | null;
}

/** A redemption with the reward's name and kind, for lists and messages. */
export interface RedemptionView extends RedemptionRow {
  rewardName: string;
  rewardKind: RewardKind;
  roleId: string | null;
}

const REWARD_COLS = `id, guild_id AS guildId, name, name_key AS nameKey, description, cost, kind, role_id AS roleId,
  stock, per_member_limit AS perMemberLimit, duration_seconds AS durationSeconds, input_label AS inputLabel,
  input_kind AS inputKind, required_role_id AS requiredRoleId, enabled, disabled_reason AS disabledReason,
  removed_at AS removedAt, created_by AS createdBy, created_at AS createdAt, updated_at AS updatedAt`;
const REDEMPTION_COLS = `r.id, r.guild_id AS guildId, r.user_id AS userId, r.reward_id AS rewardId, r.cost,
  r.hold_transfer_id AS holdTransferId, r.status, r.input, r.idempotency_key AS idempotencyKey,
  r.failure_code AS failureCode, r.resolved_by AS resolvedBy, r.created_at AS createdAt, r.updated_at AS updatedAt,
  r.resolved_at AS resolvedAt, r.expires_at AS expiresAt, r.role_removed_at AS roleRemovedAt,
  r.member_notified_at AS memberNotifiedAt`;
const VIEW_COLS = `${REDEMPTION_COLS}, w.name AS rewardName, w.kind AS rewardKind, w.role_id AS roleId`;
const VIEW_FROM = `FROM redemptions r JOIN rewards w ON w.id = r.reward_id`;

/** Guild ids as one JSON parameter, for `guild_id IN (SELECT value FROM json_each(?))`. */
const guildList = (guildIds: readonly string[]) => JSON.stringify(guildIds);

function prepare(sqlite: Sqlite) {
  const p = <B extends unknown[], R = unknown>(source: string): Statement<B, R> =>
    sqlite.prepare<B, R>(source);
  return {
    rewardById: p<[number], RewardRow>(`SELECT ${REWARD_COLS} FROM rewards WHERE id = ?`),
    liveRewardByName: p<[string, string], RewardRow>(
      `SELECT ${REWARD_COLS} FROM rewards WHERE guild_id = ? AND name_key = ? AND removed_at IS NULL`,
    ),
    liveRewards: p<[string], RewardRow>(
      `SELECT ${REWARD_COLS} FROM rewards WHERE guild_id = ? AND removed_at IS NULL ORDER BY cost, name_key`,
    ),
    takeStock: p<[number]>(`UPDATE rewards SET stock = stock - 1 WHERE id = ? AND stock > 0`),
    returnStock: p<[number]>(`UPDATE rewards SET stock = stock + 1 WHERE id = ? AND stock IS NOT NULL`),
    countHeld: p<[string, string, number], { n: number }>(
      `SELECT COUNT(*) AS n FROM redemptions
       WHERE guild_id = ? AND user_id = ? AND reward_id = ? AND status <> 'refunded'`,
    ),
    heldByReward: p<[string, string], { rewardId: number; n: number }>(
      `SELECT reward_id AS rewardId, COUNT(*) AS n FROM redemptions
       WHERE guild_id = ? AND user_id = ? AND status <> 'refunded' GROUP BY reward_id`,
    ),
    insertRedemption: p<
      [
        {
          guildId: string;
          userId: string;
          rewardId: number;
          cost: number;
          holdTransferId: number;
          status: RedemptionStatus;
          input: string | null;
          key: string;
          now: number;
        },
      ],
      { id: number }
    >(
      `INSERT INTO redemptions (guild_id, user_id, reward_id, cost, hold_transfer_id, status, input,
         idempotency_key, created_at, updated_at)
       VALUES (@guildId, @userId, @rewardId, @cost, @holdTransferId, @status, @input, @key, @now, @now)
       RETURNING id`,
    ),
    byId: p<[number], RedemptionView>(`SELECT ${VIEW_COLS} ${VIEW_FROM} WHERE r.id = ?`),
    byKey: p<[string, string], RedemptionView>(
      `SELECT ${VIEW_COLS} ${VIEW_FROM} WHERE r.guild_id = ? AND r.idempotency_key = ?`,
    ),
    settle: p<
      [
        {
          id: number;
          from: RedemptionStatus;
          to: RedemptionStatus;
          failureCode: string | null;
          resolvedBy: string | null;
          expiresAt: number | null;
          notifiedAt: number | null;
          now: number;
        },
      ]
    >(
      `UPDATE redemptions SET status = @to, failure_code = @failureCode, resolved_by = @resolvedBy,
         resolved_at = @now, updated_at = @now, expires_at = @expiresAt, member_notified_at = @notifiedAt
       WHERE id = @id AND status = @from`,
    ),
    toPendingManual: p<[number, number]>(
      `UPDATE redemptions SET status = 'pending_manual', updated_at = ? WHERE id = ? AND status = 'reserved'`,
    ),
    reserved: p<[string], RedemptionView>(
      `SELECT ${VIEW_COLS} ${VIEW_FROM} WHERE r.guild_id = ? AND r.status = 'reserved' ORDER BY r.id`,
    ),
    pendingManual: p<[string, number, number], RedemptionView>(
      `SELECT ${VIEW_COLS} ${VIEW_FROM} WHERE r.guild_id = ? AND r.status = 'pending_manual'
       ORDER BY r.created_at, r.id LIMIT ? OFFSET ?`,
    ),
    countPendingManual: p<[string], { n: number }>(
      `SELECT COUNT(*) AS n FROM redemptions WHERE guild_id = ? AND status = 'pending_manual'`,
    ),
    dueExpiries: p<[number, string, number], RedemptionView>(
      `SELECT ${VIEW_COLS} ${VIEW_FROM}
       WHERE r.expires_at IS NOT NULL AND r.role_removed_at IS NULL AND r.expires_at <= ?
         AND r.status = 'fulfilled' AND r.guild_id IN (SELECT value FROM json_each(?))
       ORDER BY r.expires_at LIMIT ?`,
    ),
    nextExpiry: p<[string], { at: number | null }>(
      `SELECT MIN(expires_at) AS at FROM redemptions
       WHERE expires_at IS NOT NULL AND role_removed_at IS NULL AND status = 'fulfilled'
         AND guild_id IN (SELECT value FROM json_each(?))`,
    ),
    markRoleRemoved: p<[number, number, number]>(
      `UPDATE redemptions SET role_removed_at = ?, updated_at = ? WHERE id = ? AND role_removed_at IS NULL`,
    ),
    activeTimedGrants: p<[number], { n: number }>(
      `SELECT COUNT(*) AS n FROM redemptions
       WHERE reward_id = ? AND expires_at IS NOT NULL AND role_removed_at IS NULL AND status = 'fulfilled'`,
    ),
    unnotified: p<[string, string], RedemptionView>(
      `SELECT ${VIEW_COLS} ${VIEW_FROM} WHERE r.guild_id = ? AND r.user_id = ?
         AND r.status IN ('fulfilled', 'refunded') AND r.member_notified_at IS NULL ORDER BY r.id LIMIT 10`,
    ),
    markNotified: p<[number, number, number]>(
      `UPDATE redemptions SET member_notified_at = ?, updated_at = ? WHERE id = ? AND member_notified_at IS NULL`,
    ),
    badges: p<[string, string], { rewardId: number; name: string; count: number; firstAt: number }>(
      `SELECT w.id AS rewardId, w.name, COUNT(*) AS count, MIN(r.resolved_at) AS firstAt ${VIEW_FROM}
       WHERE r.guild_id = ? AND r.user_id = ? AND r.status = 'fulfilled' AND w.kind = 'badge'
       GROUP BY w.id ORDER BY firstAt, w.id`,
    ),
  };
}

/**
 * The shop's SQL, prepared once per connection. Statements that change stock or status are
 * guarded (`WHERE stock > 0`, `WHERE status = ?`) so that, run inside an immediate
 * transaction, they can never oversell or settle twice — whichever process runs them.
 */
export class ShopStore {
  private readonly s: ReturnType<typeof prepare>;

  constructor(readonly sqlite: Sqlite) {
    this.s = prepare(sqlite);
  }

  rewardById(id: number): RewardRow | undefined {
    return this.s.rewardById.get(id);
  }

  liveRewardByName(guildId: string, nameKey: string): RewardRow | undefined {
    return this.s.liveRewardByName.get(guildId, nameKey);
  }

  /** Rewards not removed (enabled or not), cheapest first. */
  liveRewards(guildId: string): RewardRow[] {
    return this.s.liveRewards.all(guildId);
  }

  /** Takes one unit of a limited stock; false when none is left. Call inside the write. */
  takeStock(rewardId: number): boolean {
    return this.s.takeStock.run(rewardId).changes === 1;
  }

  returnStock(rewardId: number): void {
    this.s.returnStock.run(rewardId);
  }

  /** Redemptions of a reward by a member that count against the per-member limit (not refunded). */
  countHeld(guildId: string, userId: string, rewardId: number): number {
    return this.s.countHeld.get(guildId, userId, rewardId)!.n;
  }

  heldByReward(guildId: string, userId: string): Map<number, number> {
    return new Map(this.s.heldByReward.all(guildId, userId).map((r) => [r.rewardId, r.n]));
  }

  insertRedemption(row: {
    guildId: string;
    userId: string;
    rewardId: number;
    cost: number;
    holdTransferId: number;
    status: RedemptionStatus;
    input: string | null;
    key: string;
    now: number;
  }): number {
    return this.s.insertRedemption.get(row)!.id;
  }

  byId(id: number): RedemptionView | undefined {
    return this.s.byId.get(id);
  }

  byKey(guildId: string, key: string): RedemptionView | undefined {
    return this.s.byKey.get(guildId, key);
  }

  /** Moves a redemption out of `from`; false when it was no longer there (settled elsewhere). */
  settle(change: {
    id: number;
    from: RedemptionStatus;
    to: RedemptionStatus;
    failureCode: string | null;
    resolvedBy: string | null;
    expiresAt: number | null;
    notifiedAt: number | null;
    now: number;
  }): boolean {
    return this.s.settle.run(change).changes === 1;
  }

  toPendingManual(id: number, now: number): boolean {
    return this.s.toPendingManual.run(now, id).changes === 1;
  }

  reserved(guildId: string): RedemptionView[] {
    return this.s.reserved.all(guildId);
  }

  pendingManual(guildId: string, limit: number, offset: number): RedemptionView[] {
    return this.s.pendingManual.all(guildId, limit, offset);
  }

  countPendingManual(guildId: string): number {
    return this.s.countPendingManual.get(guildId)!.n;
  }

  dueExpiries(guildIds: readonly string[], now: number, limit: number): RedemptionView[] {
    return this.s.dueExpiries.all(now, guildList(guildIds), limit);
  }

  nextExpiry(guildIds: readonly string[]): number | null {
    return this.s.nextExpiry.get(guildList(guildIds))!.at;
  }

  markRoleRemoved(id: number, now: number): void {
    this.s.markRoleRemoved.run(now, now, id);
  }

  activeTimedGrants(rewardId: number): number {
    return this.s.activeTimedGrants.get(rewardId)!.n;
  }

  unnotified(guildId: string, userId: string): RedemptionView[] {
    return this.s.unnotified.all(guildId, userId);
  }

  markNotified(id: number, now: number): boolean {
    return this.s.markNotified.run(now, now, id).changes === 1;
  }

  badges(
    guildId: string,
    userId: string,
  ): { rewardId: number; name: string; count: number; firstAt: number }[] {
    return this.s.badges.all(guildId, userId);
  }
}
