import { DiscordAPIError, RESTJSONErrorCodes, type Client, type Guild, type GuildMember } from 'discord.js';

const REMOTE_TTL_MS = 60_000;
const GONE_TTL_MS = 10 * 60_000;
const REST_CONCURRENCY = 4;
const MAX_REMEMBERED = 1000;

/**
 * A guild as the once-only work reaches it, whichever process's shard serves it: the
 * gateway's cache where this process serves the guild, otherwise REST. The elected host runs
 * every guild's schedules (season ends, raffle draws, quest windows, campaign ends), so most
 * of the guilds it touches are on other shards, perhaps on other hosts: nothing here needs
 * the guild's gateway.
 *
 * A guild fetched over REST is not put in `client.guilds.cache` (that cache is the set of
 * guilds this process's shards serve, and the plugins read it so) and is kept a minute;
 * a guild Discord says the bot is no longer in (Unknown Guild, Missing Access) is
 * remembered as gone for ten minutes, so a schedule left in a guild that removed the bot
 * costs one request per ten minutes, not one per pass.
 */
export class GuildAccess {
  private readonly remote = new Map<string, { guild: Guild | null; until: number }>();

  constructor(
    private readonly client: Client,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whether this process's shards serve the guild (its gateway cache holds it). */
  serves(guildId: string): boolean {
    return this.client.guilds.cache.has(guildId);
  }

  /**
   * The guild if this process has it at hand without asking Discord: served here, or fetched
   * over REST within the last minute (the leader's schedules just reached it). For what only
   * needs the guild's name or language, such as a log post.
   */
  known(guildId: string): Guild | null {
    const served = this.client.guilds.cache.get(guildId);
    if (served) return served;
    const hit = this.remote.get(guildId);
    return hit && hit.until > this.clock() ? hit.guild : null;
  }

  /**
   * The guild; null when the bot is no longer in it. Other failures (Discord slow or down)
   * throw: the caller tries again on its next pass.
   */
  async guild(guildId: string): Promise<Guild | null> {
    const served = this.client.guilds.cache.get(guildId);
    if (served) return served;
    const now = this.clock();
    const hit = this.remote.get(guildId);
    if (hit && hit.until > now) return hit.guild;
    let guild: Guild | null;
    try {
      guild = await this.client.guilds.fetch({
        guild: guildId,
        cache: false,
        withCounts: false,
        force: true,
      });
    } catch (err) {
      if (!isGone(err)) throw err;
      guild = null;
    }
    this.remote.delete(guildId);
    this.remote.set(guildId, { guild, until: now + (guild ? REMOTE_TTL_MS : GONE_TTL_MS) });
    if (this.remote.size > MAX_REMEMBERED) this.remote.delete(this.remote.keys().next().value!);
    return guild;
  }

  /**
   * Members by id, fresh from Discord; an id Discord does not return has left. Over the
   * gateway 100 per request where this process serves the guild (`time` per request), else
   * over REST one member per request, a few at a time.
   */
  async members(guild: Guild, userIds: readonly string[], time = 30_000): Promise<Map<string, GuildMember>> {
    const out = new Map<string, GuildMember>();
    if (userIds.length === 0) return out;
    if (this.serves(guild.id)) {
      for (let i = 0; i < userIds.length; i += 100) {
        const found = await guild.members.fetch({ user: userIds.slice(i, i + 100), time });
        for (const [id, member] of found) out.set(id, member);
      }
      return out;
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < userIds.length) {
        const id = userIds[next++]!;
        const member = await this.member(guild, id);
        if (member) out.set(id, member);
      }
    };
    await Promise.all(Array.from({ length: Math.min(REST_CONCURRENCY, userIds.length) }, worker));
    return out;
  }

  /** One member, fresh from Discord over REST; null when they are not in the guild. */
  async member(guild: Guild, userId: string): Promise<GuildMember | null> {
    try {
      return await guild.members.fetch({ user: userId, force: true, cache: this.serves(guild.id) });
    } catch (err) {
      if (
        err instanceof DiscordAPIError &&
        (err.code === RESTJSONErrorCodes.UnknownMember || err.code === RESTJSONErrorCodes.UnknownUser)
      )
        return null;
      throw err;
    }
  }
}

/**
 * The bot's own member in `guild`, with its roles (for permission and role-position checks).
 * A guild fetched over REST has no bot member cached, and with the GuildMember partial on,
 * `guild.members.me` makes up a role-less one; that one is fetched. Throws as fetchMe does.
 */
export async function botMember(guild: Guild): Promise<GuildMember> {
  const cached = guild.members.me;
  return cached && !cached.partial ? cached : guild.members.fetchMe();
}

/** Discord's answer when the bot is not (or no longer) in a guild. */
export function isGone(err: unknown): boolean {
  return (
    err instanceof DiscordAPIError &&
    (err.code === RESTJSONErrorCodes.UnknownGuild || err.code === RESTJSONErrorCodes.MissingAccess)
  );
}
