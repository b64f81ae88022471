import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { accounts, roleConnections, tierRoles } from './schema.ts';

export type RoleConnectionRow = typeof roleConnections.$inferSelect;

/** What a connection's metadata is computed from, read in one statement. */
export interface ConnectionFacts {
  /** Lifetime earned in the guild (0 without an account). */
  lifetime: number;
  /** When the member's account in the guild was created (first seen), or null. */
  firstSeen: number | null;
  /** Whether any platform trade was ever credited to them there. */
  traded: boolean;
  /** How many of the guild's distinct tier thresholds their lifetime reaches. */
  tier: number;
}

/** One connection as the sweep walks them: enough to decide whether it needs a push. */
export interface ConnectionKey {
  userId: string;
  guildId: string;
}

/** The surface a second engine implements (see LedgerReadStore for the pattern). */
export interface RoleConnectionStoreApi {
  get(userId: string): RoleConnectionRow | undefined;
  /** Inserts or replaces a member's connection (a reconnection starts over: nothing pushed yet). */
  put(
    row: Omit<RoleConnectionRow, 'pushedValues' | 'pushedHash' | 'pushedAt' | 'lastError' | 'lastErrorAt'>,
  ): void;
  setTokens(
    userId: string,
    tokens: { accessToken: string; refreshToken: string; expiresAt: number; scope: string },
    now: number,
  ): void;
  setPushed(userId: string, values: string, hash: string, now: number): void;
  setError(userId: string, error: string, now: number): void;
  /** Deletes the connection; false when there was none. */
  remove(userId: string): boolean;
  /** Up to `limit` connections after `afterUserId`, by user id (the sweep's pages). */
  page(afterUserId: string, limit: number): ConnectionKey[];
  facts(guildId: string, userId: string): ConnectionFacts;
  /** The guilds a member holds Sparks in, most lifetime earned first. */
  memberGuilds(userId: string, limit: number): { guildId: string; lifetime: number }[];
}

/** The longest `last_error` kept (the table's CHECK); a longer error is cut to it. */
export const MAX_ERROR_LENGTH = 500;

/**
 * A connection's facts from the member's account (undefined without one) and the count of
 * tier thresholds a lifetime reaches (asked only for a lifetime above 0). Both engines'
 * stores read the two and answer through this.
 */
export function connectionFacts(
  account: { lifetime: number; firstSeen: number; traded: boolean } | undefined,
  tiersReached: (lifetime: number) => number,
): ConnectionFacts {
  const lifetime = account?.lifetime ?? 0;
  return {
    lifetime,
    firstSeen: account?.firstSeen ?? null,
    traded: account?.traded ?? false,
    tier: lifetime > 0 ? tiersReached(lifetime) : 0,
  };
}

const p = sql.placeholder;

/**
 * Owner of `role_connections`. It reads the ledger's `accounts` and `transfers` and the
 * tiers' `tier_roles` for a connection's facts (never writing them). Writes run inside the
 * caller's `db.write`.
 */
export class RoleConnectionStore implements RoleConnectionStoreApi {
  private readonly s;

  constructor(db: Db) {
    const { orm } = db;
    const byUser = eq(roleConnections.userId, p('userId'));
    const member = and(
      eq(accounts.guildId, p('guildId')),
      eq(accounts.type, 'member'),
      eq(accounts.ref, p('userId')),
    );
    this.s = {
      get: orm.select().from(roleConnections).where(byUser).prepare(),
      put: orm
        .insert(roleConnections)
        .values({
          userId: p('userId'),
          guildId: p('guildId'),
          username: p('username'),
          accessToken: p('accessToken'),
          refreshToken: p('refreshToken'),
          expiresAt: p('expiresAt'),
          scope: p('scope'),
          memberSince: p('memberSince'),
          connectedAt: p('connectedAt'),
          updatedAt: p('updatedAt'),
        })
        .onConflictDoUpdate({
          target: roleConnections.userId,
          set: {
            guildId: sql`excluded.guild_id`,
            username: sql`excluded.username`,
            accessToken: sql`excluded.access_token`,
            refreshToken: sql`excluded.refresh_token`,
            expiresAt: sql`excluded.expires_at`,
            scope: sql`excluded.scope`,
            memberSince: sql`excluded.member_since`,
            connectedAt: sql`excluded.connected_at`,
            updatedAt: sql`excluded.updated_at`,
            pushedValues: sql`NULL`,
            pushedHash: sql`NULL`,
            pushedAt: sql`NULL`,
            lastError: sql`NULL`,
            lastErrorAt: sql`NULL`,
          },
        })
        .prepare(),
      setTokens: orm
        .update(roleConnections)
        .set({
          accessToken: sql`${p('accessToken')}`,
          refreshToken: sql`${p('refreshToken')}`,
          expiresAt: sql`${p('expiresAt')}`,
          scope: sql`${p('scope')}`,
          updatedAt: sql`${p('now')}`,
        })
        .where(byUser)
        .prepare(),
      setPushed: orm
        .update(roleConnections)
        .set({
          pushedValues: sql`${p('values')}`,
          pushedHash: sql`${p('hash')}`,
          pushedAt: sql`${p('now')}`,
          lastError: null,
          lastErrorAt: null,
          updatedAt: sql`${p('now')}`,
        })
        .where(byUser)
        .prepare(),
      setError: orm
        .update(roleConnections)
        .set({ lastError: sql`${p('error')}`, lastErrorAt: sql`${p('now')}`, updatedAt: sql`${p('now')}` })
        .where(byUser)
        .prepare(),
      remove: orm.delete(roleConnections).where(byUser).prepare(),
      page: orm
        .select({ userId: roleConnections.userId, guildId: roleConnections.guildId })
        .from(roleConnections)
        .where(gt(roleConnections.userId, p('after')))
        .orderBy(asc(roleConnections.userId))
        .limit(p('limit'))
        .prepare(),
      account: orm
        .select({
          lifetime: accounts.lifetimeEarned,
          firstSeen: accounts.createdAt,
          // transfers_credit (credit_account_id, id) holds the member's credits. Columns are
          // qualified by hand: drizzle writes a select's columns bare, which in the subquery
          // would read transfers' own id.
          traded: sql<number>`EXISTS (SELECT 1 FROM transfers AS t WHERE t.credit_account_id = "accounts"."id" AND t.kind = 'platform.trade')`,
        })
        .from(accounts)
        .where(member)
        .prepare(),
      tier: orm
        .select({ n: sql<number>`COUNT(DISTINCT ${tierRoles.threshold})` })
        .from(tierRoles)
        .where(and(eq(tierRoles.guildId, p('guildId')), sql`${tierRoles.threshold} <= ${p('lifetime')}`))
        .prepare(),
      memberGuilds: orm
        .select({ guildId: accounts.guildId, lifetime: accounts.lifetimeEarned })
        .from(accounts)
        .where(and(eq(accounts.type, 'member'), eq(accounts.ref, p('userId'))))
        .orderBy(desc(accounts.lifetimeEarned), asc(accounts.guildId))
        .limit(p('limit'))
        .prepare(),
    };
  }

  get(userId: string): RoleConnectionRow | undefined {
    return this.s.get.get({ userId });
  }

  put(row: Parameters<RoleConnectionStoreApi['put']>[0]): void {
    this.s.put.run(row);
  }

  setTokens(
    userId: string,
    tokens: { accessToken: string; refreshToken: string; expiresAt: number; scope: string },
    now: number,
  ): void {
    this.s.setTokens.run({ userId, ...tokens, now });
  }

  setPushed(userId: string, values: string, hash: string, now: number): void {
    this.s.setPushed.run({ userId, values, hash, now });
  }

  setError(userId: string, error: string, now: number): void {
    this.s.setError.run({ userId, error: error.slice(0, MAX_ERROR_LENGTH), now });
  }

  remove(userId: string): boolean {
    return this.s.remove.run({ userId }).changes > 0;
  }

  page(afterUserId: string, limit: number): ConnectionKey[] {
    return this.s.page.all({ after: afterUserId, limit });
  }

  facts(guildId: string, userId: string): ConnectionFacts {
    const account = this.s.account.get({ guildId, userId });
    return connectionFacts(
      account && { ...account, traded: account.traded === 1 },
      (lifetime) => this.s.tier.get({ guildId, lifetime })?.n ?? 0,
    );
  }

  memberGuilds(userId: string, limit: number): { guildId: string; lifetime: number }[] {
    return this.s.memberGuilds.all({ userId, limit });
  }
}
