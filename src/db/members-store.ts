import type { Statement } from 'better-sqlite3';
import type { Sqlite } from './open.ts';

export interface BadgeRow {
  rewardId: number;
  name: string;
  count: number;
}

/** What members read about themselves (badges) and the ranked flags kept true to Discord. */
export class MembersStore {
  private readonly s: {
    badges: Statement<[string, string], BadgeRow>;
    memberAccounts: Statement<[string], { userId: string; ranked: number }>;
    setRanked: Statement<[number, string, string]>;
    campaignName: Statement<[number, string], { name: string }>;
    redemptionReward: Statement<[number, string], { name: string }>;
  };

  constructor(sqlite: Sqlite) {
    this.s = {
      badges: sqlite.prepare(
        `SELECT r.id AS rewardId, r.name AS name, COUNT(*) AS count
         FROM redemptions d JOIN rewards r ON r.id = d.reward_id
         WHERE d.guild_id = ? AND d.user_id = ? AND d.status = 'fulfilled' AND r.kind = 'badge'
         GROUP BY r.id ORDER BY MIN(d.id)`,
      ),
      memberAccounts: sqlite.prepare(
        `SELECT ref AS userId, ranked FROM accounts WHERE guild_id = ? AND type = 'member'`,
      ),
      setRanked: sqlite.prepare(
        `UPDATE accounts SET ranked = ? WHERE guild_id = ? AND type = 'member' AND ref = ?`,
      ),
      campaignName: sqlite.prepare(`SELECT name FROM campaigns WHERE id = ? AND guild_id = ?`),
      redemptionReward: sqlite.prepare(
        `SELECT r.name AS name FROM redemptions d JOIN rewards r ON r.id = d.reward_id
         WHERE d.id = ? AND d.guild_id = ?`,
      ),
    };
  }

  /** Badge rewards a member redeemed and received, oldest first, with how many of each. */
  badges(guildId: string, userId: string): BadgeRow[] {
    return this.s.badges.all(guildId, userId);
  }

  memberAccounts(guildId: string): { userId: string; ranked: number }[] {
    return this.s.memberAccounts.all(guildId);
  }

  setRanked(guildId: string, userId: string, ranked: boolean): void {
    this.s.setRanked.run(ranked ? 1 : 0, guildId, userId);
  }

  campaignName(guildId: string, campaignId: number): string | null {
    return this.s.campaignName.get(campaignId, guildId)?.name ?? null;
  }

  rewardOfRedemption(guildId: string, redemptionId: number): string | null {
    return this.s.redemptionReward.get(redemptionId, guildId)?.name ?? null;
  }
}
