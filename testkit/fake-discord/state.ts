import { ALL_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, Permissions } from './permissions.ts';
import { compareSnowflakes } from './snowflake.ts';

export type JsonObject = Record<string, unknown>;

export const ChannelType = {
  GuildText: 0,
  DM: 1,
  GuildVoice: 2,
  GuildCategory: 4,
  GuildAnnouncement: 5,
} as const;

export const MessageFlag = {
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  SuppressNotifications: 1 << 12,
  IsComponentsV2: 1 << 15,
} as const;

export interface UserRecord {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
  locale: string;
  /** When true, the bot cannot DM this user (POST to the DM channel answers 50007). */
  dmsClosed: boolean;
}

export interface RoleRecord {
  id: string;
  guildId: string;
  name: string;
  permissions: bigint;
  position: number;
  managed: boolean;
  color: number;
  hoist: boolean;
  mentionable: boolean;
  /** Set on a bot's integration role. */
  botId?: string;
}

export interface OverwriteRecord {
  id: string;
  /** 0 role, 1 member */
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface ChannelRecord {
  id: string;
  guildId: string | null;
  name: string;
  type: number;
  position: number;
  parentId: string | null;
  topic: string | null;
  overwrites: OverwriteRecord[];
  /** DM channels: the other user. */
  recipientId?: string;
  lastMessageId: string | null;
}

export interface MemberRecord {
  /** The user's id (same as `userId`). */
  readonly id: string;
  userId: string;
  roles: string[];
  joinedAt: Date;
  nick: string | null;
  communicationDisabledUntil: string | null;
}

export interface EmojiRecord {
  id: string;
  name: string;
  animated: boolean;
}

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  preferredLocale: string;
  roles: Map<string, RoleRecord>;
  channels: Set<string>;
  members: Map<string, MemberRecord>;
  emojis: Map<string, EmojiRecord>;
  botRoleId: string;
  createdAt: Date;
}

export interface PartialEmoji {
  id: string | null;
  name: string | null;
  animated?: boolean;
}

export interface ReactionRecord {
  emoji: PartialEmoji;
  /** User ids in the order they reacted. */
  users: string[];
}

export interface AttachmentRecord {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  description?: string;
  data: Buffer;
}

export interface InteractionMetadata {
  id: string;
  type: number;
  userId: string;
  name?: string;
  commandType?: number;
  interactedMessageId?: string;
  guildId: string | null;
}

export interface MessageRecord {
  id: string;
  channelId: string;
  guildId: string | null;
  authorId: string;
  /** Interaction responses and follow-ups are sent by the application's webhook. */
  webhookId: string | null;
  applicationId: string | null;
  type: number;
  content: string;
  embeds: JsonObject[];
  components: JsonObject[];
  attachments: AttachmentRecord[];
  flags: number;
  timestamp: Date;
  editedTimestamp: Date | null;
  reactions: ReactionRecord[];
  allowedMentions: unknown;
  tts: boolean;
  pinned: boolean;
  interaction?: InteractionMetadata;
  /** Only the invoking user sees an ephemeral message; the channel listing does not. */
  ephemeralFor?: string;
  deleted: boolean;
}

export function emojiKey(emoji: PartialEmoji): string {
  return emoji.id ?? emoji.name ?? '';
}

export function emojiJson(emoji: PartialEmoji): JsonObject {
  return emoji.id
    ? { id: emoji.id, name: emoji.name, animated: Boolean(emoji.animated) }
    : { id: null, name: emoji.name };
}

/**
 * The fake's world: users, guilds, roles, channels, members, messages. Plain data plus the
 * JSON shapes Discord uses for them; it never dispatches events or talks HTTP.
 */
export class DiscordState {
  readonly users = new Map<string, UserRecord>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly messages = new Map<string, MessageRecord>();
  /** Message ids per channel, in creation order. */
  readonly channelMessageIds = new Map<string, string[]>();

  guild(id: string): GuildRecord | undefined {
    return this.guilds.get(id);
  }

  requireGuild(id: string): GuildRecord {
    const guild = this.guilds.get(id);
    if (!guild) throw new Error(`fake-discord: unknown guild ${id}`);
    return guild;
  }

  requireChannel(id: string): ChannelRecord {
    const channel = this.channels.get(id);
    if (!channel) throw new Error(`fake-discord: unknown channel ${id}`);
    return channel;
  }

  requireUser(id: string): UserRecord {
    const user = this.users.get(id);
    if (!user) throw new Error(`fake-discord: unknown user ${id}`);
    return user;
  }

  requireMember(guildId: string, userId: string): MemberRecord {
    const member = this.requireGuild(guildId).members.get(userId);
    if (!member) throw new Error(`fake-discord: user ${userId} is not a member of guild ${guildId}`);
    return member;
  }

  addMessage(message: MessageRecord): void {
    this.messages.set(message.id, message);
    let ids = this.channelMessageIds.get(message.channelId);
    if (!ids) {
      ids = [];
      this.channelMessageIds.set(message.channelId, ids);
    }
    ids.push(message.id);
    const channel = this.channels.get(message.channelId);
    if (channel && !message.ephemeralFor) channel.lastMessageId = message.id;
  }

  channelMessages(channelId: string): MessageRecord[] {
    return (this.channelMessageIds.get(channelId) ?? [])
      .map((id) => this.messages.get(id))
      .filter((m): m is MessageRecord => m !== undefined && !m.deleted);
  }

  /** Roles of a member, @everyone included, highest first. */
  memberRoles(guild: GuildRecord, userId: string): RoleRecord[] {
    const member = guild.members.get(userId);
    const everyone = guild.roles.get(guild.id);
    const roles = (member?.roles ?? []).map((id) => guild.roles.get(id)).filter((r): r is RoleRecord => !!r);
    if (everyone) roles.push(everyone);
    return roles.sort(compareRoles).reverse();
  }

  highestRolePosition(guild: GuildRecord, userId: string): number {
    return this.memberRoles(guild, userId)[0]?.position ?? 0;
  }

  /** Guild-level permissions (owner and Administrator get everything). */
  basePermissions(guild: GuildRecord, userId: string): bigint {
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    let bits = 0n;
    for (const role of this.memberRoles(guild, userId)) bits |= role.permissions;
    if ((bits & Permissions.Administrator) !== 0n) return ALL_PERMISSIONS;
    return bits;
  }

  /** Permissions in a channel: base permissions with the channel's overwrites applied. */
  channelPermissions(guild: GuildRecord, userId: string, channel: ChannelRecord | undefined): bigint {
    let bits = this.basePermissions(guild, userId);
    if (!channel || bits === ALL_PERMISSIONS) return bits;
    const member = guild.members.get(userId);
    const apply = (o: OverwriteRecord | undefined): void => {
      if (o) bits = (bits & ~o.deny) | o.allow;
    };
    apply(channel.overwrites.find((o) => o.type === 0 && o.id === guild.id));
    let allow = 0n;
    let deny = 0n;
    for (const o of channel.overwrites) {
      if (o.type === 0 && o.id !== guild.id && member?.roles.includes(o.id)) {
        allow |= o.allow;
        deny |= o.deny;
      }
    }
    bits = (bits & ~deny) | allow;
    apply(channel.overwrites.find((o) => o.type === 1 && o.id === userId));
    return bits;
  }

  // ---- JSON shapes -------------------------------------------------------------------

  userJson(userId: string): JsonObject {
    const user = this.users.get(userId);
    if (!user) {
      return {
        id: userId,
        username: `unknown-${userId.slice(-4)}`,
        global_name: null,
        discriminator: '0',
        avatar: null,
      };
    }
    return {
      id: user.id,
      username: user.username,
      global_name: user.globalName,
      discriminator: '0',
      avatar: null,
      avatar_decoration_data: null,
      banner: null,
      accent_color: null,
      public_flags: 0,
      flags: 0,
      primary_guild: null,
      collectibles: null,
      ...(user.bot ? { bot: true } : {}),
    };
  }

  roleJson(role: RoleRecord): JsonObject {
    return {
      id: role.id,
      name: role.name,
      color: role.color,
      colors: { primary_color: role.color, secondary_color: null, tertiary_color: null },
      hoist: role.hoist,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: role.managed,
      mentionable: role.mentionable,
      flags: 0,
      ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
    };
  }

  /** A guild member as REST and GUILD_CREATE return it (with `user`). */
  memberJson(guild: GuildRecord, member: MemberRecord, withUser = true): JsonObject {
    return {
      ...(withUser ? { user: this.userJson(member.userId) } : {}),
      nick: member.nick,
      avatar: null,
      banner: null,
      roles: [...member.roles],
      joined_at: member.joinedAt.toISOString(),
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: member.communicationDisabledUntil,
    };
  }

  channelJson(channel: ChannelRecord): JsonObject {
    if (channel.type === ChannelType.DM) {
      return {
        id: channel.id,
        type: ChannelType.DM,
        last_message_id: channel.lastMessageId,
        flags: 0,
        recipients: channel.recipientId ? [this.userJson(channel.recipientId)] : [],
      };
    }
    return {
      id: channel.id,
      type: channel.type,
      guild_id: channel.guildId,
      name: channel.name,
      position: channel.position,
      parent_id: channel.parentId,
      topic: channel.topic,
      nsfw: false,
      rate_limit_per_user: 0,
      last_message_id: channel.lastMessageId,
      flags: 0,
      permission_overwrites: channel.overwrites.map((o) => ({
        id: o.id,
        type: o.type,
        allow: o.allow.toString(),
        deny: o.deny.toString(),
      })),
    };
  }

  messageJson(
    message: MessageRecord,
    viewerId?: string,
    attachmentBase = 'http://127.0.0.1/attachments',
  ): JsonObject {
    const json: JsonObject = {
      id: message.id,
      type: message.type,
      channel_id: message.channelId,
      author: this.userJson(message.authorId),
      content: message.content,
      timestamp: message.timestamp.toISOString(),
      edited_timestamp: message.editedTimestamp?.toISOString() ?? null,
      tts: message.tts,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: message.attachments.map((a) => ({
        id: a.id,
        filename: a.filename,
        size: a.size,
        url: `${attachmentBase}/${message.channelId}/${a.id}/${encodeURIComponent(a.filename)}`,
        proxy_url: `${attachmentBase}/${message.channelId}/${a.id}/${encodeURIComponent(a.filename)}`,
        content_type: a.contentType,
        ...(a.description ? { description: a.description } : {}),
      })),
      embeds: message.embeds,
      pinned: message.pinned,
      flags: message.flags,
      components: message.components,
    };
    if (message.webhookId) json.webhook_id = message.webhookId;
    if (message.applicationId) json.application_id = message.applicationId;
    if (message.reactions.length > 0) {
      json.reactions = message.reactions.map((r) => ({
        emoji: emojiJson(r.emoji),
        count: r.users.length,
        count_details: { burst: 0, normal: r.users.length },
        burst_colors: [],
        me: viewerId !== undefined && r.users.includes(viewerId),
        me_burst: false,
      }));
    }
    if (message.interaction) {
      const meta = message.interaction;
      const owners = meta.guildId ? { '0': meta.guildId } : { '1': meta.userId };
      json.interaction_metadata = {
        id: meta.id,
        type: meta.type,
        user: this.userJson(meta.userId),
        authorizing_integration_owners: owners,
        ...(meta.name ? { name: meta.name } : {}),
        ...(meta.commandType !== undefined ? { command_type: meta.commandType } : {}),
        ...(meta.interactedMessageId ? { interacted_message_id: meta.interactedMessageId } : {}),
      };
      json.interaction = {
        id: meta.id,
        type: meta.type,
        name: meta.name ?? '',
        user: this.userJson(meta.userId),
      };
    }
    return json;
  }

  /** Sorted by user id, as the members list endpoint pages them. */
  sortedMembers(guild: GuildRecord): MemberRecord[] {
    return [...guild.members.values()].sort((a, b) => compareSnowflakes(a.userId, b.userId));
  }
}

/** Discord orders roles by position, then by id (the older role sorts higher). */
export function compareRoles(a: RoleRecord, b: RoleRecord): number {
  if (a.position !== b.position) return a.position - b.position;
  return compareSnowflakes(b.id, a.id);
}

export function newEveryoneRole(guildId: string): RoleRecord {
  return {
    id: guildId,
    guildId,
    name: '@everyone',
    permissions: DEFAULT_EVERYONE_PERMISSIONS,
    position: 0,
    managed: false,
    color: 0,
    hoist: false,
    mentionable: false,
  };
}
