import {
  Routes,
  makeURLSearchParams,
  type APIGuildMember,
  type Guild,
  type GuildMember,
  type PartialGuildMember,
} from 'discord.js';
import { isRankableRaw } from '../members/ranking.ts';
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
  // The pages are read as plain JSON: discord.js's member and user objects for every member
  // of a large guild (then dropped) made a sync of 160,000 members grow the heap by ~90 MB.
  for (;;) {
    const page = (await guild.client.rest.get(Routes.guildMembers(guild.id), {
      query: makeURLSearchParams({ limit: PAGE, after }),
    })) as APIGuildMember[];
    let last = after;
    for (const member of page) {
      rankable.set(member.user.id, isRankableRaw(member, excluded));
      if (last === undefined || BigInt(member.user.id) > BigInt(last)) last = member.user.id;
    }
    if (page.length < PAGE || last === after) break;
    after = last;
  }
  const changed = services.members.reconcileRanked(guild.id, rankable);
  const present = new Set(rankable.keys());
  rankable.clear();
  // The pages read are garbage once the caller has used `present`: collect a moment later.
  services.memory.note(present.size);
  return { members: present.size, changed, present };
}

/**
 * A member account is created ranked on its first credit. For someone who holds the
 * excluded role or is not in the guild, fix that now (the window is the time to this call).
 * Members in the cache are checked there; the others are looked up over the gateway, 100
 * per request (a campaign burst brings thousands of new members: one REST call each would
 * queue for minutes). If Discord cannot say, they stay ranked until the next sync.
 */
export async function checkNewAccounts(
  guild: Guild,
  userIds: readonly string[],
  services: Services,
): Promise<void> {
  const excluded = services.settings.get(guild.id).leaderboardExcludeRoleId;
  const unrank = (userId: string) => services.members.setRanked(guild.id, userId, false);
  const missing: string[] = [];
  for (const userId of userIds) {
    const cached = guild.members.cache.get(userId);
    if (cached && !cached.partial) {
      if (!isRankable(cached, excluded)) unrank(userId);
    } else missing.push(userId);
  }
  for (let i = 0; i < missing.length; i += 100) {
    const ids = missing.slice(i, i + 100);
    let found;
    try {
      found = await guild.members.fetch({ user: ids, time: 15_000 });
    } catch {
      return;
    }
    for (const userId of ids) {
      const member = found.get(userId);
      if (!member || !isRankable(member, excluded)) unrank(userId);
    }
  }
}
