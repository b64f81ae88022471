/**
 * `tier_roles` and `tier_grants` on PostgreSQL (schema-identity.ts): the same methods and
 * results as the SQLite `TiersStore` (src/db/tiers-store.ts), so `TierService` runs unchanged
 * on either engine. `tiersStore(db)` is the one place that picks the engine's store.
 *
 * SQLite runs each write alone; here writes run side by side at READ COMMITTED, so `list`
 * inside a write first takes the guild's tier lock (`lockInWrite(db, 'tiers', guild)`, to
 * the end of the transaction): two `TierService.set` at once count the tiers one after the
 * other, the second seeing the first's new tier, and the MAX_TIERS limit holds.
 */
import type { AppDb } from '../engine.ts';
import {
  TiersStore,
  type TierGrantStatus,
  type TierPlanRow,
  type TierRow,
  type TiersStoreApi,
} from '../tiers-store.ts';
import { lockInWrite } from './locks.ts';
import type { PgSyncDb } from './sync.ts';

const TIER = `role_id AS "roleId", threshold`;

const SQL = {
  list: `SELECT ${TIER} FROM tier_roles WHERE guild_id = $1 ORDER BY threshold ASC, role_id ASC`,
  atOrBelow: `SELECT ${TIER} FROM tier_roles WHERE guild_id = $1 AND threshold <= $2
    ORDER BY threshold DESC, role_id ASC LIMIT 1`,
  above: `SELECT ${TIER} FROM tier_roles WHERE guild_id = $1 AND threshold > $2
    ORDER BY threshold ASC, role_id ASC LIMIT 1`,
  put: `INSERT INTO tier_roles (guild_id, role_id, threshold, created_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (guild_id, role_id) DO UPDATE SET threshold = excluded.threshold`,
  remove: `DELETE FROM tier_roles WHERE guild_id = $1 AND role_id = $2`,
  plan: `SELECT r.role_id AS "roleId", r.threshold, g.status FROM tier_roles r
    LEFT JOIN tier_grants g ON g.guild_id = r.guild_id AND g.role_id = r.role_id AND g.user_id = $2
    WHERE r.guild_id = $1 ORDER BY r.threshold ASC, r.role_id ASC`,
  setGrant: `INSERT INTO tier_grants (guild_id, user_id, role_id, status, updated_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (guild_id, user_id, role_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
  forget: `DELETE FROM tier_grants WHERE guild_id = $1 AND user_id = $2`,
  grantedCounts: `SELECT role_id AS "roleId", COUNT(*) AS n FROM tier_grants
    WHERE guild_id = $1 AND status = 'granted' GROUP BY role_id`,
  qualifying: `SELECT COUNT(*) AS n FROM accounts WHERE guild_id = $1 AND type = 'member' AND lifetime_earned >= $2`,
  // As on SQLite: owed a tier with no live grant, or holding a grant above their lifetime.
  pending: `SELECT DISTINCT a.ref AS "userId" FROM accounts a
    JOIN tier_roles r ON r.guild_id = a.guild_id
    LEFT JOIN tier_grants g ON g.guild_id = a.guild_id AND g.user_id = a.ref AND g.role_id = r.role_id
    WHERE a.guild_id = $1 AND a.type = 'member'
      AND ((a.lifetime_earned >= r.threshold AND (g.status IS NULL OR g.status = 'revoked'))
        OR (a.lifetime_earned < r.threshold AND g.status = 'granted'))
    LIMIT $2`,
} as const;

/** `TiersStore`'s methods on PostgreSQL; see the module comment. Writes run inside the caller's `db.write`. */
export class PgTiersStore implements TiersStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  private one<R>(text: string, params: readonly unknown[]): R | undefined {
    return this.db.query<R>(text, params)[0];
  }

  list(guildId: string): TierRow[] {
    lockInWrite(this.db, 'tiers', guildId);
    return this.db.query(SQL.list, [guildId]);
  }

  tierAtOrBelow(guildId: string, lifetime: number): TierRow | undefined {
    return this.one(SQL.atOrBelow, [guildId, lifetime]);
  }

  tierAbove(guildId: string, lifetime: number): TierRow | undefined {
    return this.one(SQL.above, [guildId, lifetime]);
  }

  put(guildId: string, tier: TierRow, now: number): void {
    this.db.run(SQL.put, [guildId, tier.roleId, tier.threshold, now]);
  }

  remove(guildId: string, roleId: string): void {
    this.db.run(SQL.remove, [guildId, roleId]);
  }

  plan(guildId: string, userId: string): TierPlanRow[] {
    return this.db.query(SQL.plan, [guildId, userId]);
  }

  pendingUsers(guildId: string, limit: number): string[] {
    return this.db.query<{ userId: string }>(SQL.pending, [guildId, limit]).map((r) => r.userId);
  }

  setGrant(guildId: string, userId: string, roleId: string, status: TierGrantStatus, now: number): void {
    this.db.run(SQL.setGrant, [guildId, userId, roleId, status, now]);
  }

  forgetMember(guildId: string, userId: string): number {
    return this.db.run(SQL.forget, [guildId, userId]).rowCount;
  }

  grantedCounts(guildId: string): Map<string, number> {
    const rows = this.db.query<{ roleId: string; n: number }>(SQL.grantedCounts, [guildId]);
    return new Map(rows.map((r) => [r.roleId, r.n]));
  }

  qualifying(guildId: string, threshold: number): number {
    return this.one<{ n: number }>(SQL.qualifying, [guildId, threshold])?.n ?? 0;
  }
}

/** The tiers store of `db`'s engine. */
export function tiersStore(db: AppDb): TiersStoreApi {
  return db.engine === 'postgres' ? new PgTiersStore(db) : new TiersStore(db);
}
