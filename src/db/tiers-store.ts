import { and, asc, count, desc, eq, gt, gte, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { accounts, tierGrants, tierRoles } from './schema.ts';

/** The surface a second engine implements (src/db/pg/tiers-store.ts). */
export type TiersStoreApi = { [K in keyof TiersStore]: TiersStore[K] };

/** A tier: members whose lifetime earned reaches `threshold` get `roleId`. */
export type TierRow = Pick<typeof tierRoles.$inferSelect, 'roleId' | 'threshold'>;

export type TierGrantStatus = (typeof tierGrants.$inferSelect)['status'];

export interface TierPlanRow extends TierRow {
  /** The member's grant record for this role, if any. */
  status: TierGrantStatus | null;
}

const p = {
  guildId: sql.placeholder('guildId'),
  userId: sql.placeholder('userId'),
  roleId: sql.placeholder('roleId'),
  threshold: sql.placeholder('threshold'),
};
const TIER = { roleId: tierRoles.roleId, threshold: tierRoles.threshold };

/**
 * Owner of `tier_roles` and `tier_grants`. Its statements run after every credit (a
 * member's plan) and at every balance (the guild's tiers), so each is prepared once here.
 * Writes must run inside the caller's `db.write`.
 */
export class TiersStore {
  private readonly s;

  constructor(db: Db) {
    const { orm } = db;
    this.s = {
      list: orm
        .select(TIER)
        .from(tierRoles)
        .where(eq(tierRoles.guildId, p.guildId))
        .orderBy(asc(tierRoles.threshold), asc(tierRoles.roleId))
        .prepare(),
      atOrBelow: orm
        .select(TIER)
        .from(tierRoles)
        .where(and(eq(tierRoles.guildId, p.guildId), lte(tierRoles.threshold, p.threshold)))
        .orderBy(desc(tierRoles.threshold), asc(tierRoles.roleId))
        .limit(1)
        .prepare(),
      above: orm
        .select(TIER)
        .from(tierRoles)
        .where(and(eq(tierRoles.guildId, p.guildId), gt(tierRoles.threshold, p.threshold)))
        .orderBy(asc(tierRoles.threshold), asc(tierRoles.roleId))
        .limit(1)
        .prepare(),
      put: orm
        .insert(tierRoles)
        .values({
          guildId: p.guildId,
          roleId: p.roleId,
          threshold: p.threshold,
          createdAt: sql.placeholder('now'),
        })
        .onConflictDoUpdate({
          target: [tierRoles.guildId, tierRoles.roleId],
          set: { threshold: sql`excluded.threshold` },
        })
        .prepare(),
      remove: orm
        .delete(tierRoles)
        .where(and(eq(tierRoles.guildId, p.guildId), eq(tierRoles.roleId, p.roleId)))
        .prepare(),
      plan: orm
        .select({ ...TIER, status: tierGrants.status })
        .from(tierRoles)
        .leftJoin(
          tierGrants,
          and(
            eq(tierGrants.guildId, tierRoles.guildId),
            eq(tierGrants.roleId, tierRoles.roleId),
            eq(tierGrants.userId, p.userId),
          ),
        )
        .where(eq(tierRoles.guildId, p.guildId))
        .orderBy(asc(tierRoles.threshold), asc(tierRoles.roleId))
        .prepare(),
      setGrant: orm
        .insert(tierGrants)
        .values({
          guildId: p.guildId,
          userId: p.userId,
          roleId: p.roleId,
          status: sql.placeholder('status'),
          updatedAt: sql.placeholder('now'),
        })
        .onConflictDoUpdate({
          target: [tierGrants.guildId, tierGrants.userId, tierGrants.roleId],
          set: { status: sql`excluded.status`, updatedAt: sql`excluded.updated_at` },
        })
        .prepare(),
      forget: orm
        .delete(tierGrants)
        .where(and(eq(tierGrants.guildId, p.guildId), eq(tierGrants.userId, p.userId)))
        .prepare(),
      grantedCounts: orm
        .select({ roleId: tierGrants.roleId, n: count() })
        .from(tierGrants)
        .where(and(eq(tierGrants.guildId, p.guildId), eq(tierGrants.status, 'granted')))
        .groupBy(tierGrants.roleId)
        .prepare(),
      qualifying: orm
        .select({ n: count() })
        .from(accounts)
        .where(
          and(
            eq(accounts.guildId, p.guildId),
            eq(accounts.type, 'member'),
            gte(accounts.lifetimeEarned, p.threshold),
          ),
        )
        .prepare(),
      // Members whose roles disagree with their lifetime: owed a tier they have no live
      // grant for, or holding a grant above what they now have.
      pending: orm
        .selectDistinct({ userId: accounts.ref })
        .from(accounts)
        .innerJoin(tierRoles, eq(tierRoles.guildId, accounts.guildId))
        .leftJoin(
          tierGrants,
          and(
            eq(tierGrants.guildId, accounts.guildId),
            eq(tierGrants.userId, accounts.ref),
            eq(tierGrants.roleId, tierRoles.roleId),
          ),
        )
        .where(
          and(
            eq(accounts.guildId, p.guildId),
            eq(accounts.type, 'member'),
            or(
              and(
                gte(accounts.lifetimeEarned, tierRoles.threshold),
                or(isNull(tierGrants.status), eq(tierGrants.status, 'revoked')),
              ),
              and(lt(accounts.lifetimeEarned, tierRoles.threshold), eq(tierGrants.status, 'granted')),
            ),
          ),
        )
        .limit(sql.placeholder('limit'))
        .prepare(),
    };
  }

  /** A guild's tiers, lowest threshold first (ties by role id). */
  list(guildId: string): TierRow[] {
    return this.s.list.all({ guildId });
  }

  /** The highest tier whose threshold is at most `lifetime`. */
  tierAtOrBelow(guildId: string, lifetime: number): TierRow | undefined {
    return this.s.atOrBelow.get({ guildId, threshold: lifetime });
  }

  /** The lowest tier whose threshold is above `lifetime`. */
  tierAbove(guildId: string, lifetime: number): TierRow | undefined {
    return this.s.above.get({ guildId, threshold: lifetime });
  }

  /** Adds a tier, or moves an existing one to a new threshold (its creation time stays). */
  put(guildId: string, tier: TierRow, now: number): void {
    this.s.put.run({ guildId, roleId: tier.roleId, threshold: tier.threshold, now });
  }

  /** Stops managing a role as a tier; its grant records stay. */
  remove(guildId: string, roleId: string): void {
    this.s.remove.run({ guildId, roleId });
  }

  plan(guildId: string, userId: string): TierPlanRow[] {
    return this.s.plan.all({ guildId, userId });
  }

  pendingUsers(guildId: string, limit: number): string[] {
    return this.s.pending.all({ guildId, limit }).map((r) => r.userId);
  }

  setGrant(guildId: string, userId: string, roleId: string, status: TierGrantStatus, now: number): void {
    this.s.setGrant.run({ guildId, userId, roleId, status, now });
  }

  forgetMember(guildId: string, userId: string): number {
    return this.s.forget.run({ guildId, userId }).changes;
  }

  grantedCounts(guildId: string): Map<string, number> {
    return new Map(this.s.grantedCounts.all({ guildId }).map((r) => [r.roleId, r.n]));
  }

  /** Members (with an account) whose lifetime earned reaches `threshold`. */
  qualifying(guildId: string, threshold: number): number {
    return this.s.qualifying.get({ guildId, threshold })?.n ?? 0;
  }
}
