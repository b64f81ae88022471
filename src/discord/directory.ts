import {
  ChannelType,
  DiscordAPIError,
  PermissionFlagsBits,
  RESTJSONErrorCodes,
  type Client,
  type Guild,
} from 'discord.js';
import type {
  WebChannel,
  WebDirectory,
  WebGuild,
  WebMember,
  WebName,
  WebRole,
} from '../http/web/directory.ts';
import type { Services } from '../services.ts';
import type { RedemptionView } from '../shop/redemptions.ts';
import type { GuildAccess } from './guild-access.ts';
import { missingLogPermission } from './log-channel.ts';
import { syncRanked } from './ranking.ts';
import { grantProblem } from './roles.ts';
import { notifyByDm } from './shop.ts';

const NAME_TTL_MS = 5 * 60_000;
const MEMBER_TTL_MS = 10_000;
const MAX_CACHED = 5000;

/**
 * The web's view of Discord, answered by the bot's own client: the gateway's caches where
 * they hold the answer, otherwise REST (a guild on another shard, a member not cached).
 * Names are kept a few minutes and members a few seconds; `fresh` (every admin change)
 * always asks Discord.
 */
export class DiscordDirectory implements WebDirectory {
  private readonly names_ = new Map<string, { at: number; name: WebName | null }>();
  private readonly members_ = new Map<string, { at: number; member: WebMember | null }>();

  constructor(
    private readonly deps: { client: Client; clock: () => number; services: Services; guilds: GuildAccess },
  ) {}

  async guild(guildId: string): Promise<WebGuild | null> {
    const guild = await this.resolveGuild(guildId);
    if (!guild) return null;
    return { id: guild.id, name: guild.name, iconUrl: guild.iconURL({ size: 64, extension: 'png' }) };
  }

  async member(
    guildId: string,
    userId: string,
    options: { fresh?: boolean } = {},
  ): Promise<WebMember | null> {
    const key = `${guildId}:${userId}`;
    const now = this.deps.clock();
    const hit = this.members_.get(key);
    if (!options.fresh && hit && now - hit.at < MEMBER_TTL_MS) return hit.member;
    const guild = await this.resolveGuild(guildId);
    if (!guild) return null;
    let member: WebMember | null = null;
    try {
      const m = await guild.members.fetch({ user: userId, force: true });
      member = {
        userId: m.id,
        displayName: m.displayName,
        avatarUrl: m.displayAvatarURL({ size: 64, extension: 'png' }),
        roleIds: [...m.roles.cache.keys()].filter((id) => id !== guild.id),
        managesGuild: guild.ownerId === m.id || m.permissions.has(PermissionFlagsBits.ManageGuild),
        bot: m.user.bot,
        joinedAt: m.joinedTimestamp,
      };
    } catch (err) {
      if (!isUnknown(err)) throw err;
    }
    remember(this.members_, key, { at: now, member });
    if (member) remember(this.names_, key, { at: now, name: nameOf(member) });
    return member;
  }

  async names(guildId: string, userIds: readonly string[]): Promise<Map<string, WebName>> {
    const out = new Map<string, WebName>();
    const now = this.deps.clock();
    const guild = await this.resolveGuild(guildId);
    if (!guild) return out;
    const missing: string[] = [];
    for (const id of userIds) {
      const cached = guild.members.cache.get(id);
      if (cached) {
        out.set(id, {
          displayName: cached.displayName,
          avatarUrl: cached.displayAvatarURL({ size: 64, extension: 'png' }),
        });
        continue;
      }
      const hit = this.names_.get(`${guildId}:${id}`);
      if (hit && now - hit.at < NAME_TTL_MS) {
        if (hit.name) out.set(id, hit.name);
      } else missing.push(id);
    }
    await Promise.all(
      missing.map(async (id) => {
        let name: WebName | null = null;
        try {
          const m = await guild.members.fetch({ user: id, cache: false });
          name = {
            displayName: m.displayName,
            avatarUrl: m.displayAvatarURL({ size: 64, extension: 'png' }),
          };
        } catch (err) {
          if (!isUnknown(err)) return; // Discord is slow or down: show the row without a name this time
        }
        remember(this.names_, `${guildId}:${id}`, { at: now, name });
        if (name) out.set(id, name);
      }),
    );
    return out;
  }

  async roleNames(guildId: string): Promise<Map<string, string>> {
    const guild = await this.resolveGuild(guildId);
    if (!guild) return new Map();
    // The gateway keeps the roles of this shard's guilds; a guild fetched by REST brings its own.
    const roles = guild.roles.cache.size > 0 ? guild.roles.cache : await guild.roles.fetch();
    return new Map([...roles.values()].map((r) => [r.id, r.name]));
  }

  async roles(guildId: string): Promise<WebRole[]> {
    const guild = await this.resolveGuild(guildId);
    if (!guild) return [];
    // Fresh: a role edited a moment ago must be judged as it is now (the same rule as the commands').
    const [roles, me] = await Promise.all([
      guild.roles.fetch(undefined, { force: true }),
      guild.members.fetchMe({ force: true }).catch(() => null),
    ]);
    return [...roles.values()]
      .filter((r) => r.id !== guild.id)
      .sort((a, b) => b.position - a.position)
      .map((r) => {
        const failure = grantProblem(guild, r, me);
        return {
          id: r.id,
          name: r.name,
          position: r.position,
          managed: r.managed,
          assignable: failure === null,
          problem:
            failure && failure.reason !== 'role_missing' && failure.reason !== 'member_left'
              ? {
                  reason: failure.reason,
                  permissions: failure.reason === 'role_dangerous' ? failure.permissions : [],
                }
              : null,
        };
      });
  }

  async channels(guildId: string): Promise<WebChannel[]> {
    const guild = await this.resolveGuild(guildId);
    if (!guild) return [];
    const [channels, me] = await Promise.all([
      guild.channels.fetch(),
      guild.members.fetchMe({ force: true }).catch(() => null),
    ]);
    const out: WebChannel[] = [];
    for (const c of channels.values()) {
      if (!c || (c.type !== ChannelType.GuildText && c.type !== ChannelType.GuildAnnouncement)) continue;
      out.push({
        id: c.id,
        name: c.name,
        missingPermission: missingLogPermission(me ? c.permissionsFor(me) : null),
      });
    }
    return out.sort((a, b) => {
      const x = channels.get(a.id)!;
      const y = channels.get(b.id)!;
      return x.position - y.position || a.id.localeCompare(b.id);
    });
  }

  notifyRedemption(redemption: RedemptionView): Promise<boolean> {
    return notifyByDm(this.deps.client, this.deps.services, redemption);
  }

  async rerank(guildId: string): Promise<void> {
    const guild = await this.resolveGuild(guildId);
    if (!guild) return;
    const result = await syncRanked(guild, this.deps.services);
    this.deps.services.logger.info(
      { guildId, members: result.members, changed: result.changed },
      'leaderboard exclusion re-synced',
    );
  }

  /** This shard's guild from the cache; another's over REST, kept out of the client's cache. */
  private resolveGuild(guildId: string): Promise<Guild | null> {
    return this.deps.guilds.guild(guildId);
  }
}

function nameOf(m: WebMember): WebName {
  return { displayName: m.displayName, avatarUrl: m.avatarUrl };
}

function isUnknown(err: unknown): boolean {
  return (
    err instanceof DiscordAPIError &&
    (err.code === RESTJSONErrorCodes.UnknownMember ||
      err.code === RESTJSONErrorCodes.UnknownUser ||
      err.code === RESTJSONErrorCodes.UnknownGuild ||
      err.code === RESTJSONErrorCodes.MissingAccess ||
      err.status === 404)
  );
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_CACHED) map.delete(map.keys().next().value!);
}
