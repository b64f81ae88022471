/**
 * Discord's JSON for the fake's state: what REST answers, what the gateway dispatches and
 * what an interaction carries. Pure functions of the state (plus the ids and URLs passed
 * in); nothing here mutates the state, sends an event or talks HTTP.
 */
import type { GatewaySession } from './gateway.ts';
import {
  ChannelType,
  type ChannelRecord,
  type DiscordState,
  type GuildRecord,
  type JsonObject,
  type MemberRecord,
  type MessageRecord,
  type PartialEmoji,
  type RoleRecord,
} from './state.ts';

export function emojiJson(emoji: PartialEmoji): JsonObject {
  return emoji.id
    ? { id: emoji.id, name: emoji.name, animated: Boolean(emoji.animated) }
    : { id: null, name: emoji.name };
}

export function userJson(state: DiscordState, userId: string): JsonObject {
  const user = state.users.get(userId);
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

export function roleJson(role: RoleRecord): JsonObject {
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
export function memberJson(
  state: DiscordState,
  guild: GuildRecord,
  member: MemberRecord,
  withUser = true,
): JsonObject {
  return {
    ...(withUser ? { user: userJson(state, member.userId) } : {}),
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

export function channelJson(state: DiscordState, channel: ChannelRecord): JsonObject {
  if (channel.type === ChannelType.DM) {
    return {
      id: channel.id,
      type: ChannelType.DM,
      last_message_id: channel.lastMessageId,
      flags: 0,
      recipients: channel.recipientId ? [userJson(state, channel.recipientId)] : [],
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

export function messageJson(
  state: DiscordState,
  message: MessageRecord,
  viewerId?: string,
  attachmentBase = 'http://127.0.0.1/attachments',
): JsonObject {
  const json: JsonObject = {
    id: message.id,
    type: message.type,
    channel_id: message.channelId,
    author: userJson(state, message.authorId),
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
      user: userJson(state, meta.userId),
      authorizing_integration_owners: owners,
      ...(meta.name ? { name: meta.name } : {}),
      ...(meta.commandType !== undefined ? { command_type: meta.commandType } : {}),
      ...(meta.interactedMessageId ? { interacted_message_id: meta.interactedMessageId } : {}),
    };
    json.interaction = {
      id: meta.id,
      type: meta.type,
      name: meta.name ?? '',
      user: userJson(state, meta.userId),
    };
  }
  return json;
}

/** The guild object as GET /guilds/{id} returns it. */
export function guildJson(state: DiscordState, guild: GuildRecord): JsonObject {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    icon_hash: null,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [...guild.roles.values()].map((r) => roleJson(r)),
    emojis: [...guild.emojis.values()].map((e) => ({
      id: e.id,
      name: e.name,
      animated: e.animated,
      roles: [],
      require_colons: true,
      managed: false,
      available: true,
    })),
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    max_presences: null,
    max_members: 500_000,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: guild.preferredLocale,
    public_updates_channel_id: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw_level: 0,
    stickers: [],
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
    incidents_data: null,
  };
}

/** GUILD_CREATE's data: the guild with its channels and (all, or only the bot's) members. */
export function guildCreateJson(
  state: DiscordState,
  guild: GuildRecord,
  options: { botUserId: string; allMembers: boolean },
): JsonObject {
  const members = [...guild.members.values()].filter(
    (m) => options.allMembers || m.userId === options.botUserId,
  );
  return {
    ...guildJson(state, guild),
    joined_at: guild.members.get(options.botUserId)?.joinedAt.toISOString() ?? guild.createdAt.toISOString(),
    large: guild.members.size > 250,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    members: members.map((m) => memberJson(state, guild, m)),
    channels: [...guild.channels].map((id) => channelJson(state, state.channels.get(id)!)),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    embedded_activities: [],
    lazy: true,
  };
}

/** READY's data for a session: the guilds it covers, unavailable until their GUILD_CREATE. */
export function readyJson(
  state: DiscordState,
  session: GatewaySession,
  options: { botUserId: string; applicationId: string; resumeUrl: string },
): JsonObject {
  const guilds = [...state.guilds.values()].filter((g) => session.covers(g.id));
  return {
    v: 10,
    user: {
      ...userJson(state, options.botUserId),
      bot: true,
      verified: true,
      mfa_enabled: false,
      email: null,
      flags: 0,
    },
    user_settings: {},
    guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
    session_id: session.id,
    session_type: 'normal',
    resume_gateway_url: options.resumeUrl,
    shard: session.shard,
    application: { id: options.applicationId, flags: (1 << 15) | (1 << 19) | (1 << 23) },
    private_channels: [],
    presences: [],
    relationships: [],
    guild_join_requests: [],
    geo_ordered_rtc_regions: ['fake'],
    auth: {},
    _trace: ['["fake-discord-gateway",{"micros":0}]'],
  };
}

/** MESSAGE_CREATE's data: the message, with `guild_id` and the author's `member` in a guild. */
export function messageCreateJson(
  state: DiscordState,
  message: MessageRecord,
  attachmentBase: string,
): JsonObject {
  const guild = message.guildId ? state.guild(message.guildId) : undefined;
  const json = messageJson(state, message, undefined, attachmentBase);
  if (guild) {
    const member = guild.members.get(message.authorId);
    Object.assign(json, {
      guild_id: guild.id,
      ...(member && !message.webhookId ? { member: memberJson(state, guild, member, false) } : {}),
    });
  }
  return json;
}

/** A message as a session without the MESSAGE_CONTENT intent sees it. */
export function withoutContent(message: JsonObject): JsonObject {
  return { ...message, content: '', embeds: [], attachments: [], components: [] };
}

/** MESSAGE_UPDATE's data. */
export function messageUpdateJson(
  state: DiscordState,
  message: MessageRecord,
  attachmentBase: string,
): JsonObject {
  return {
    ...messageJson(state, message, undefined, attachmentBase),
    ...(message.guildId ? { guild_id: message.guildId } : {}),
  };
}

/** MESSAGE_DELETE's data. */
export function messageDeleteJson(message: MessageRecord): JsonObject {
  return {
    id: message.id,
    channel_id: message.channelId,
    ...(message.guildId ? { guild_id: message.guildId } : {}),
  };
}

/** MESSAGE_REACTION_ADD's data (with the reacting `member` in a guild). */
export function reactionAddJson(
  state: DiscordState,
  message: MessageRecord,
  userId: string,
  emoji: PartialEmoji,
): JsonObject {
  const guild = message.guildId ? state.guild(message.guildId) : undefined;
  const member = guild?.members.get(userId);
  return {
    user_id: userId,
    channel_id: message.channelId,
    message_id: message.id,
    ...(guild ? { guild_id: guild.id } : {}),
    ...(guild && member ? { member: memberJson(state, guild, member) } : {}),
    emoji: emojiJson(emoji),
    burst: false,
    burst_colors: [],
    type: 0,
    message_author_id: message.authorId,
  };
}

/** MESSAGE_REACTION_REMOVE's data. */
export function reactionRemoveJson(message: MessageRecord, userId: string, emoji: PartialEmoji): JsonObject {
  return {
    user_id: userId,
    channel_id: message.channelId,
    message_id: message.id,
    ...(message.guildId ? { guild_id: message.guildId } : {}),
    emoji: emojiJson(emoji),
    burst: false,
    type: 0,
  };
}

/** Adds a user (and their member, with channel permissions) to an interaction's `resolved`. */
export function resolveUser(
  state: DiscordState,
  guild: GuildRecord,
  channel: ChannelRecord,
  userId: string,
  resolved: JsonObject,
): void {
  if (!state.users.has(userId)) throw new Error(`fake-discord: an option names unknown user ${userId}`);
  const users = (resolved.users as JsonObject | undefined) ?? {};
  users[userId] = userJson(state, userId);
  resolved.users = users;
  const member = guild.members.get(userId);
  if (member) {
    const members = (resolved.members as JsonObject | undefined) ?? {};
    const { deaf: _deaf, mute: _mute, ...rest } = memberJson(state, guild, member, false);
    members[userId] = {
      ...rest,
      permissions: state.channelPermissions(guild, userId, channel).toString(),
    };
    resolved.members = members;
  }
}

/** Adds a role to an interaction's `resolved`. */
export function resolveRole(guild: GuildRecord, roleId: string, resolved: JsonObject): void {
  const role = guild.roles.get(roleId);
  if (!role) throw new Error(`fake-discord: an option names unknown role ${roleId}`);
  const roles = (resolved.roles as JsonObject | undefined) ?? {};
  roles[roleId] = roleJson(role);
  resolved.roles = roles;
}

/** Adds a channel (as a partial channel with the bot's permissions) to `resolved`. */
export function resolveChannel(
  state: DiscordState,
  guild: GuildRecord,
  target: ChannelRecord,
  botUserId: string,
  resolved: JsonObject,
): void {
  const channels = (resolved.channels as JsonObject | undefined) ?? {};
  const json = channelJson(state, target);
  channels[target.id] = {
    id: json.id,
    name: json.name,
    type: json.type,
    guild_id: json.guild_id,
    parent_id: json.parent_id,
    topic: json.topic,
    nsfw: false,
    flags: 0,
    rate_limit_per_user: 0,
    last_message_id: json.last_message_id,
    permission_overwrites: json.permission_overwrites,
    position: json.position,
    permissions: state.channelPermissions(guild, botUserId, target).toString(),
  };
  resolved.channels = channels;
}

/** INTERACTION_CREATE's data: the interaction as a guild member in a channel sends it. */
export function interactionJson(
  state: DiscordState,
  i: {
    id: string;
    token: string;
    applicationId: string;
    botUserId: string;
    type: number;
    data: JsonObject;
    guild: GuildRecord;
    channel: ChannelRecord;
    member: MemberRecord;
    locale: string | undefined;
    extra: JsonObject;
  },
): JsonObject {
  const { guild, channel, member } = i;
  const user = state.requireUser(member.userId);
  return {
    id: i.id,
    application_id: i.applicationId,
    type: i.type,
    data: i.data,
    guild_id: guild.id,
    guild: { id: guild.id, locale: guild.preferredLocale, features: [] },
    channel_id: channel.id,
    channel: {
      ...channelJson(state, channel),
      permissions: state.channelPermissions(guild, member.userId, channel).toString(),
    },
    member: {
      ...memberJson(state, guild, member),
      permissions: state.channelPermissions(guild, member.userId, channel).toString(),
    },
    token: i.token,
    version: 1,
    locale: i.locale ?? user.locale,
    guild_locale: guild.preferredLocale,
    app_permissions: state.channelPermissions(guild, i.botUserId, channel).toString(),
    entitlements: [],
    authorizing_integration_owners: { '0': guild.id },
    context: 0,
    attachment_size_limit: 10 * 1024 * 1024,
    ...i.extra,
  };
}
