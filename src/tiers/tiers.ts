import type { AuditSink, AuditValue } from '../audit.ts';
import type { AppDb } from '../db/engine.ts';
import { tiersStore } from '../db/pg/tiers-store.ts';
import type { TierRow, TiersStoreApi } from '../db/tiers-store.ts';
import { SparksError } from '../core/errors.ts';
import { MEMBER, type Ledger } from '../ledger/ledger.ts';
import type { Clock } from '../core/clock.ts';

export type Tier = TierRow;

/** Where a member stands among the guild's tiers (ordered by threshold). */
export interface TierProgress {
  tiers: Tier[];
  /** The highest tier the member's lifetime earned reaches. */
  current: Tier | null;
  /** The lowest tier above it. */
  next: Tier | null;
  /** Sparks still to earn for `next`. */
  needed: number | null;
}

/** What the bot should do to one member's roles so they match their lifetime earned. */
export interface TierPlan {
  lifetime: number;
  /** Tiers reached with no live grant: grant the role once. */
  grant: Tier[];
  /** Tiers granted by the bot that the member has fallen below (a revoke): remove the role. */
  remove: Tier[];
}

export const MAX_TIERS = 25;
export const MAX_THRESHOLD = Number.MAX_SAFE_INTEGER;
/** The largest threshold the command and the dashboard offer (the ledger itself allows up to 2^53−1). */
export const MAX_TIER_THRESHOLD = 1_000_000_000_000;

/**
 * Tier roles: an admin maps lifetime-earned thresholds to roles. The bot grants a role once
 * when a member's lifetime earned reaches its threshold and records the grant; while that
 * record says `granted` the bot never grants it again, so a moderator who removes the role
 * by hand is respected. Spending never lowers lifetime earned, so it never costs a tier; a
 * revoke that takes a member below a threshold marks the grant `revoked` (and the role
 * comes off), after which reaching the threshold again grants it again.
 */
export class TierService {
  private readonly db: AppDb;
  private readonly ledger: Ledger;
  private readonly clock: Clock;
  private readonly store: TiersStoreApi;
  private readonly audit: AuditSink | undefined;
  private readonly listeners = new Set<(guildId: string) => void>();

  constructor(deps: { db: AppDb; ledger: Ledger; clock: Clock; audit?: AuditSink }) {
    this.db = deps.db;
    this.audit = deps.audit;
    this.ledger = deps.ledger;
    this.clock = deps.clock;
    this.store = tiersStore(deps.db);
  }

  list(guildId: string): Tier[] {
    return this.store.list(guildId);
  }

  /**
   * Maps `roleId` to `threshold` (a new tier, or a new threshold for an existing one) and
   * tells the listeners, so members who already qualify get the role. A tier means
   * "lifetime earned ≥ threshold", always: raising a threshold takes the role back from
   * members the bot granted it to who are now below it.
   * A change by a moderator (`guard.actorId`) is recorded in the audit log.
   * Errors: SPARKS.INVALID_AMOUNT (threshold not an integer in 1 … 2^53−1),
   * SPARKS.TIER_INVALID { reason: 'too_many', max } or { reason: 'moderator_role' }.
   */
  set(
    guildId: string,
    roleId: string,
    threshold: number,
    guard: { moderatorRoleId: string | null; actorId?: string },
  ): { tier: Tier; previous: number | null; qualifying: number } {
    if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > MAX_THRESHOLD) {
      throw new SparksError('SPARKS.INVALID_AMOUNT', { min: 1, max: MAX_THRESHOLD });
    }
    if (roleId === guard.moderatorRoleId) {
      throw new SparksError('SPARKS.TIER_INVALID', { reason: 'moderator_role' });
    }
    const result = this.db.write(() => {
      const tiers = this.store.list(guildId);
      const previous = tiers.find((t) => t.roleId === roleId)?.threshold ?? null;
      if (previous === null && tiers.length >= MAX_TIERS) {
        throw new SparksError('SPARKS.TIER_INVALID', { reason: 'too_many', max: MAX_TIERS });
      }
      this.store.put(guildId, { roleId, threshold }, this.clock());
      return {
        tier: { roleId, threshold },
        previous,
        qualifying: this.store.qualifying(guildId, threshold),
      };
    });
    this.recorded(guildId, guard.actorId, 'tier set', {
      Tier: { type: 'role', id: roleId },
      'Lifetime Sparks': threshold,
    });
    for (const listener of this.listeners) listener(guildId);
    return result;
  }

  /**
   * Stops managing a role. Members keep it (the bot takes nothing away on its own), and
   * the grant records stay, so setting the tier again does not re-hand the role to anyone
   * a moderator took it from. A removal by a moderator (`actorId`) is recorded in the
   * audit log. Errors: SPARKS.TIER_NOT_FOUND { roleId }.
   */
  remove(guildId: string, roleId: string, actorId?: string): Tier {
    const tier = this.db.write(() => {
      const found = this.store.list(guildId).find((t) => t.roleId === roleId);
      if (!found) throw new SparksError('SPARKS.TIER_NOT_FOUND', { roleId });
      this.store.remove(guildId, roleId);
      return found;
    });
    this.recorded(guildId, actorId, 'tier remove', { Tier: { type: 'role', id: roleId } });
    return tier;
  }

  /** After the commit: the audit-log channel shows a moderator's change to the tiers. */
  private recorded(
    guildId: string,
    actorId: string | undefined,
    reason: string,
    fields: Record<string, AuditValue>,
  ): void {
    if (actorId === undefined || !this.audit) return;
    this.audit.record({ guildId, kind: 'config', actorId, reason, fields, at: this.clock() });
  }

  /** Called after a tier is set (the Discord side catches members up). */
  onChanged(listener: (guildId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  progress(guildId: string, lifetime: number): TierProgress {
    return progressOf(this.store.list(guildId), lifetime);
  }

  /**
   * The tier a lifetime reaches and the one after it, read by two indexed look-ups (the
   * read-back API asks this per request; `progress` reads every tier). Of tiers sharing a
   * threshold, the one with the lowest role id is named.
   */
  standing(guildId: string, lifetime: number): { tier: Tier | null; next: Tier | null } {
    return {
      tier: this.store.tierAtOrBelow(guildId, lifetime) ?? null,
      next: this.store.tierAbove(guildId, lifetime) ?? null,
    };
  }

  plan(guildId: string, userId: string): TierPlan {
    const lifetime = this.ledger.reads.account(guildId, MEMBER(userId))?.lifetimeEarned ?? 0;
    const grant: Tier[] = [];
    const remove: Tier[] = [];
    for (const row of this.store.plan(guildId, userId)) {
      const tier = { roleId: row.roleId, threshold: row.threshold };
      if (lifetime >= row.threshold && row.status !== 'granted') grant.push(tier);
      else if (lifetime < row.threshold && row.status === 'granted') remove.push(tier);
    }
    return { lifetime, grant, remove };
  }

  /** Up to `limit` members whose tier roles disagree with their lifetime earned. */
  pendingMembers(guildId: string, limit: number): string[] {
    return this.store.pendingUsers(guildId, limit);
  }

  markGranted(guildId: string, userId: string, roleId: string): void {
    this.db.write(() => this.store.setGrant(guildId, userId, roleId, 'granted', this.clock()));
  }

  markRevoked(guildId: string, userId: string, roleId: string): void {
    this.db.write(() => this.store.setGrant(guildId, userId, roleId, 'revoked', this.clock()));
  }

  /**
   * A member (re)joined: Discord gave them no roles, so earlier grants no longer stand and
   * the tiers they have earned are granted again.
   */
  forgetMember(guildId: string, userId: string): number {
    return this.db.write(() => this.store.forgetMember(guildId, userId));
  }

  /** How many members hold a live grant, per tier role. */
  grantedCounts(guildId: string): Map<string, number> {
    return this.store.grantedCounts(guildId);
  }
}

/** The tiers reached and the next one, for tiers sorted by threshold. */
export function progressOf(tiers: Tier[], lifetime: number): TierProgress {
  let current: Tier | null = null;
  let next: Tier | null = null;
  for (const tier of tiers) {
    if (tier.threshold <= lifetime) current = tier;
    else {
      next = tier;
      break;
    }
  }
  return { tiers, current, next, needed: next ? next.threshold - lifetime : null };
}
