/**
 * `member_prefs` on PostgreSQL through the synchronous facade: the same methods and results
 * as the SQLite `PrefsStore` (src/db/prefs-store.ts). A member without a row has every default.
 */
import type { AppDb } from '../engine.ts';
import { PrefsStore, type PrefsStoreApi, type QuestNotices } from '../prefs-store.ts';
import type { PgSyncDb } from './sync.ts';

const upsert = (column: string) =>
  `INSERT INTO member_prefs (guild_id, user_id, ${column}, updated_at) VALUES ($1, $2, $3, $4)
   ON CONFLICT (guild_id, user_id) DO UPDATE SET ${column} = excluded.${column}, updated_at = excluded.updated_at`;

const SQL = {
  hidden: `SELECT leaderboard_hidden AS hidden FROM member_prefs WHERE guild_id = $1 AND user_id = $2`,
  hiddenAmong: `SELECT user_id AS "userId" FROM member_prefs
    WHERE guild_id = $1 AND user_id = ANY($2::text[]) AND leaderboard_hidden = 1`,
  setHidden: upsert('leaderboard_hidden'),
  notices: `SELECT quest_notices AS notices FROM member_prefs WHERE guild_id = $1 AND user_id = $2`,
  setNotices: upsert('quest_notices'),
} as const;

export class PgPrefsStore implements PrefsStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  leaderboardHidden(guildId: string, userId: string): boolean {
    return this.db.query<{ hidden: number }>(SQL.hidden, [guildId, userId])[0]?.hidden === 1;
  }

  hiddenAmong(guildId: string, userIds: readonly string[]): Set<string> {
    if (userIds.length === 0) return new Set();
    const rows = this.db.query<{ userId: string }>(SQL.hiddenAmong, [guildId, [...userIds]]);
    return new Set(rows.map((r) => r.userId));
  }

  setLeaderboardHidden(guildId: string, userId: string, hidden: boolean, now: number): boolean {
    if (this.leaderboardHidden(guildId, userId) === hidden) return false;
    this.db.run(SQL.setHidden, [guildId, userId, hidden ? 1 : 0, now]);
    return true;
  }

  questNotices(guildId: string, userId: string): QuestNotices {
    return this.db.query<{ notices: QuestNotices }>(SQL.notices, [guildId, userId])[0]?.notices ?? 'dm';
  }

  setQuestNotices(guildId: string, userId: string, notices: QuestNotices, now: number): boolean {
    if (this.questNotices(guildId, userId) === notices) return false;
    this.db.run(SQL.setNotices, [guildId, userId, notices, now]);
    return true;
  }
}

/** The prefs store of `db`'s engine. */
export function prefsStore(db: AppDb): PrefsStoreApi {
  return db.engine === 'postgres' ? new PgPrefsStore(db) : new PrefsStore(db);
}
