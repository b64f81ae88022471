/**
 * The gateway events the fake dispatches when its state changes, whoever changed it (a
 * test through FakeDiscord, or the bot through a REST route), and its answers to what a
 * session asks (READY, GUILD_CREATE on connect, member chunks). Each event goes to the
 * sessions whose shard covers the guild and whose intents include the event's; the JSON
 * comes from payloads.ts.
 */
import type { FakeDiscord } from './fake-discord.ts';
import { Intents, type DispatchRecord, type GatewaySession } from './gateway.ts';
import {
  channelJson,
  guildCreateJson,
  memberJson,
  messageCreateJson,
  messageDeleteJson,
  messageUpdateJson,
  reactionAddJson,
  reactionRemoveJson,
  readyJson,
  roleJson,
  userJson,
  withoutContent,
} from './payloads.ts';
import type {
  ChannelRecord,
  GuildRecord,
  JsonObject,
  MemberRecord,
  MessageRecord,
  PartialEmoji,
  RoleRecord,
} from './state.ts';

/** Gateway member chunks hold at most this many members, as Discord's do. */
const MEMBERS_PER_CHUNK = 1000;

export class GatewayEvents {
  readonly #fake: FakeDiscord;

  constructor(fake: FakeDiscord) {
    this.#fake = fake;
  }

  // ---- what a session asks for --------------------------------------------------------

  /** READY for a new session (counted in `identifyCount`). */
  ready(session: GatewaySession, resumeUrl: string): JsonObject {
    const fake = this.#fake;
    fake.identifyCount += 1;
    return readyJson(fake.state, session, {
      botUserId: fake.botUserId,
      applicationId: fake.applicationId,
      resumeUrl,
    });
  }

  /** The GUILD_CREATEs a session gets after READY: one per guild it covers. */
  guildCreates(session: GatewaySession): JsonObject[] {
    return [...this.#fake.state.guilds.values()]
      .filter((g) => session.covers(g.id))
      .map((g) => this.#guildCreate(g, session));
  }

  /** Answers op 8 REQUEST_GUILD_MEMBERS with GUILD_MEMBERS_CHUNKs (by ids, or a name query). */
  requestGuildMembers(session: GatewaySession, request: JsonObject): void {
    const { state, gateway } = this.#fake;
    const guildIds = Array.isArray(request.guild_id) ? (request.guild_id as unknown[]) : [request.guild_id];
    const nonce = typeof request.nonce === 'string' ? request.nonce : undefined;
    const wanted =
      request.user_ids === undefined
        ? undefined
        : Array.isArray(request.user_ids)
          ? (request.user_ids as unknown[]).map(String)
          : typeof request.user_ids === 'string'
            ? [request.user_ids]
            : [];
    this.#fake.memberRequests.push({ guildIds: guildIds.map(String), userIds: wanted ?? null });
    for (const raw of guildIds) {
      const guild = typeof raw === 'string' ? state.guild(raw) : undefined;
      if (!guild || !session.covers(guild.id)) continue;
      let members: MemberRecord[];
      const notFound: string[] = [];
      if (wanted) {
        members = [];
        for (const id of wanted) {
          const m = guild.members.get(id);
          if (m) members.push(m);
          else notFound.push(id);
        }
      } else {
        const query = typeof request.query === 'string' ? request.query.toLowerCase() : '';
        const limit = typeof request.limit === 'number' && request.limit > 0 ? request.limit : Infinity;
        members = state
          .sortedMembers(guild)
          .filter((m) => {
            const user = state.users.get(m.userId);
            return (
              query === '' ||
              (user?.username.toLowerCase().startsWith(query) ?? false) ||
              (m.nick?.toLowerCase().startsWith(query) ?? false)
            );
          })
          .slice(0, limit);
      }
      const chunks = Math.max(1, Math.ceil(members.length / MEMBERS_PER_CHUNK));
      for (let i = 0; i < chunks; i += 1) {
        gateway.dispatch(
          session,
          'GUILD_MEMBERS_CHUNK',
          {
            guild_id: guild.id,
            members: members
              .slice(i * MEMBERS_PER_CHUNK, (i + 1) * MEMBERS_PER_CHUNK)
              .map((m) => memberJson(state, guild, m)),
            chunk_index: i,
            chunk_count: chunks,
            ...(i === 0 && notFound.length > 0 ? { not_found: notFound } : {}),
            ...(nonce !== undefined ? { nonce } : {}),
          },
          guild.id,
        );
      }
    }
  }

  // ---- state changes ------------------------------------------------------------------

  /** The bot joined a guild while connected: Discord sends GUILD_CREATE. */
  guildCreated(guild: GuildRecord): void {
    const { gateway } = this.#fake;
    for (const session of gateway.liveSessions()) {
      if (session.covers(guild.id) && session.hasIntent(Intents.Guilds))
        gateway.dispatch(session, 'GUILD_CREATE', this.#guildCreate(guild, session), guild.id);
    }
  }

  roleCreated(role: RoleRecord): DispatchRecord[] {
    return this.#guildEvent('GUILD_ROLE_CREATE', role.guildId, { role: roleJson(role) }, Intents.Guilds);
  }

  roleUpdated(role: RoleRecord): DispatchRecord[] {
    return this.#guildEvent('GUILD_ROLE_UPDATE', role.guildId, { role: roleJson(role) }, Intents.Guilds);
  }

  roleDeleted(guildId: string, roleId: string): DispatchRecord[] {
    return this.#guildEvent('GUILD_ROLE_DELETE', guildId, { role_id: roleId }, Intents.Guilds);
  }

  channelCreated(channel: ChannelRecord): DispatchRecord[] {
    return this.#fake.gateway.broadcast('CHANNEL_CREATE', channelJson(this.#fake.state, channel), {
      guildId: channel.guildId,
      intent: Intents.Guilds,
    });
  }

  memberAdded(guild: GuildRecord, member: MemberRecord): DispatchRecord[] {
    return this.#guildEvent(
      'GUILD_MEMBER_ADD',
      guild.id,
      memberJson(this.#fake.state, guild, member),
      Intents.GuildMembers,
    );
  }

  memberRemoved(guildId: string, userId: string): DispatchRecord[] {
    return this.#guildEvent(
      'GUILD_MEMBER_REMOVE',
      guildId,
      { user: userJson(this.#fake.state, userId) },
      Intents.GuildMembers,
    );
  }

  memberUpdated(guildId: string, member: MemberRecord): DispatchRecord[] {
    const fake = this.#fake;
    const guild = fake.state.requireGuild(guildId);
    return fake.gateway.broadcast(
      'GUILD_MEMBER_UPDATE',
      { guild_id: guildId, ...memberJson(fake.state, guild, member) },
      // Discord sends the bot its own member updates even without GUILD_MEMBERS.
      { guildId, ...(member.userId === fake.botUserId ? {} : { intent: Intents.GuildMembers }) },
    );
  }

  messageCreated(message: MessageRecord): DispatchRecord[] {
    if (message.ephemeralFor) return [];
    const fake = this.#fake;
    const guild = message.guildId ? fake.state.guild(message.guildId) : undefined;
    const base = messageCreateJson(fake.state, message, fake.attachmentBase());
    const mentionsBot = message.content.includes(`<@${fake.botUserId}>`);
    const build = (session: GatewaySession): unknown => {
      // Without MESSAGE_CONTENT a bot sees only its own messages', DMs' and mentions' content.
      if (
        session.hasIntent(Intents.MessageContent) ||
        message.authorId === fake.botUserId ||
        !guild ||
        mentionsBot
      )
        return base;
      return withoutContent(base);
    };
    return fake.gateway.broadcast('MESSAGE_CREATE', base, {
      guildId: guild?.id ?? null,
      intent: guild ? Intents.GuildMessages : Intents.DirectMessages,
      build,
    });
  }

  messageUpdated(message: MessageRecord): DispatchRecord[] {
    if (message.ephemeralFor) return [];
    const fake = this.#fake;
    return fake.gateway.broadcast(
      'MESSAGE_UPDATE',
      messageUpdateJson(fake.state, message, fake.attachmentBase()),
      {
        guildId: message.guildId,
        intent: message.guildId ? Intents.GuildMessages : Intents.DirectMessages,
      },
    );
  }

  messageDeleted(message: MessageRecord): DispatchRecord[] {
    if (message.ephemeralFor) return [];
    return this.#fake.gateway.broadcast('MESSAGE_DELETE', messageDeleteJson(message), {
      guildId: message.guildId,
      intent: message.guildId ? Intents.GuildMessages : Intents.DirectMessages,
    });
  }

  reactionAdded(message: MessageRecord, userId: string, emoji: PartialEmoji): DispatchRecord[] {
    const guild = message.guildId ? this.#fake.state.guild(message.guildId) : undefined;
    return this.#fake.gateway.broadcast(
      'MESSAGE_REACTION_ADD',
      reactionAddJson(this.#fake.state, message, userId, emoji),
      {
        guildId: guild?.id ?? null,
        intent: guild ? Intents.GuildMessageReactions : Intents.DirectMessageReactions,
      },
    );
  }

  reactionRemoved(message: MessageRecord, userId: string, emoji: PartialEmoji): DispatchRecord[] {
    return this.#fake.gateway.broadcast(
      'MESSAGE_REACTION_REMOVE',
      reactionRemoveJson(message, userId, emoji),
      {
        guildId: message.guildId,
        intent: message.guildId ? Intents.GuildMessageReactions : Intents.DirectMessageReactions,
      },
    );
  }

  /** INTERACTION_CREATE needs no intent: every session covering the guild gets it. */
  interactionCreated(guildId: string, payload: JsonObject): DispatchRecord[] {
    return this.#fake.gateway.broadcast('INTERACTION_CREATE', payload, { guildId });
  }

  // ---- private ------------------------------------------------------------------------

  #guildCreate(guild: GuildRecord, session: GatewaySession): JsonObject {
    const fake = this.#fake;
    return guildCreateJson(fake.state, guild, {
      botUserId: fake.botUserId,
      allMembers: fake.settings.memberListOnConnect === 'all' && session.hasIntent(Intents.GuildMembers),
    });
  }

  #guildEvent(t: string, guildId: string, d: JsonObject, intent: number): DispatchRecord[] {
    return this.#fake.gateway.broadcast(t, { guild_id: guildId, ...d }, { guildId, intent });
  }
}
