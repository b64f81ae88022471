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

/**
 * The fake's world: users, guilds, roles, channels, members, messages. Plain data and the
 * queries over it; payloads.ts turns it into Discord's JSON, events.ts dispatches it.
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
