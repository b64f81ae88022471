/**
 * `rewards` and `redemptions` on PostgreSQL (schema-shop.ts): the same methods and results
 * as the SQLite `ShopStore` (src/db/shop-store.ts), so `RewardService`, `RedemptionService`
 * and the analytics run unchanged on either engine. `shopStore(db)` is the one place that
 * picks the engine's store.
 *
 * SQLite runs each write as an immediate transaction, one writer at a time; here writes run
 * at READ COMMITTED side by side, so what the services read and then decide on inside a
 * write is made to hold the same way:
 * - stock: `takeStock` is the guarded `UPDATE … SET stock = stock - 1 WHERE stock > 0`. A
 *   concurrent buyer waits on the row lock and re-checks the guard against the committed
 *   row, so a unit is never sold twice;
 * - the per-member limit: `countHeld` inside a write first takes a transaction-scoped
 *   advisory lock on (guild, member), so two purchases by one member count one after the
 *   other (the count is a new statement, which sees the other's committed redemption);
 * - settling: `byId` inside a write locks the redemption's row (`FOR UPDATE OF r`), so a
 *   second settler waits, then reads it settled and leaves it;
 * - a key a concurrent writer inserted first (`redemptions_idempotency`) runs the write
 *   again, which then finds that redemption (`byKey`) and answers as a duplicate.
 */
import { getTableColumns } from 'drizzle-orm';
import type { AppDb } from '../engine.ts';
import {
  ShopStore,
  VALUE_COLUMNS,
  type NewRedemption,
  type RedemptionView,
  type RewardRow,
  type RewardValues,
  type Settlement,
  type ShopStoreApi,
} from '../shop-store.ts';
import { lockInWrite } from './locks.ts';
import { redemptions, rewards } from './schema-shop.ts';
import { PgStatementError } from './sync-protocol.ts';
import type { PgSyncDb } from './sync.ts';

type Table = typeof rewards | typeof redemptions;
const columnsOf = (table: Table) => getTableColumns(table) as Record<string, { name: string }>;
/** Every column of a table as its camelCase key (`a`: the table's alias with its dot). */
const selectAll = (table: Table, a = '') =>
  Object.entries(columnsOf(table))
    .map(([key, c]) => `${a}${c.name} AS "${key}"`)
    .join(', ');
const column = (key: string) => columnsOf(rewards)[key]!.name;

const REWARD = selectAll(rewards);
/** A reward's settable fields, in VALUE_COLUMNS order: `$1 … $17` wherever they go. */
const VALUE_NAMES = VALUE_COLUMNS.map(column);
const V = VALUE_COLUMNS.length;
const valueParams = (values: RewardValues) => VALUE_COLUMNS.map((c) => values[c]);

const VIEW = `SELECT ${selectAll(redemptions, 'r.')}, w.name AS "rewardName", w.kind AS "rewardKind",
    w.role_id AS "roleId"
  FROM redemptions r JOIN rewards w ON w.id = r.reward_id`;
/** Timed roles still on a member: the expiry timer's working set (the partial index). */
const TIMED_ROLE_ON = `r.expires_at IS NOT NULL AND r.role_removed_at IS NULL AND r.status = 'fulfilled'`;
/** Not refunded: what counts against a per-member limit. */
const HELD = `guild_id = $1 AND user_id = $2 AND status <> 'refunded'`;

const SQL = {
  rewardById: `SELECT ${REWARD} FROM rewards WHERE id = $1`,
  liveRewardByName: `SELECT ${REWARD} FROM rewards WHERE guild_id = $1 AND name_key = $2 AND removed_at IS NULL`,
  // Bytewise, as SQLite orders text.
  liveRewards: `SELECT ${REWARD} FROM rewards WHERE guild_id = $1 AND removed_at IS NULL
    ORDER BY cost ASC, name_key COLLATE "C" ASC`,
  insertReward: `INSERT INTO rewards (${VALUE_NAMES.join(', ')}, guild_id, created_by, created_at, updated_at)
    VALUES (${VALUE_NAMES.map((_, i) => `$${i + 1}`).join(', ')}, $${V + 1}, $${V + 2}, $${V + 3}, $${V + 3})
    RETURNING ${REWARD}`,
  updateReward: `UPDATE rewards SET ${VALUE_NAMES.map((n, i) => `${n} = $${i + 1}`).join(', ')},
      enabled = $${V + 1}, disabled_reason = $${V + 2}, updated_at = $${V + 3}
    WHERE id = $${V + 4}`,
  removeReward: `UPDATE rewards SET removed_at = $2, updated_at = $2 WHERE id = $1`,
  disableReward: `UPDATE rewards SET enabled = 0, disabled_reason = $2, updated_at = $3 WHERE id = $1`,
  takeStock: `UPDATE rewards SET stock = stock - 1 WHERE id = $1 AND stock > 0`,
  returnStock: `UPDATE rewards SET stock = stock + 1 WHERE id = $1 AND stock IS NOT NULL`,
  countHeld: `SELECT COUNT(*) AS n FROM redemptions WHERE ${HELD} AND reward_id = $3`,
  heldByReward: `SELECT reward_id AS "rewardId", COUNT(*) AS n FROM redemptions WHERE ${HELD} GROUP BY reward_id`,
  insertRedemption: `INSERT INTO redemptions (guild_id, user_id, reward_id, cost, hold_transfer_id, source, status,
      input, wallet_address, idempotency_key, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
  byId: `${VIEW} WHERE r.id = $1`,
  byIdLocked: `${VIEW} WHERE r.id = $1 FOR UPDATE OF r`,
  byKey: `${VIEW} WHERE r.guild_id = $1 AND r.idempotency_key = $2`,
  settle: `UPDATE redemptions SET status = $3, failure_code = $4, resolved_by = $5, resolved_at = $8,
      updated_at = $8, expires_at = $6, member_notified_at = $7
    WHERE id = $1 AND status = $2`,
  toPendingManual: `UPDATE redemptions SET status = 'pending_manual', updated_at = $2
    WHERE id = $1 AND status = 'reserved'`,
  reserved: `${VIEW} WHERE r.guild_id = $1 AND r.status = 'reserved' ORDER BY r.id ASC`,
  pendingManual: `${VIEW} WHERE r.guild_id = $1 AND r.status = 'pending_manual'
    ORDER BY r.created_at ASC, r.id ASC LIMIT $2 OFFSET $3`,
  countPendingManual: `SELECT COUNT(*) AS n FROM redemptions WHERE guild_id = $1 AND status = 'pending_manual'`,
  // Ties in expires_at come in id order, as SQLite's index on expires_at gives them.
  dueExpiries: `${VIEW} WHERE ${TIMED_ROLE_ON} AND r.expires_at <= $1 AND r.guild_id = ANY($2::text[])
    ORDER BY r.expires_at ASC, r.id ASC LIMIT $3`,
  nextExpiry: `SELECT MIN(r.expires_at) AS at FROM redemptions r WHERE ${TIMED_ROLE_ON} AND r.guild_id = ANY($1::text[])`,
  markRoleRemoved: `UPDATE redemptions SET role_removed_at = $2, updated_at = $2 WHERE id = $1 AND role_removed_at IS NULL`,
  activeTimedGrants: `SELECT COUNT(*) AS n FROM redemptions r WHERE r.reward_id = $1 AND ${TIMED_ROLE_ON}`,
  unnotified: `${VIEW} WHERE r.guild_id = $1 AND r.user_id = $2 AND r.status IN ('fulfilled', 'refunded')
      AND r.member_notified_at IS NULL
    ORDER BY r.id ASC LIMIT 10`,
  markNotified: `UPDATE redemptions SET member_notified_at = $2, updated_at = $2
    WHERE id = $1 AND member_notified_at IS NULL`,
  badges: `SELECT w.id AS "rewardId", w.name, COUNT(*) AS count, MIN(r.resolved_at) AS "firstAt"
    FROM redemptions r JOIN rewards w ON w.id = r.reward_id
    WHERE r.guild_id = $1 AND r.user_id = $2 AND r.status = 'fulfilled' AND w.kind = 'badge'
    GROUP BY w.id ORDER BY "firstAt" ASC, w.id ASC`,
  redemptionsByReward: `SELECT w.id AS "rewardId", w.name, COUNT(*) AS redemptions, SUM(r.cost) AS sparks
    FROM redemptions r JOIN rewards w ON w.id = r.reward_id
    WHERE r.guild_id = $1 AND r.status IN ('fulfilled', 'pending_manual') AND r.created_at >= $2
    GROUP BY w.id ORDER BY 3 DESC, w.id ASC`,
} as const;

/** `ShopStore`'s methods on PostgreSQL; see the module comment. Writes run inside the caller's `db.write`. */
export class PgShopStore implements ShopStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  private one<R>(text: string, params: readonly unknown[]): R | undefined {
    return this.db.query<R>(text, params)[0];
  }

  private count(text: string, params: readonly unknown[]): number {
    return this.one<{ n: number }>(text, params)!.n;
  }

  private changed(text: string, params: readonly unknown[]): boolean {
    return this.db.run(text, params).rowCount === 1;
  }

  rewardById(id: number): RewardRow | undefined {
    return this.one(SQL.rewardById, [id]);
  }

  liveRewardByName(guildId: string, nameKey: string): RewardRow | undefined {
    return this.one(SQL.liveRewardByName, [guildId, nameKey]);
  }

  liveRewards(guildId: string): RewardRow[] {
    return this.db.query(SQL.liveRewards, [guildId]);
  }

  insertReward(
    guildId: string,
    values: RewardValues,
    by: { createdBy: string; now: number },
  ): RewardRow | null {
    return nameTaken(() =>
      this.one<RewardRow>(SQL.insertReward, [...valueParams(values), guildId, by.createdBy, by.now])!,
    );
  }

  updateReward(
    id: number,
    values: RewardValues & Pick<RewardRow, 'enabled' | 'disabledReason'>,
    now: number,
  ): boolean {
    const params = [...valueParams(values), values.enabled, values.disabledReason, now, id];
    return nameTaken(() => this.db.run(SQL.updateReward, params)) !== null;
  }

  removeReward(id: number, now: number): void {
    this.db.run(SQL.removeReward, [id, now]);
  }

  disableReward(id: number, reason: string, now: number): boolean {
    return this.changed(SQL.disableReward, [id, reason, now]);
  }

  takeStock(rewardId: number): boolean {
    return this.changed(SQL.takeStock, [rewardId]);
  }

  returnStock(rewardId: number): void {
    this.db.run(SQL.returnStock, [rewardId]);
  }

  countHeld(guildId: string, userId: string, rewardId: number): number {
    lockInWrite(this.db, 'shop', guildId, userId);
    return this.count(SQL.countHeld, [guildId, userId, rewardId]);
  }

  heldByReward(guildId: string, userId: string): Map<number, number> {
    return new Map(
      this.db
        .query<{ rewardId: number; n: number }>(SQL.heldByReward, [guildId, userId])
        .map((r) => [r.rewardId, r.n]),
    );
  }

  insertRedemption(row: NewRedemption): number {
    try {
      return this.one<{ id: number }>(SQL.insertRedemption, [
        row.guildId,
        row.userId,
        row.rewardId,
        row.cost,
        row.holdTransferId,
        row.source ?? null,
        row.status,
        row.input,
        row.walletAddress ?? null,
        row.key,
        row.now,
      ])!.id;
    } catch (e) {
      if (e instanceof PgStatementError && e.constraint === 'redemptions_idempotency')
        throw this.db.retryTransaction(e);
      throw e;
    }
  }

  byId(id: number): RedemptionView | undefined {
    return this.one(this.db.inTransaction ? SQL.byIdLocked : SQL.byId, [id]);
  }

  byKey(guildId: string, key: string): RedemptionView | undefined {
    return this.one(SQL.byKey, [guildId, key]);
  }

  settle(change: Settlement): boolean {
    return this.changed(SQL.settle, [
      change.id,
      change.from,
      change.to,
      change.failureCode,
      change.resolvedBy,
      change.expiresAt,
      change.notifiedAt,
      change.now,
    ]);
  }

  toPendingManual(id: number, now: number): boolean {
    return this.changed(SQL.toPendingManual, [id, now]);
  }

  reserved(guildId: string): RedemptionView[] {
    return this.db.query(SQL.reserved, [guildId]);
  }

  pendingManual(guildId: string, limit: number, offset: number): RedemptionView[] {
    return this.db.query(SQL.pendingManual, [guildId, limit, offset]);
  }

  countPendingManual(guildId: string): number {
    return this.count(SQL.countPendingManual, [guildId]);
  }

  dueExpiries(guildIds: readonly string[], now: number, limit: number): RedemptionView[] {
    return this.db.query(SQL.dueExpiries, [now, [...guildIds], limit]);
  }

  nextExpiry(guildIds: readonly string[]): number | null {
    return this.one<{ at: number | null }>(SQL.nextExpiry, [[...guildIds]])?.at ?? null;
  }

  markRoleRemoved(id: number, now: number): void {
    this.db.run(SQL.markRoleRemoved, [id, now]);
  }

  activeTimedGrants(rewardId: number): number {
    return this.count(SQL.activeTimedGrants, [rewardId]);
  }

  unnotified(guildId: string, userId: string): RedemptionView[] {
    return this.db.query(SQL.unnotified, [guildId, userId]);
  }

  markNotified(id: number, now: number): boolean {
    return this.changed(SQL.markNotified, [id, now]);
  }

  badges(
    guildId: string,
    userId: string,
  ): { rewardId: number; name: string; count: number; firstAt: number }[] {
    return this.db.query(SQL.badges, [guildId, userId]);
  }

  redemptionsByReward(
    guildId: string,
    since: number,
  ): { rewardId: number; name: string; redemptions: number; sparks: number }[] {
    return this.db.query(SQL.redemptionsByReward, [guildId, since]);
  }
}

/** The shop's store for `db`'s engine: the one place that picks. */
export function shopStore(db: AppDb): ShopStoreApi {
  return db.engine === 'postgres' ? new PgShopStore(db) : new ShopStore(db);
}

/**
 * Two moderators naming rewards alike at once: the unique index decides (null: it refused),
 * as on SQLite. The refused statement ends the transaction's use; the service throws next.
 */
function nameTaken<T>(write: () => T): T | null {
  try {
    return write();
  } catch (e) {
    if (e instanceof PgStatementError && e.constraint === 'rewards_live_name') return null;
    throw e;
  }
}
