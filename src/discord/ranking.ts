import {
  DiscordAPIError,
  RESTJSONErrorCodes,
  type Guild,
  type GuildMember,
  type PartialGuildMember,
} from 'discord.js';
import type { Services } from '../services.ts';

const PAGE = 1000;

/** On leaderboards: a human member without the guild's leaderboard-excluded role. */
export function isRankable(member: GuildMember | PartialGuildMember, excludedRoleId: string | null): boolean {
  if (member.user?.bot) return false;
  return excludedRoleId === null || !member.roles.cache.has(excludedRoleId);
}

export interface SyncResult {
  /** Members Discord listed. */
  members: number;
  /** Ranked flags that were wrong and are now right. */
  changed: number;
  /** Ids of everyone in the guild now. */
  present: Set<string>;
}

/**
 * Makes every member account's ranked flag true to Discord: lists all guild members (REST,
 * 1000 a page), then in one transaction ranks members who may be ranked and unranks the
 * rest, including accounts of people no longer in the guild. Run at start-up and whenever
 * the leaderboard-excluded role changes. Rejects (changing nothing) if a page fails: a
 * partial list must not unrank everyone it missed.
 */
export async function syncRanked(guild: Guild, services: Services): Promise<SyncResult> {
  const excluded = services.settings.get(guild.id).leaderboardExcludeRoleId;
  const rankable = new Map<string, boolean>();
  let after: string | undefined;
  for (;;) {
    const page = await guild.members.list({ limit: PAGE, cache: false, ...(after ? { after } : {}) });
    for (const member of page.values()) rankable.set(member.id, isRankable(member, excluded));
    if (page.size < PAGE) break;
    after = [...page.keys()].reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b));
  }
  const changed = services.members.reconcileRanked(guild.id, rankable);
  return { members: rankable.size, changed, present: new Set(rankable.keys()) };
}

/**
 * A member account is created ranked on its first credit. For someone who holds the
 * excluded role or is not in the guild, fix that now (the window is the time to this call).
 */
export async function checkNewAccount(guild: Guild, userId: string, services: Services): Promise<void> {
  let member: GuildMember;
  try {
    member = await guild.members.fetch(userId);
  } catch (e) {
    if (e instanceof DiscordAPIError && e.code === RESTJSONErrorCodes.UnknownMember) {
      services.members.setRanked(guild.id, userId, false);
    }
    return;
  }
  const excluded = services.settings.get(guild.id).leaderboardExcludeRoleId;
  if (!isRankable(member, excluded)) services.members.setRanked(guild.id, userId, false);
}
