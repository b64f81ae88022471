import type { AppDb } from '../db/engine.ts';
import { settingsStore } from '../db/pg/settings-store.ts';

/**
 * On leaderboards: a human member without the guild's leaderboard-excluded role. For a
 * member as the API sends it (a member list, a reaction event) or as a queued grant keeps
 * it: only the roles' ids. (`isRankable` in src/discord/ranking.ts is the same rule for a
 * discord.js member.)
 */
export function isRankableRaw(
  member: { user?: { bot?: boolean }; roles: readonly string[] },
  excludedRoleId: string | null,
): boolean {
  if (member.user?.bot) return false;
  return excludedRoleId === null || !member.roles.includes(excludedRoleId);
}

/**
 * The guild's leaderboard-excluded role as its settings hold it (null: none), for a grant
 * batch that opens new accounts: read once per batch, inside its transaction.
 */
export function excludedRoleReader(db: AppDb): (guildId: string) => string | null {
  const settings = settingsStore(db);
  return (guildId) => settings.get(guildId)?.leaderboardExcludeRoleId ?? null;
}
