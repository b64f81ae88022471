import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { campaigns, quests, redemptions, rewards } from './schema.ts';

export interface BadgeRow {
  rewardId: number;
  name: string;
  count: number;
}

/** MembersStore's methods, which its PostgreSQL twin (src/db/pg/members-store.ts) implements too. */
export type MembersStoreApi = { [K in keyof MembersStore]: MembersStore[K] };

/**
 * What members read about themselves: badges, and the names a history page shows. A read
 * model over tables other stores own (accounts: the ledger's; campaigns; quests; rewards
 * and redemptions: the shop's), so it writes nothing. Prepared once per connection.
 */
export class MembersStore {
  private readonly s;

  constructor(db: Db) {
    const { orm } = db;
    const guildId = sql.placeholder('guildId');
    this.s = {
      // Raw: a union drizzle cannot say — badges redeemed in the shop and badges quests awarded
      // (one per completion: a daily quest's badge counts each day), first earned first.
      badges: db.sqlite.prepare<{ guildId: string; userId: string }, BadgeRow>(
        `SELECT r.id AS rewardId, r.name AS name, COUNT(*) AS count
         FROM (SELECT reward_id, created_at AS at FROM redemptions
               WHERE guild_id = @guildId AND user_id = @userId AND status = 'fulfilled'
               UNION ALL
               SELECT q.badge_reward_id, c.completed_at FROM quest_completions c JOIN quests q ON q.id = c.quest_id
               WHERE c.guild_id = @guildId AND c.user_id = @userId AND q.badge_reward_id IS NOT NULL) b
         JOIN rewards r ON r.id = b.reward_id AND r.kind = 'badge'
         GROUP BY r.id ORDER BY MIN(b.at), r.id`,
      ),
      // Raw: a full member-list sync reads every account of the guild, and drizzle's
      // per-row mapping made that read about twice as slow at 100,000 members.
      memberAccounts: db.sqlite.prepare<[{ guildId: string }], { userId: string; ranked: number }>(
        `SELECT ref AS userId, ranked FROM accounts WHERE guild_id = @guildId AND type = 'member'`,
      ),
      campaignName: orm
        .select({ name: campaigns.name })
        .from(campaigns)
        .where(and(eq(campaigns.id, sql.placeholder('id')), eq(campaigns.guildId, guildId)))
        .prepare(),
      questName: orm
        .select({ name: quests.name })
        .from(quests)
        .where(and(eq(quests.id, sql.placeholder('id')), eq(quests.guildId, guildId)))
        .prepare(),
      redemptionReward: orm
        .select({ name: rewards.name })
        .from(redemptions)
        .innerJoin(rewards, eq(rewards.id, redemptions.rewardId))
        .where(and(eq(redemptions.id, sql.placeholder('id')), eq(redemptions.guildId, guildId)))
        .prepare(),
    };
  }

  /** Badges a member holds, oldest first, with how many of each: redeemed in the shop, or awarded by quests. */
  badges(guildId: string, userId: string): BadgeRow[] {
    return this.s.badges.all({ guildId, userId });
  }

  /** Every member account of a guild with its ranked flag (1 or 0), in no set order. */
  memberAccounts(guildId: string): { userId: string; ranked: number }[] {
    return this.s.memberAccounts.all({ guildId });
  }

  campaignName(guildId: string, campaignId: number): string | null {
    return this.s.campaignName.get({ id: campaignId, guildId })?.name ?? null;
  }

  questName(guildId: string, questId: number): string | null {
    return this.s.questName.get({ id: questId, guildId })?.name ?? null;
  }

  rewardOfRedemption(guildId: string, redemptionId: number): string | null {
    return this.s.redemptionReward.get({ id: redemptionId, guildId })?.name ?? null;
  }
}
