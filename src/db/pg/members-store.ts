/**
 * What members read about themselves (badges, the names a history page shows, the guild's
 * member accounts) on PostgreSQL, through the synchronous facade (sync.ts): the same methods
 * and results as the SQLite `MembersStore` (src/db/members-store.ts). A read model over
 * tables other stores own (accounts, campaigns, quests, rewards, redemptions); it writes
 * nothing, so nothing here depends on SQLite's single writer. `membersStore(db)` is the one
 * place that picks.
 */
import type { AppDb } from '../engine.ts';
import { MembersStore, type BadgeRow, type MembersStoreApi } from '../members-store.ts';
import type { PgSyncDb } from './sync.ts';

const SQL = {
  // Badges redeemed in the shop and badges quests awarded (one per completion), first earned first.
  badges: `SELECT r.id AS "rewardId", r.name AS name, COUNT(*) AS count
    FROM (SELECT reward_id, created_at AS at FROM redemptions
          WHERE guild_id = $1 AND user_id = $2 AND status = 'fulfilled'
          UNION ALL
          SELECT q.badge_reward_id, c.completed_at FROM quest_completions c JOIN quests q ON q.id = c.quest_id
          WHERE c.guild_id = $1 AND c.user_id = $2 AND q.badge_reward_id IS NOT NULL) b
    JOIN rewards r ON r.id = b.reward_id AND r.kind = 'badge'
    GROUP BY r.id, r.name ORDER BY MIN(b.at), r.id`,
  memberAccounts: `SELECT ref AS "userId", ranked FROM accounts WHERE guild_id = $1 AND type = 'member'`,
  campaignName: `SELECT name FROM campaigns WHERE id = $1 AND guild_id = $2`,
  questName: `SELECT name FROM quests WHERE id = $1 AND guild_id = $2`,
  redemptionReward: `SELECT r.name FROM redemptions d JOIN rewards r ON r.id = d.reward_id
    WHERE d.id = $1 AND d.guild_id = $2`,
} as const;

/** `MembersStore`'s methods on PostgreSQL; see the module comment. */
export class PgMembersStore implements MembersStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  private name(text: string, id: number, guildId: string): string | null {
    return this.db.query<{ name: string }>(text, [id, guildId])[0]?.name ?? null;
  }

  badges(guildId: string, userId: string): BadgeRow[] {
    return this.db.query(SQL.badges, [guildId, userId]);
  }

  memberAccounts(guildId: string): { userId: string; ranked: number }[] {
    return this.db.query(SQL.memberAccounts, [guildId]);
  }

  campaignName(guildId: string, campaignId: number): string | null {
    return this.name(SQL.campaignName, campaignId, guildId);
  }

  questName(guildId: string, questId: number): string | null {
    return this.name(SQL.questName, questId, guildId);
  }

  rewardOfRedemption(guildId: string, redemptionId: number): string | null {
    return this.name(SQL.redemptionReward, redemptionId, guildId);
  }
}

/** The members' read store for `db`'s engine: the one place that picks. */
export function membersStore(db: AppDb): MembersStoreApi {
  return db.engine === 'postgres' ? new PgMembersStore(db) : new MembersStore(db);
}
