import type { FakeDiscord, InteractionState, RegisteredCommand } from './fake-discord.ts';
import { Errors, apiError, type RestResult, type UploadedFile } from './http-util.ts';
import { CallbackType, messageView, type ResponseView } from './interactions.ts';
import {
  checkAutocomplete,
  checkCommands,
  checkMessage,
  checkModal,
  FormErrors,
  invalidFormBody,
} from './limits.ts';
import { Permissions, has } from './permissions.ts';
import { channelJson, guildJson, memberJson, messageJson, roleJson, userJson } from './payloads.ts';
import type { Route, RouteContext } from './router.ts';
import { compareSnowflakes } from './snowflake.ts';
import {
  ChannelType,
  MessageFlag,
  emojiKey,
  type AttachmentRecord,
  type ChannelRecord,
  type GuildRecord,
  type JsonObject,
  type MessageRecord,
  type PartialEmoji,
} from './state.ts';

const ok = (body: unknown, status = 200): RestResult => ({ status, body });
const noContent = (): RestResult => ({ status: 204 });

function obj(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

function intParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number | RestResult {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    const errors = new FormErrors();
    errors.add([name], 'NUMBER_TYPE_MAX', `int value should be <= ${max} and >= ${min}.`);
    return { status: 400, body: invalidFormBody(errors) };
  }
  return n;
}

/** Flags a message may be created with (others are ignored, as Discord does). */
const SETTABLE_FLAGS =
  (1 << 2) | MessageFlag.Ephemeral | MessageFlag.SuppressNotifications | MessageFlag.IsComponentsV2;

/** Decodes a reaction route segment: `%F0%9F%94%A5`, `name:id` or `a:name:id`. */
export function decodeEmojiParam(raw: string): PartialEmoji | null {
  let value = raw;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return null;
  }
  const custom = /^(a:)?([\w~-]{1,32}):(\d{15,25})$/.exec(value);
  if (custom) return { id: custom[3]!, name: custom[2]!, animated: custom[1] !== undefined };
  if (value === '' || /^[\w\s:]+$/.test(value)) return null;
  return { id: null, name: value };
}

/** The REST API the fake serves under /api/v10. Every handler answers like Discord does. */
export function buildRoutes(fake: FakeDiscord): Route[] {
  const { state } = fake;
  const routes: Route[] = [];
  const route = (method: Route['method'], pattern: string, handle: Route['handle'], auth = true): void => {
    routes.push({ method, pattern, auth, handle });
  };

  const guildOr404 = (id: string | undefined): GuildRecord | RestResult =>
    state.guild(id ?? '') ?? Errors.unknownGuild();
  const isResult = (v: unknown): v is RestResult =>
    typeof v === 'object' && v !== null && 'status' in v && typeof (v as RestResult).status === 'number';
  const botPerms = (guild: GuildRecord, channel?: ChannelRecord): bigint =>
    state.channelPermissions(guild, fake.botUserId, channel);

  /** A channel the bot may read: unknown → 10003, invisible → 50001. */
  const readableChannel = (
    channelId: string | undefined,
  ): { channel: ChannelRecord; guild?: GuildRecord } | RestResult => {
    const channel = state.channels.get(channelId ?? '');
    if (!channel) return Errors.unknownChannel();
    if (channel.guildId === null) return { channel };
    const guild = state.guild(channel.guildId);
    if (!guild) return Errors.unknownChannel();
    if (!has(botPerms(guild, channel), Permissions.ViewChannel)) return Errors.missingAccess();
    return { channel, guild };
  };

  const visibleMessage = (
    channel: ChannelRecord,
    messageId: string | undefined,
  ): MessageRecord | undefined => {
    const message = state.messages.get(messageId ?? '');
    if (!message || message.deleted || message.channelId !== channel.id || message.ephemeralFor)
      return undefined;
    return message;
  };

  /** A message as the bot sees it (its own reactions marked `me`). */
  const botMessageJson = (m: MessageRecord): JsonObject =>
    messageJson(state, m, fake.botUserId, fake.attachmentBase());

  // ---- gateway, users, application ---------------------------------------------------

  route('GET', '/gateway', () => ok({ url: fake.gatewayUrl }), false);
  route('GET', '/gateway/bot', () =>
    ok({
      url: fake.gatewayUrl,
      shards: fake.settings.recommendedShards,
      session_start_limit: {
        total: 1000,
        remaining: Math.max(0, 1000 - fake.identifyCount),
        reset_after: 86_400_000,
        max_concurrency: fake.settings.maxConcurrency,
      },
    }),
  );
  route('GET', '/users/@me', () =>
    ok({
      ...userJson(state, fake.botUserId),
      bot: true,
      verified: true,
      mfa_enabled: false,
      email: null,
      flags: 0,
      locale: 'en-US',
    }),
  );
  route('GET', '/users/:userId', ({ params }) =>
    state.users.has(params.userId!) ? ok(userJson(state, params.userId!)) : Errors.unknownUser(),
  );
  route('POST', '/users/@me/channels', ({ body }) => {
    const recipientId = obj(body).recipient_id;
    if (typeof recipientId !== 'string' || !state.users.has(recipientId)) return Errors.unknownUser();
    let channel = [...state.channels.values()].find(
      (c) => c.type === ChannelType.DM && c.recipientId === recipientId,
    );
    if (!channel) {
      channel = {
        id: fake.ids.next(),
        guildId: null,
        name: '',
        type: ChannelType.DM,
        position: 0,
        parentId: null,
        topic: null,
        overwrites: [],
        recipientId,
        lastMessageId: null,
      };
      state.channels.set(channel.id, channel);
    }
    return ok(channelJson(state, channel));
  });
  route('GET', '/applications/@me', () =>
    ok({
      id: fake.applicationId,
      name: state.users.get(fake.botUserId)?.username ?? 'Sparks',
      icon: null,
      description: '',
      summary: '',
      type: null,
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: '0'.repeat(64),
      flags: (1 << 15) | (1 << 19) | (1 << 23),
      hook: true,
      is_monetized: false,
      bot: userJson(state, fake.botUserId),
      owner: { id: '1', username: 'owner', global_name: null, discriminator: '0', avatar: null, flags: 0 },
      team: null,
      approximate_guild_count: state.guilds.size,
      tags: [],
      integration_types_config: { '0': {} },
      redirect_uris: [],
      interactions_endpoint_url: null,
    }),
  );

  // ---- application commands ----------------------------------------------------------

  const commandScope = (ctx: RouteContext): { key: string; guildId?: string } | RestResult => {
    if (ctx.params.appId !== fake.applicationId) return apiError(403, 50001, 'Missing Access');
    if (ctx.params.guildId === undefined) return { key: 'global' };
    if (!state.guild(ctx.params.guildId)) return Errors.missingAccess();
    return { key: ctx.params.guildId, guildId: ctx.params.guildId };
  };

  const storeCommand = (
    raw: JsonObject,
    scope: { key: string; guildId?: string },
    existing: RegisteredCommand | undefined,
  ): RegisteredCommand => {
    const type = typeof raw.type === 'number' ? raw.type : 1;
    return {
      id: existing?.id ?? fake.ids.next(),
      application_id: fake.applicationId,
      version: fake.ids.next(),
      default_member_permissions: raw.default_member_permissions ?? null,
      type,
      name: String(raw.name),
      name_localizations: raw.name_localizations ?? null,
      description: typeof raw.description === 'string' ? raw.description : '',
      description_localizations: raw.description_localizations ?? null,
      ...(scope.guildId ? { guild_id: scope.guildId } : {}),
      ...(Array.isArray(raw.options) ? { options: raw.options } : {}),
      dm_permission: raw.dm_permission ?? true,
      contexts: raw.contexts ?? null,
      integration_types: raw.integration_types ?? [0],
      nsfw: raw.nsfw ?? false,
    };
  };

  for (const prefix of ['/applications/:appId', '/applications/:appId/guilds/:guildId']) {
    route('GET', `${prefix}/commands`, (ctx) => {
      const scope = commandScope(ctx);
      if (isResult(scope)) return scope;
      return ok(fake.commands.get(scope.key) ?? []);
    });
    route('PUT', `${prefix}/commands`, (ctx) => {
      const scope = commandScope(ctx);
      if (isResult(scope)) return scope;
      if (!Array.isArray(ctx.body)) return { status: 400, body: invalidFormBody(new FormErrors()) };
      const check = checkCommands(ctx.body);
      if (!check.ok) return { status: check.status, body: check.body };
      const before = fake.commands.get(scope.key) ?? [];
      const next = ctx.body.map((raw) => {
        const r = obj(raw);
        return storeCommand(
          r,
          scope,
          before.find((c) => c.name === r.name && c.type === (typeof r.type === 'number' ? r.type : 1)),
        );
      });
      fake.commands.set(scope.key, next);
      return ok(next);
    });
    route('POST', `${prefix}/commands`, (ctx) => {
      const scope = commandScope(ctx);
      if (isResult(scope)) return scope;
      const check = checkCommands([ctx.body]);
      if (!check.ok) return { status: check.status, body: check.body };
      const list = fake.commands.get(scope.key) ?? [];
      const r = obj(ctx.body);
      const existing = list.find(
        (c) => c.name === r.name && c.type === (typeof r.type === 'number' ? r.type : 1),
      );
      const command = storeCommand(r, scope, existing);
      fake.commands.set(scope.key, [...list.filter((c) => c !== existing), command]);
      return ok(command, existing ? 200 : 201);
    });
    route('GET', `${prefix}/commands/:commandId`, (ctx) => {
      const scope = commandScope(ctx);
      if (isResult(scope)) return scope;
      const command = (fake.commands.get(scope.key) ?? []).find((c) => c.id === ctx.params.commandId);
      return command ? ok(command) : Errors.unknownCommand();
    });
    route('PATCH', `${prefix}/commands/:commandId`, (ctx) => {
      const scope = commandScope(ctx);
      if (isResult(scope)) return scope;
      const list = fake.commands.get(scope.key) ?? [];
      const existing = list.find((c) => c.id === ctx.params.commandId);
      if (!existing) return Errors.unknownCommand();
      const merged = { ...existing, ...obj(ctx.body) };
      const check = checkCommands([merged]);
      if (!check.ok) return { status: check.status, body: check.body };
      const command = storeCommand(merged, scope, existing);
      fake.commands.set(
        scope.key,
        list.map((c) => (c === existing ? command : c)),
      );
      return ok(command);
    });
    route('DELETE', `${prefix}/commands/:commandId`, (ctx) => {
      const scope = commandScope(ctx);
      if (isResult(scope)) return scope;
      const list = fake.commands.get(scope.key) ?? [];
      if (!list.some((c) => c.id === ctx.params.commandId)) return Errors.unknownCommand();
      fake.commands.set(
        scope.key,
        list.filter((c) => c.id !== ctx.params.commandId),
      );
      return noContent();
    });
  }

  // ---- guilds, roles, members --------------------------------------------------------

  route('GET', '/guilds/:guildId', ({ params, query }) => {
    const guild = guildOr404(params.guildId);
    if (isResult(guild)) return guild;
    const json = guildJson(state, guild);
    if (query.get('with_counts') === 'true') {
      Object.assign(json, { approximate_member_count: guild.members.size, approximate_presence_count: 0 });
    }
    return ok(json);
  });
  route('GET', '/guilds/:guildId/roles', ({ params }) => {
    const guild = guildOr404(params.guildId);
    if (isResult(guild)) return guild;
    return ok([...guild.roles.values()].map((r) => roleJson(r)));
  });
  route('GET', '/guilds/:guildId/roles/:roleId', ({ params }) => {
    const guild = guildOr404(params.guildId);
    if (isResult(guild)) return guild;
    const role = guild.roles.get(params.roleId!);
    return role ? ok(roleJson(role)) : Errors.unknownRole();
  });
  route('GET', '/guilds/:guildId/channels', ({ params }) => {
    const guild = guildOr404(params.guildId);
    if (isResult(guild)) return guild;
    return ok([...guild.channels].map((id) => channelJson(state, state.channels.get(id)!)));
  });
  route('GET', '/guilds/:guildId/members/search', ({ params, query }) => {
    const guild = guildOr404(params.guildId);
    if (isResult(guild)) return guild;
    const limit = intParam(query, 'limit', 1, 1, 1000);
    if (isResult(limit)) return limit;
    const q = (query.get('query') ?? '').toLowerCase();
    const found = state.sortedMembers(guild).filter((m) => {
      const user = state.users.get(m.userId);
      return (
        (user?.username.toLowerCase().startsWith(q) ?? false) ||
        (user?.globalName?.toLowerCase().startsWith(q) ?? false) ||
        (m.nick?.toLowerCase().startsWith(q) ?? false)
      );
    });
    return ok(found.slice(0, limit).map((m) => memberJson(state, guild, m)));
  });
  route('GET', '/guilds/:guildId/members', ({ params, query }) => {
    const guild = guildOr404(params.guildId);
    if (isResult(guild)) return guild;
    const limit = intParam(query, 'limit', 1, 1, 1000);
    if (isResult(limit)) return limit;
    const after = query.get('after') ?? '0';
    const page = state
      .sortedMembers(guild)
      .filter((m) => compareSnowflakes(m.userId, after) > 0)
      .slice(0, limit);
    return ok(page.map((m) => memberJson(state, guild, m)));
  });
  route('GET', '/guilds/:guildId/members/:userId', ({ params }) => {
    const guild = guildOr404(params.guildId);
    if (isResult(guild)) return guild;
    const member = guild.members.get(params.userId!);
    return member ? ok(memberJson(state, guild, member)) : Errors.unknownMember();
  });

  /** Discord's rule for touching a role: Manage Roles, and the role strictly below the bot's highest. */
  const canManageRole = (guild: GuildRecord, roleId: string): RestResult | null => {
    const role = guild.roles.get(roleId);
    if (!role || role.id === guild.id) return Errors.unknownRole();
    if (!has(botPerms(guild), Permissions.ManageRoles)) return Errors.missingPermissions();
    if (role.managed) return Errors.missingPermissions();
    if (guild.ownerId !== fake.botUserId && role.position >= state.highestRolePosition(guild, fake.botUserId))
      return Errors.missingPermissions();
    return null;
  };

  const changeRole = (ctx: RouteContext, add: boolean): RestResult => {
    const guild = guildOr404(ctx.params.guildId);
    if (isResult(guild)) return guild;
    const member = guild.members.get(ctx.params.userId!);
    if (!member) return Errors.unknownMember();
    const denied = canManageRole(guild, ctx.params.roleId!);
    if (denied) return denied;
    const roleId = ctx.params.roleId!;
    const hasRole = member.roles.includes(roleId);
    if (add === hasRole) return noContent();
    member.roles = add ? [...member.roles, roleId] : member.roles.filter((r) => r !== roleId);
    fake.auditLog.push({
      guildId: guild.id,
      action: add ? 'member_role_add' : 'member_role_remove',
      targetId: member.userId,
      roleId,
      reason: ctx.reason,
      at: Date.now(),
    });
    fake.events.memberUpdated(guild.id, member);
    return noContent();
  };
  route('PUT', '/guilds/:guildId/members/:userId/roles/:roleId', (ctx) => changeRole(ctx, true));
  route('DELETE', '/guilds/:guildId/members/:userId/roles/:roleId', (ctx) => changeRole(ctx, false));

  route('PATCH', '/guilds/:guildId/members/:userId', (ctx) => {
    const guild = guildOr404(ctx.params.guildId);
    if (isResult(guild)) return guild;
    const member = guild.members.get(ctx.params.userId!);
    if (!member) return Errors.unknownMember();
    const body = obj(ctx.body);
    const changes: JsonObject = {};
    if (Array.isArray(body.roles)) {
      const wanted = [...new Set(body.roles.map(String))];
      const touched = [
        ...wanted.filter((r) => !member.roles.includes(r)),
        ...member.roles.filter((r) => !wanted.includes(r)),
      ];
      for (const roleId of touched) {
        const denied = canManageRole(guild, roleId);
        if (denied) return denied;
      }
      member.roles = wanted;
      changes.roles = wanted;
    }
    if ('nick' in body) {
      if (!has(botPerms(guild), Permissions.ManageNicknames)) return Errors.missingPermissions();
      member.nick = typeof body.nick === 'string' && body.nick !== '' ? body.nick : null;
      changes.nick = member.nick;
    }
    if ('communication_disabled_until' in body) {
      if (!has(botPerms(guild), Permissions.ModerateMembers)) return Errors.missingPermissions();
      member.communicationDisabledUntil =
        typeof body.communication_disabled_until === 'string' ? body.communication_disabled_until : null;
      changes.communication_disabled_until = member.communicationDisabledUntil;
    }
    fake.auditLog.push({
      guildId: guild.id,
      action: 'member_update',
      targetId: member.userId,
      changes,
      reason: ctx.reason,
      at: Date.now(),
    });
    fake.events.memberUpdated(guild.id, member);
    return ok(memberJson(state, guild, member));
  });

  // ---- channels and messages ---------------------------------------------------------

  route('GET', '/channels/:channelId', ({ params }) => {
    const found = readableChannel(params.channelId);
    if (isResult(found)) return found;
    return ok(channelJson(state, found.channel));
  });
  route('POST', '/channels/:channelId/typing', ({ params }) => {
    const found = readableChannel(params.channelId);
    return isResult(found) ? found : noContent();
  });
  route('GET', '/channels/:channelId/messages', ({ params, query }) => {
    const found = readableChannel(params.channelId);
    if (isResult(found)) return found;
    if (found.guild && !has(botPerms(found.guild, found.channel), Permissions.ReadMessageHistory))
      return ok([]);
    const limit = intParam(query, 'limit', 50, 1, 100);
    if (isResult(limit)) return limit;
    let list = state.channelMessages(found.channel.id).filter((m) => !m.ephemeralFor);
    list.sort((a, b) => compareSnowflakes(b.id, a.id));
    const before = query.get('before');
    const after = query.get('after');
    if (before) list = list.filter((m) => compareSnowflakes(m.id, before) < 0);
    if (after)
      list = list
        .filter((m) => compareSnowflakes(m.id, after) > 0)
        .reverse()
        .slice(0, limit)
        .reverse();
    return ok(list.slice(0, limit).map(botMessageJson));
  });
  route('GET', '/channels/:channelId/messages/:messageId', ({ params }) => {
    const found = readableChannel(params.channelId);
    if (isResult(found)) return found;
    if (found.guild && !has(botPerms(found.guild, found.channel), Permissions.ReadMessageHistory))
      return Errors.missingAccess();
    const message = visibleMessage(found.channel, params.messageId);
    return message ? ok(botMessageJson(message)) : Errors.unknownMessage();
  });
  route('POST', '/channels/:channelId/messages', ({ params, body, files }) => {
    const found = readableChannel(params.channelId);
    if (isResult(found)) return found;
    const { channel, guild } = found;
    const data = obj(body);
    if (guild) {
      const perms = botPerms(guild, channel);
      if (!has(perms, Permissions.SendMessages)) return Errors.missingPermissions();
      if (files.length > 0 && !has(perms, Permissions.AttachFiles)) return Errors.missingPermissions();
    } else if (channel.recipientId && state.users.get(channel.recipientId)?.dmsClosed) {
      return Errors.cannotDm();
    }
    const check = checkMessage(data, { fileCount: files.length });
    if (!check.ok) return { status: check.status, body: check.body };
    const reference = obj(data.message_reference);
    const message = newBotMessage(fake, channel, data, files, {
      type: typeof reference.message_id === 'string' ? 19 : 0,
    });
    state.addMessage(message);
    fake.events.messageCreated(message);
    return ok(botMessageJson(message));
  });
  route('PATCH', '/channels/:channelId/messages/:messageId', ({ params, body, files }) => {
    const found = readableChannel(params.channelId);
    if (isResult(found)) return found;
    const message = visibleMessage(found.channel, params.messageId);
    if (!message) return Errors.unknownMessage();
    if (message.authorId !== fake.botUserId)
      return apiError(403, 50005, 'Cannot edit a message authored by another user');
    const data = obj(body);
    const check = checkMessage(
      { ...data, flags: data.flags ?? message.flags },
      { edit: true, fileCount: files.length },
    );
    if (!check.ok) return { status: check.status, body: check.body };
    applyEdit(fake, message, data, files);
    fake.events.messageUpdated(message);
    return ok(botMessageJson(message));
  });
  route('DELETE', '/channels/:channelId/messages/:messageId', ({ params }) => {
    const found = readableChannel(params.channelId);
    if (isResult(found)) return found;
    const message = visibleMessage(found.channel, params.messageId);
    if (!message) return Errors.unknownMessage();
    if (
      message.authorId !== fake.botUserId &&
      !(found.guild && has(botPerms(found.guild, found.channel), Permissions.ManageMessages))
    ) {
      return Errors.missingPermissions();
    }
    message.deleted = true;
    fake.events.messageDeleted(message);
    return noContent();
  });

  // ---- reactions ---------------------------------------------------------------------

  const reactionTarget = (
    params: Record<string, string>,
  ):
    | { message: MessageRecord; emoji: PartialEmoji; guild?: GuildRecord; channel: ChannelRecord }
    | RestResult => {
    const found = readableChannel(params.channelId);
    if (isResult(found)) return found;
    if (found.guild && !has(botPerms(found.guild, found.channel), Permissions.ReadMessageHistory))
      return Errors.missingAccess();
    const message = visibleMessage(found.channel, params.messageId);
    if (!message) return Errors.unknownMessage();
    const emoji = decodeEmojiParam(params.emoji ?? '');
    if (!emoji) return Errors.unknownEmoji();
    return { message, emoji, channel: found.channel, ...(found.guild ? { guild: found.guild } : {}) };
  };

  route('PUT', '/channels/:channelId/messages/:messageId/reactions/:emoji/@me', ({ params }) => {
    const target = reactionTarget(params);
    if (isResult(target)) return target;
    const { message, emoji, guild, channel } = target;
    let reaction = message.reactions.find((r) => emojiKey(r.emoji) === emojiKey(emoji));
    if (!reaction) {
      if (guild && !has(botPerms(guild, channel), Permissions.AddReactions))
        return Errors.missingPermissions();
      if (emoji.id && ![...state.guilds.values()].some((g) => g.emojis.has(emoji.id!)))
        return Errors.unknownEmoji();
      if (message.reactions.length >= 20) return Errors.tooManyReactions();
      const known = emoji.id
        ? [...state.guilds.values()].map((g) => g.emojis.get(emoji.id!)).find(Boolean)
        : undefined;
      reaction = {
        emoji: known ? { id: known.id, name: known.name, animated: known.animated } : emoji,
        users: [],
      };
      message.reactions.push(reaction);
    }
    if (!reaction.users.includes(fake.botUserId)) {
      reaction.users.push(fake.botUserId);
      fake.events.reactionAdded(message, fake.botUserId, reaction.emoji);
    }
    return noContent();
  });
  const removeReaction = (params: Record<string, string>, userId: string): RestResult => {
    const target = reactionTarget(params);
    if (isResult(target)) return target;
    const { message, emoji, guild, channel } = target;
    if (userId !== fake.botUserId && guild && !has(botPerms(guild, channel), Permissions.ManageMessages))
      return Errors.missingPermissions();
    const index = message.reactions.findIndex((r) => emojiKey(r.emoji) === emojiKey(emoji));
    const reaction = message.reactions[index];
    if (reaction?.users.includes(userId)) {
      reaction.users = reaction.users.filter((u) => u !== userId);
      if (reaction.users.length === 0) message.reactions.splice(index, 1);
      fake.events.reactionRemoved(message, userId, reaction.emoji);
    }
    return noContent();
  };
  route('DELETE', '/channels/:channelId/messages/:messageId/reactions/:emoji/@me', ({ params }) =>
    removeReaction(params, fake.botUserId),
  );
  route('DELETE', '/channels/:channelId/messages/:messageId/reactions/:emoji/:userId', ({ params }) =>
    removeReaction(params, params.userId!),
  );
  route('GET', '/channels/:channelId/messages/:messageId/reactions/:emoji', ({ params, query }) => {
    const target = reactionTarget(params);
    if (isResult(target)) return target;
    const limit = intParam(query, 'limit', 25, 1, 100);
    if (isResult(limit)) return limit;
    // Burst (super) reactions are not modelled: type=1 lists nobody.
    if (query.get('type') === '1') return ok([]);
    const after = query.get('after') ?? '0';
    const reaction = target.message.reactions.find((r) => emojiKey(r.emoji) === emojiKey(target.emoji));
    const users = [...(reaction?.users ?? [])]
      .sort(compareSnowflakes)
      .filter((id) => compareSnowflakes(id, after) > 0);
    return ok(users.slice(0, limit).map((id) => userJson(state, id)));
  });

  // ---- interactions ------------------------------------------------------------------

  route(
    'POST',
    '/interactions/:interactionId/:token/callback',
    ({ params, body, files, query }) => {
      const st = fake.interactions.get(params.interactionId!);
      if (!st || st.handle.token !== params.token) return Errors.unknownInteraction();
      const handle = st.handle;
      const refuse = (result: RestResult): RestResult => {
        handle.rejected.push({ at: Date.now(), status: result.status, body: result.body });
        handle.changed.notify();
        return result;
      };
      if (handle.initial) return refuse(Errors.alreadyAcknowledged());
      if (Date.now() - handle.createdAt > fake.settings.interactionAckTimeoutMs)
        return refuse(Errors.unknownInteraction());
      const payload = obj(body);
      const type = payload.type;
      const data = obj(payload.data);
      const allowed: Record<InteractionState['kind'], number[]> = {
        command: [4, 5, 9],
        'context-menu': [4, 5, 9],
        autocomplete: [8],
        component: [4, 5, 6, 7, 9],
        modal: st.messageId ? [4, 5, 6, 7] : [4, 5],
      };
      if (typeof type !== 'number' || !allowed[st.kind].includes(type)) {
        const errors = new FormErrors();
        errors.add(
          ['type'],
          'INTERACTION_RESPONSE_TYPE_INVALID',
          `Interaction response type ${String(type)} is not valid for this interaction`,
        );
        return refuse({ status: 400, body: invalidFormBody(errors) });
      }
      let view: ResponseView;
      let message: MessageRecord | undefined;
      switch (type) {
        case CallbackType.ChannelMessageWithSource: {
          const check = checkMessage(data, { prefix: ['data'], fileCount: files.length });
          if (!check.ok) return refuse({ status: check.status, body: check.body });
          message = interactionMessage(fake, st, data, files, false);
          state.addMessage(message);
          fake.events.messageCreated(message);
          handle.originalMessageId = message.id;
          view = { ...messageView(message, data), type };
          break;
        }
        case CallbackType.DeferredChannelMessageWithSource: {
          message = interactionMessage(fake, st, { flags: data.flags }, [], true);
          state.addMessage(message);
          fake.events.messageCreated(message);
          handle.originalMessageId = message.id;
          view = { ...messageView(message, data), type };
          break;
        }
        case CallbackType.DeferredUpdateMessage: {
          message = state.messages.get(st.messageId ?? '');
          handle.originalMessageId = st.messageId;
          view = message ? { ...messageView(message, data), type } : { ...emptyView(data), type };
          break;
        }
        case CallbackType.UpdateMessage: {
          message = state.messages.get(st.messageId ?? '');
          if (!message) return refuse(Errors.unknownMessage());
          const check = checkMessage(
            { ...data, flags: data.flags ?? message.flags },
            { prefix: ['data'], edit: true, fileCount: files.length },
          );
          if (!check.ok) return refuse({ status: check.status, body: check.body });
          applyEdit(fake, message, data, files);
          fake.events.messageUpdated(message);
          handle.originalMessageId = message.id;
          view = { ...messageView(message, data), type };
          break;
        }
        case CallbackType.ApplicationCommandAutocompleteResult: {
          const check = checkAutocomplete(data);
          if (!check.ok) return refuse({ status: check.status, body: check.body });
          view = { ...emptyView(data), type, choices: data.choices as ResponseView['choices'] };
          break;
        }
        case CallbackType.Modal: {
          const check = checkModal(data);
          if (!check.ok) return refuse({ status: check.status, body: check.body });
          fake.rememberModal(data, st.kind === 'component' ? st.messageId : undefined);
          view = { ...emptyView(data), type, modal: data };
          break;
        }
        default:
          return refuse(apiError(400, 50035, 'Invalid Form Body'));
      }
      handle.initial = view;
      handle.changed.notify();
      if (query.get('with_response') !== 'true') return noContent();
      return ok({
        interaction: {
          id: handle.id,
          type: handle.payload.type,
          ...(message
            ? {
                response_message_id: message.id,
                response_message_loading: (message.flags & MessageFlag.Loading) !== 0,
                response_message_ephemeral: (message.flags & MessageFlag.Ephemeral) !== 0,
              }
            : {}),
        },
        resource: {
          type,
          ...(message && type !== CallbackType.DeferredUpdateMessage
            ? { message: botMessageJson(message) }
            : {}),
        },
      });
    },
    false,
  );

  /** The interaction behind a webhook token, if it still works. */
  const webhookInteraction = (params: Record<string, string>): InteractionState | RestResult => {
    const st = fake.interactionsByToken.get(params.token ?? '');
    if (params.appId !== fake.applicationId || !st) return Errors.unknownWebhook();
    if (Date.now() - st.handle.createdAt > fake.settings.interactionTokenTtlMs)
      return Errors.invalidWebhookToken();
    if (!st.handle.initial) return Errors.unknownWebhook();
    return st;
  };

  const interactionMessageById = (st: InteractionState, messageId: string): MessageRecord | undefined => {
    const id = messageId === '@original' ? st.handle.originalMessageId : messageId;
    const mine = id === st.handle.originalMessageId || st.handle.followUps.some((f) => f.id === id);
    const message = id ? state.messages.get(id) : undefined;
    return mine && message && !message.deleted ? message : undefined;
  };

  const webhookMessageRoutes = (pattern: string, fixedId?: string): void => {
    route(
      'GET',
      pattern,
      ({ params }) => {
        const st = webhookInteraction(params);
        if (isResult(st)) return st;
        const message = interactionMessageById(st, fixedId ?? params.messageId!);
        return message ? ok(botMessageJson(message)) : Errors.unknownMessage();
      },
      false,
    );
    route(
      'PATCH',
      pattern,
      ({ params, body, files }) => {
        const st = webhookInteraction(params);
        if (isResult(st)) return st;
        const messageId = fixedId ?? params.messageId!;
        const message = interactionMessageById(st, messageId);
        if (!message) return Errors.unknownMessage();
        const data = obj(body);
        const check = checkMessage(
          { ...data, flags: data.flags ?? message.flags },
          { edit: true, fileCount: files.length },
        );
        if (!check.ok) return { status: check.status, body: check.body };
        const wasLoading = (message.flags & MessageFlag.Loading) !== 0;
        applyEdit(fake, message, data, files);
        if (wasLoading) {
          message.flags &= ~MessageFlag.Loading;
          message.editedTimestamp = null;
        }
        fake.events.messageUpdated(message);
        const view = messageView(message, data);
        if (message.id === st.handle.originalMessageId) st.handle.edits.push(view);
        else {
          const i = st.handle.followUps.findIndex((f) => f.id === message.id);
          if (i >= 0) st.handle.followUps[i] = view;
        }
        st.handle.changed.notify();
        return ok(botMessageJson(message));
      },
      false,
    );
    route(
      'DELETE',
      pattern,
      ({ params }) => {
        const st = webhookInteraction(params);
        if (isResult(st)) return st;
        const message = interactionMessageById(st, fixedId ?? params.messageId!);
        if (!message) return Errors.unknownMessage();
        message.deleted = true;
        if (message.id === st.handle.originalMessageId) st.handle.originalDeleted = true;
        fake.events.messageDeleted(message);
        st.handle.changed.notify();
        return noContent();
      },
      false,
    );
  };
  webhookMessageRoutes('/webhooks/:appId/:token/messages/@original', '@original');
  webhookMessageRoutes('/webhooks/:appId/:token/messages/:messageId');

  route(
    'POST',
    '/webhooks/:appId/:token',
    ({ params, body, files, query }) => {
      const st = webhookInteraction(params);
      if (isResult(st)) return st;
      const data = obj(body);
      const check = checkMessage(data, { fileCount: files.length });
      if (!check.ok) return { status: check.status, body: check.body };
      const message = interactionMessage(fake, st, data, files, false);
      state.addMessage(message);
      fake.events.messageCreated(message);
      st.handle.followUps.push(messageView(message, data));
      st.handle.changed.notify();
      return query.get('wait') === 'false' ? noContent() : ok(botMessageJson(message));
    },
    false,
  );

  return routes;
}

function emptyView(raw: JsonObject): Omit<ResponseView, 'type'> {
  return {
    id: null,
    content: '',
    embeds: [],
    components: [],
    flags: 0,
    ephemeral: false,
    attachments: [],
    files: [],
    allowedMentions: undefined,
    raw,
  };
}

/** Attachments of a create or edit: `attachments[].id` n pairs with the `files[n]` part. */
function attachmentsFrom(
  fake: FakeDiscord,
  data: JsonObject,
  files: UploadedFile[],
  existing: AttachmentRecord[],
): AttachmentRecord[] {
  const meta = Array.isArray(data.attachments) ? (data.attachments as JsonObject[]) : undefined;
  const kept = meta ? existing.filter((a) => meta.some((m) => String(m.id) === a.id)) : existing;
  const added = files.map((file): AttachmentRecord => {
    const m = meta?.find((x) => String(x.id) === String(file.index));
    return {
      id: fake.ids.next(),
      filename: typeof m?.filename === 'string' ? m.filename : file.filename,
      contentType: file.contentType,
      size: file.data.length,
      ...(typeof m?.description === 'string' ? { description: m.description } : {}),
      data: file.data,
    };
  });
  return [...kept, ...added];
}

function newBotMessage(
  fake: FakeDiscord,
  channel: ChannelRecord,
  data: JsonObject,
  files: UploadedFile[],
  extra: Partial<MessageRecord>,
): MessageRecord {
  const flags = typeof data.flags === 'number' ? data.flags & SETTABLE_FLAGS : 0;
  return {
    id: fake.ids.next(),
    channelId: channel.id,
    guildId: channel.guildId,
    authorId: fake.botUserId,
    webhookId: null,
    applicationId: null,
    type: 0,
    content: typeof data.content === 'string' ? data.content : '',
    embeds: Array.isArray(data.embeds) ? (data.embeds as JsonObject[]).map(normalizeEmbed) : [],
    components: Array.isArray(data.components) ? (data.components as JsonObject[]) : [],
    attachments: attachmentsFrom(fake, data, files, []),
    flags,
    timestamp: new Date(),
    editedTimestamp: null,
    reactions: [],
    allowedMentions: data.allowed_mentions,
    tts: data.tts === true,
    pinned: false,
    deleted: false,
    ...extra,
  };
}

/** A message sent in answer to an interaction (reply, deferral placeholder, follow-up). */
function interactionMessage(
  fake: FakeDiscord,
  st: InteractionState,
  data: JsonObject,
  files: UploadedFile[],
  loading: boolean,
): MessageRecord {
  const channel = fake.state.requireChannel(st.channelId);
  const flags =
    (typeof data.flags === 'number' ? data.flags & SETTABLE_FLAGS : 0) | (loading ? MessageFlag.Loading : 0);
  const isCommand = st.kind === 'command' || st.kind === 'context-menu';
  return newBotMessage(fake, channel, loading ? {} : data, files, {
    flags,
    webhookId: fake.applicationId,
    applicationId: fake.applicationId,
    type: isCommand ? (st.kind === 'context-menu' ? 23 : 20) : 0,
    ...((flags & MessageFlag.Ephemeral) !== 0 ? { ephemeralFor: st.userId } : {}),
    interaction: {
      id: st.handle.id,
      type: Number(st.handle.payload.type),
      userId: st.userId,
      guildId: st.guildId,
      ...(st.commandName !== undefined ? { name: st.commandName } : {}),
      ...(st.commandType !== undefined ? { commandType: st.commandType } : {}),
      ...(st.messageId !== undefined ? { interactedMessageId: st.messageId } : {}),
    },
  });
}

function normalizeEmbed(embed: JsonObject): JsonObject {
  return { type: 'rich', ...embed };
}

/** Applies a PATCH: only the fields present change; `attachments` lists the ones to keep. */
function applyEdit(fake: FakeDiscord, message: MessageRecord, data: JsonObject, files: UploadedFile[]): void {
  if ('content' in data) message.content = typeof data.content === 'string' ? data.content : '';
  if ('embeds' in data)
    message.embeds = Array.isArray(data.embeds) ? (data.embeds as JsonObject[]).map(normalizeEmbed) : [];
  if ('components' in data)
    message.components = Array.isArray(data.components) ? (data.components as JsonObject[]) : [];
  if ('allowed_mentions' in data) message.allowedMentions = data.allowed_mentions;
  if ('attachments' in data || files.length > 0)
    message.attachments = attachmentsFrom(fake, data, files, message.attachments);
  if (typeof data.flags === 'number') {
    const changeable = (1 << 2) | MessageFlag.IsComponentsV2;
    message.flags = (message.flags & ~changeable) | (data.flags & changeable);
  }
  message.editedTimestamp = new Date();
}
