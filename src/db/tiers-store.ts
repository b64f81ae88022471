import type { Statement } from 'better-sqlite3';
import type { Sqlite } from './open.ts';

export interface TierRow {
  roleId: string;
  threshold: number;
}

export interface TierPlanRow extends TierRow {
  /** The member's grant record for this role, if any. */
  status: 'granted' | 'revoked' | null;
}

/**
 * The tier statements run after every credit (a member's plan) and at every balance
 * (the guild's tiers), so they are prepared once per connection.
 */
export class TiersStore {
  private readonly s: {
    list: Statement<[string], TierRow>;
    plan: Statement<[{ g: string; u: string }], TierPlanRow>;
    pending: Statement<[{ g: string; n: number }], { userId: string }>;
    setGrant: Statement<[{ g: string; u: string; r: string; s: string; t: number }]>;
    forget: Statement<[string, string]>;
    grantedCounts: Statement<[string], { roleId: string; n: number }>;
    qualifying: Statement<[string, number], { n: number }>;
  };

  constructor(sqlite: Sqlite) {
    this.s = {
      list: sqlite.prepare(
        `SELECT role_id AS roleId, threshold FROM tier_roles WHERE guild_id = ? ORDER BY threshold ASC, role_id ASC`,
      ),
      plan: sqlite.prepare(
        `SELECT t.role_id AS roleId, t.threshold, g.status
         FROM tier_roles t
         LEFT JOIN tier_grants g ON g.guild_id = t.guild_id AND g.role_id = t.role_id AND g.user_id = @u
         WHERE t.guild_id = @g ORDER BY t.threshold ASC, t.role_id ASC`,
      ),
      // Members whose roles disagree with their lifetime: owed a tier they have no live
      // grant for, or holding a grant above what they now have.
      pending: sqlite.prepare(
        `SELECT DISTINCT a.ref AS userId
         FROM accounts a
         JOIN tier_roles t ON t.guild_id = a.guild_id
         LEFT JOIN tier_grants g ON g.guild_id = a.guild_id AND g.user_id = a.ref AND g.role_id = t.role_id
         WHERE a.guild_id = @g AND a.type = 'member'
           AND ((a.lifetime_earned >= t.threshold AND (g.status IS NULL OR g.status = 'revoked'))
             OR (a.lifetime_earned < t.threshold AND g.status = 'granted'))
         LIMIT @n`,
      ),
      setGrant: sqlite.prepare(
        `INSERT INTO tier_grants (guild_id, user_id, role_id, status, updated_at) VALUES (@g, @u, @r, @s, @t)
         ON CONFLICT (guild_id, user_id, role_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
      ),
      forget: sqlite.prepare(`DELETE FROM tier_grants WHERE guild_id = ? AND user_id = ?`),
      grantedCounts: sqlite.prepare(
        `SELECT role_id AS roleId, COUNT(*) AS n FROM tier_grants WHERE guild_id = ? AND status = 'granted' GROUP BY role_id`,
      ),
      qualifying: sqlite.prepare(
        `SELECT COUNT(*) AS n FROM accounts WHERE guild_id = ? AND type = 'member' AND lifetime_earned >= ?`,
      ),
    };
  }

  list(guildId: string): TierRow[] {
    return this.s.list.all(guildId);
  }

  plan(guildId: string, userId: string): TierPlanRow[] {
    return this.s.plan.all({ g: guildId, u: userId });
  }

  pendingUsers(guildId: string, limit: number): string[] {
    return this.s.pending.all({ g: guildId, n: limit }).map((r) => r.userId);
  }

  setGrant(
    guildId: string,
    userId: string,
    roleId: string,
    status: 'granted' | 'revoked',
    now: number,
  ): void {
    this.s.setGrant.run({ g: guildId, u: userId, r: roleId, s: status, t: now });
  }

  forgetMember(guildId: string, userId: string): number {
    return this.s.forget.run(guildId, userId).changes;
  }

  grantedCounts(guildId: string): Map<string, number> {
    return new Map(this.s.grantedCounts.all(guildId).map((r) => [r.roleId, r.n]));
  }

  /** Members (with an account) whose lifetime earned reaches `threshold`. */
  qualifying(guildId: string, threshold: number): number {
    return this.s.qualifying.get(guildId, threshold)!.n;
  }
}
