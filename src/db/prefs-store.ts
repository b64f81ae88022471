import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { memberPrefs } from './schema.ts';

export type MemberPrefsRow = typeof memberPrefs.$inferSelect;

/** The surface a second engine implements (see LedgerReadStore for the pattern). */
export interface PrefsStoreApi {
  leaderboardHidden(guildId: string, userId: string): boolean;
  /** Of these members, the ones hidden from the web leaderboard. */
  hiddenAmong(guildId: string, userIds: readonly string[]): Set<string>;
  /** Sets a member's choice (call inside the caller's `db.write`); true when it changed. */
  setLeaderboardHidden(guildId: string, userId: string, hidden: boolean, now: number): boolean;
  /** How the member wants a completed quest announced (default 'dm'). */
  questNotices(guildId: string, userId: string): QuestNotices;
  setQuestNotices(guildId: string, userId: string, notices: QuestNotices, now: number): boolean;
}

export type QuestNotices = MemberPrefsRow['questNotices'];

const p = sql.placeholder;

/**
 * Owner of `member_prefs`: a member's own choices about how Sparks shows them. A member
 * without a row has every default (shown on the leaderboard). Prepared once per connection.
 */
export class PrefsStore implements PrefsStoreApi {
  private readonly s;

  constructor(db: Db) {
    const { orm } = db;
    const key = and(eq(memberPrefs.guildId, p('guildId')), eq(memberPrefs.userId, p('userId')));
    this.s = {
      one: orm.select({ hidden: memberPrefs.leaderboardHidden }).from(memberPrefs).where(key).prepare(),
      // One look-up for a page of the board: the ids as a JSON array, read by primary key.
      hiddenAmong: orm
        .select({ userId: memberPrefs.userId })
        .from(memberPrefs)
        .where(
          and(
            eq(memberPrefs.guildId, p('guildId')),
            sql`${memberPrefs.userId} IN (SELECT value FROM json_each(${p('ids')}))`,
            eq(memberPrefs.leaderboardHidden, 1),
          ),
        )
        .prepare(),
      upsert: orm
        .insert(memberPrefs)
        .values({
          guildId: p('guildId'),
          userId: p('userId'),
          leaderboardHidden: p('hidden'),
          updatedAt: p('now'),
        })
        .onConflictDoUpdate({
          target: [memberPrefs.guildId, memberPrefs.userId],
          set: { leaderboardHidden: sql`excluded.leaderboard_hidden`, updatedAt: sql`excluded.updated_at` },
        })
        .prepare(),
      notices: orm.select({ notices: memberPrefs.questNotices }).from(memberPrefs).where(key).prepare(),
      upsertNotices: orm
        .insert(memberPrefs)
        .values({
          guildId: p('guildId'),
          userId: p('userId'),
          questNotices: p('notices'),
          updatedAt: p('now'),
        })
        .onConflictDoUpdate({
          target: [memberPrefs.guildId, memberPrefs.userId],
          set: { questNotices: sql`excluded.quest_notices`, updatedAt: sql`excluded.updated_at` },
        })
        .prepare(),
    };
  }

  questNotices(guildId: string, userId: string): QuestNotices {
    return this.s.notices.get({ guildId, userId })?.notices ?? 'dm';
  }

  setQuestNotices(guildId: string, userId: string, notices: QuestNotices, now: number): boolean {
    if (this.questNotices(guildId, userId) === notices) return false;
    this.s.upsertNotices.run({ guildId, userId, notices, now });
    return true;
  }

  leaderboardHidden(guildId: string, userId: string): boolean {
    return this.s.one.get({ guildId, userId })?.hidden === 1;
  }

  hiddenAmong(guildId: string, userIds: readonly string[]): Set<string> {
    if (userIds.length === 0) return new Set();
    const rows = this.s.hiddenAmong.all({ guildId, ids: JSON.stringify(userIds) });
    return new Set(rows.map((r) => r.userId));
  }

  setLeaderboardHidden(guildId: string, userId: string, hidden: boolean, now: number): boolean {
    if (this.leaderboardHidden(guildId, userId) === hidden) return false;
    this.s.upsert.run({ guildId, userId, hidden: hidden ? 1 : 0, now });
    return true;
  }
}
