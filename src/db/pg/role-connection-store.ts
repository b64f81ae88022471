/**
 * `role_connections` on PostgreSQL (schema-identity.ts): the same methods and results as the
 * SQLite `RoleConnectionStore` (src/db/role-connection-store.ts). Like it, it reads the
 * ledger's `accounts` and `transfers` and the tiers' `tier_roles` for a connection's facts,
 * never writing them. `roleConnectionStore(db)` is the one place that picks the engine's store.
 */
import type { AppDb } from '../engine.ts';
import {
  connectionFacts,
  MAX_ERROR_LENGTH,
  RoleConnectionStore,
  type ConnectionFacts,
  type ConnectionKey,
  type RoleConnectionRow,
  type RoleConnectionStoreApi,
} from '../role-connection-store.ts';
import type { PgSyncDb } from './sync.ts';

const ROW = `user_id AS "userId", guild_id AS "guildId", username, access_token AS "accessToken",
  refresh_token AS "refreshToken", expires_at AS "expiresAt", scope, member_since AS "memberSince",
  pushed_values AS "pushedValues", pushed_hash AS "pushedHash", pushed_at AS "pushedAt",
  last_error AS "lastError", last_error_at AS "lastErrorAt", connected_at AS "connectedAt",
  updated_at AS "updatedAt"`;

const SQL = {
  get: `SELECT ${ROW} FROM role_connections WHERE user_id = $1`,
  // A reconnection starts over: nothing pushed yet, no error.
  put: `INSERT INTO role_connections (user_id, guild_id, username, access_token, refresh_token, expires_at,
      scope, member_since, connected_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (user_id) DO UPDATE SET guild_id = excluded.guild_id, username = excluded.username,
      access_token = excluded.access_token, refresh_token = excluded.refresh_token,
      expires_at = excluded.expires_at, scope = excluded.scope, member_since = excluded.member_since,
      connected_at = excluded.connected_at, updated_at = excluded.updated_at,
      pushed_values = NULL, pushed_hash = NULL, pushed_at = NULL, last_error = NULL, last_error_at = NULL`,
  setTokens: `UPDATE role_connections SET access_token = $2, refresh_token = $3, expires_at = $4, scope = $5,
    updated_at = $6 WHERE user_id = $1`,
  setPushed: `UPDATE role_connections SET pushed_values = $2, pushed_hash = $3, pushed_at = $4,
    last_error = NULL, last_error_at = NULL, updated_at = $4 WHERE user_id = $1`,
  setError: `UPDATE role_connections SET last_error = $2, last_error_at = $3, updated_at = $3 WHERE user_id = $1`,
  remove: `DELETE FROM role_connections WHERE user_id = $1`,
  page: `SELECT user_id AS "userId", guild_id AS "guildId" FROM role_connections
    WHERE user_id > $1 ORDER BY user_id ASC LIMIT $2`,
  // transfers_credit (credit_account_id, id) holds the member's credits.
  account: `SELECT a.lifetime_earned AS lifetime, a.created_at AS "firstSeen",
      EXISTS (SELECT 1 FROM transfers t WHERE t.credit_account_id = a.id AND t.kind = 'platform.trade') AS traded
    FROM accounts a WHERE a.guild_id = $1 AND a.type = 'member' AND a.ref = $2`,
  tier: `SELECT COUNT(DISTINCT threshold) AS n FROM tier_roles WHERE guild_id = $1 AND threshold <= $2`,
  memberGuilds: `SELECT guild_id AS "guildId", lifetime_earned AS lifetime FROM accounts
    WHERE type = 'member' AND ref = $1 ORDER BY lifetime_earned DESC, guild_id ASC LIMIT $2`,
} as const;

/** `RoleConnectionStore`'s methods on PostgreSQL; see the module comment. Writes run inside the caller's `db.write`. */
export class PgRoleConnectionStore implements RoleConnectionStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  private one<R>(text: string, params: readonly unknown[]): R | undefined {
    return this.db.query<R>(text, params)[0];
  }

  get(userId: string): RoleConnectionRow | undefined {
    return this.one(SQL.get, [userId]);
  }

  put(row: Parameters<RoleConnectionStoreApi['put']>[0]): void {
    this.db.run(SQL.put, [
      row.userId,
      row.guildId,
      row.username,
      row.accessToken,
      row.refreshToken,
      row.expiresAt,
      row.scope,
      row.memberSince,
      row.connectedAt,
      row.updatedAt,
    ]);
  }

  setTokens(
    userId: string,
    tokens: { accessToken: string; refreshToken: string; expiresAt: number; scope: string },
    now: number,
  ): void {
    this.db.run(SQL.setTokens, [
      userId,
      tokens.accessToken,
      tokens.refreshToken,
      tokens.expiresAt,
      tokens.scope,
      now,
    ]);
  }

  setPushed(userId: string, values: string, hash: string, now: number): void {
    this.db.run(SQL.setPushed, [userId, values, hash, now]);
  }

  setError(userId: string, error: string, now: number): void {
    this.db.run(SQL.setError, [userId, error.slice(0, MAX_ERROR_LENGTH), now]);
  }

  remove(userId: string): boolean {
    return this.db.run(SQL.remove, [userId]).rowCount > 0;
  }

  page(afterUserId: string, limit: number): ConnectionKey[] {
    return this.db.query(SQL.page, [afterUserId, limit]);
  }

  facts(guildId: string, userId: string): ConnectionFacts {
    const account = this.one<{ lifetime: number; firstSeen: number; traded: boolean }>(SQL.account, [
      guildId,
      userId,
    ]);
    return connectionFacts(
      account,
      (lifetime) => this.one<{ n: number }>(SQL.tier, [guildId, lifetime])?.n ?? 0,
    );
  }

  memberGuilds(userId: string, limit: number): { guildId: string; lifetime: number }[] {
    return this.db.query(SQL.memberGuilds, [userId, limit]);
  }
}

/** The role connection store of `db`'s engine. */
export function roleConnectionStore(db: AppDb): RoleConnectionStoreApi {
  return db.engine === 'postgres' ? new PgRoleConnectionStore(db) : new RoleConnectionStore(db);
}
