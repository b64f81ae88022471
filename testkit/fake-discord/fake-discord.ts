import { FakeOAuth2 } from './oauth2.ts';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayEvents } from './events.ts';
import type { FaultHandle, FaultSpec } from './faults.ts';
import {
  Gateway,
  Intents,
  type DispatchRecord,
  type GatewayLogEntry,
  type GatewaySession,
  type SessionFilter,
} from './gateway.ts';
import { writeResult } from './http-util.ts';
import { InteractionInjector } from './inject.ts';
import {
  messageView,
  type InteractionHandle,
  type InteractionKind,
  type MessageView,
} from './interactions.ts';
import { DEFAULT_BOT_PERMISSIONS, toPermissionBits, type PermissionInput } from './permissions.ts';
import { RequestPipeline, describeRequest, type RecordedRequest, type RouteTable } from './requests.ts';
import { buildRoutes } from './rest.ts';
import { FakeRoleConnections, roleConnectionRoutes } from './role-connections.ts';
import { SnowflakeGenerator } from './snowflake.ts';
import {
  ChannelType,
  DiscordState,
  emojiKey,
  newEveryoneRole,
  type ChannelRecord,
  type GuildRecord,
  type JsonObject,
  type MemberRecord,
  type MessageRecord,
  type OverwriteRecord,
  type PartialEmoji,
  type RoleRecord,
  type UserRecord,
} from './state.ts';
import { Notifier } from './wait.ts';

export type { RecordedRequest } from './requests.ts';

export interface FakeDiscordOptions {
  /** The bot token the fake accepts (default: a random realistic-looking one). */
  token?: string;
  /** Decides which tokens are valid (default: equal to `token`). */
  acceptToken?: (token: string) => boolean;
  applicationId?: string;
  botUsername?: string;
  /** HELLO's heartbeat_interval (default 41250 ms, like Discord). */
  heartbeatIntervalMs?: number;
  /** `shards` in GET /gateway/bot (default 1). */
  recommendedShards?: number;
  /** session_start_limit.max_concurrency (default 16, so shards identify without waiting). */
  maxConcurrency?: number;
  /** How long an interaction may go unanswered (default 3000 ms). */
  interactionAckTimeoutMs?: number;
  /** How long an interaction token works for edits and follow-ups (default 15 min). */
  interactionTokenTtlMs?: number;
  /** Stop by itself after this long without traffic (default 10 min; the timer is unref'd). */
  idleTimeoutMs?: number;
  /** Privileged intents the app may request (default all three). */
  allowedPrivilegedIntents?: number;
  /**
   * Members in GUILD_CREATE when the client has the GUILD_MEMBERS intent: `all` (default),
   * or `self` (only the bot, as real Discord does without presences).
   */
  memberListOnConnect?: 'all' | 'self';
  /** Default permissions of the bot's role in new guilds. */
  botPermissions?: PermissionInput;
  /** Default position of the bot's role in new guilds (default 50). */
  botRolePosition?: number;
  /** Dispatches a session keeps for RESUME (default 1000). */
  replayBuffer?: number;
}

export interface AuditLogEntry {
  guildId: string;
  action: 'member_role_add' | 'member_role_remove' | 'member_update';
  targetId: string;
  roleId?: string;
  changes?: JsonObject;
  reason: string | null;
  at: number;
}

export interface RegisteredCommand extends JsonObject {
  id: string;
  name: string;
  type: number;
}

export interface GuildInit {
  id?: string;
  name?: string;
  ownerId?: string;
  /** Mint an id that routes to this shard: `[shardId, shardCount]`. */
  shard?: [number, number];
  preferredLocale?: string;
  botPermissions?: PermissionInput;
  botRolePosition?: number;
  everyonePermissions?: PermissionInput;
}

export interface RoleInit {
  id?: string;
  name: string;
  permissions?: PermissionInput;
  position?: number;
  managed?: boolean;
  color?: number;
  hoist?: boolean;
  mentionable?: boolean;
}

export interface ChannelInit {
  id?: string;
  name: string;
  type?: number;
  parentId?: string | null;
  topic?: string | null;
  permissionOverwrites?: { id: string; type: 0 | 1; allow?: PermissionInput; deny?: PermissionInput }[];
}

export interface MemberInit {
  id?: string;
  username: string;
  globalName?: string | null;
  bot?: boolean;
  roles?: string[];
  joinedAt?: Date;
  locale?: string;
  nick?: string | null;
  dmsClosed?: boolean;
}

export interface MessageInit {
  authorId: string;
  content: string;
  embeds?: JsonObject[];
  /** Back-date the message: its id and timestamp come from this moment. */
  createdAt?: Date;
  /** Store it without MESSAGE_CREATE (the bot was offline, or it predates the test). */
  silent?: boolean;
}

export type OptionValue = string | number | boolean;

export interface CommonInput {
  guildId?: string;
  channelId: string;
  userId: string;
  locale?: string;
}

export interface SlashInput extends CommonInput {
  command: string;
  subcommandGroup?: string;
  subcommand?: string;
  options?: Record<string, OptionValue>;
  /** Skip the checks a Discord client makes (required options, option types). */
  force?: boolean;
}

export interface AutocompleteInput extends SlashInput {
  /** The option being typed in; its value is sent as the raw typed string. */
  focused: string;
}

export interface ComponentInput extends CommonInput {
  messageId: string;
  customId: string;
  /** Click even when the message has no such enabled component. */
  force?: boolean;
}

export interface SelectInput extends ComponentInput {
  values: string[];
}

export interface ModalInput extends CommonInput {
  customId: string;
  fields: Record<string, string>;
  /** Skip the checks against the modal the bot showed (unknown, missing or too-long fields). */
  force?: boolean;
}

export interface ContextMenuInput extends CommonInput {
  command: string;
  targetMessageId?: string;
  targetUserId?: string;
}

export type EmojiInput = string | { id: string; name: string; animated?: boolean };

export interface ReactionInput {
  channelId: string;
  messageId: string;
  userId: string;
  emoji: EmojiInput;
  /** Change the stored reactions without dispatching (the bot was offline). */
  silent?: boolean;
}

/** @internal What the fake remembers about one interaction. */
export interface InteractionState {
  handle: InteractionHandle;
  kind: InteractionKind;
  guildId: string;
  channelId: string;
  userId: string;
  commandName?: string;
  commandType?: number;
  /** For component and modal-from-component interactions: the message it happened on. */
  messageId?: string;
  dispatches: DispatchRecord[];
}

interface ShownModal {
  data: JsonObject;
  sourceMessageId?: string;
}

/**
 * The REST surfaces the fake serves, each a table of routes under /api/v10. A new surface
 * (OAuth2, say) is a module exporting a RouteTable, listed here (README: "Adding routes").
 */
const ROUTE_TABLES: RouteTable[] = [buildRoutes, roleConnectionRoutes];

/**
 * A local Discord for end-to-end tests: REST under `/api/v10` and a JSON gateway on one
 * 127.0.0.1 port, with guild state the tests shape and inspect, injectable interactions,
 * reactions and faults. Point discord.js at it with `rest: { api: fake.apiBase }`.
 */
export class FakeDiscord {
  readonly applicationId: string;
  readonly botUserId: string;
  readonly token: string;
  /** @internal */ readonly ids = new SnowflakeGenerator(1);
  /** @internal */ readonly state = new DiscordState();
  /** OAuth2: register the application, then log in through `/oauth2/authorize` in a browser. */
  readonly oauth2 = new FakeOAuth2(this.state);
  /** Linked Roles: the application's metadata records and each member's role connection. */
  readonly roleConnections = new FakeRoleConnections();
  /** @internal */ readonly gateway: Gateway;
  /** Every REST request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Every gateway member request (op 8), in arrival order: `userIds` null for a query or list. */
  readonly memberRequests: { guildIds: string[]; userIds: string[] | null }[] = [];
  /** Requests no route answers (404/405); a test can require this to stay empty. */
  readonly unexpectedRequests: RecordedRequest[] = [];
  /** Role and member changes the bot made, with their X-Audit-Log-Reason. */
  readonly auditLog: AuditLogEntry[] = [];
  /** @internal */ readonly commands = new Map<string, RegisteredCommand[]>();
  /** @internal */ readonly interactions = new Map<string, InteractionState>();
  /** @internal */ readonly interactionsByToken = new Map<string, InteractionState>();
  /** @internal */ readonly modals = new Map<string, ShownModal>();
  /** Runtime-adjustable settings. */
  readonly settings: {
    interactionAckTimeoutMs: number;
    interactionTokenTtlMs: number;
    recommendedShards: number;
    maxConcurrency: number;
    memberListOnConnect: 'all' | 'self';
  };
  /** @internal */ identifyCount = 0;
  /** @internal */ readonly requestsChanged = new Notifier();

  readonly #options: FakeDiscordOptions;
  readonly #acceptToken: (token: string) => boolean;
  readonly #server: Server;
  /** @internal The gateway events state changes send. */ readonly events = new GatewayEvents(this);
  readonly #inject = new InteractionInjector(this);
  readonly #rest: RequestPipeline;
  readonly #abort = new AbortController();
  readonly #idleTimeoutMs: number;
  #idleTimer: NodeJS.Timeout | null = null;
  #lastActivity = Date.now();
  #port = 0;
  #stopped = false;

  private constructor(options: FakeDiscordOptions) {
    this.#options = options;
    this.applicationId = options.applicationId ?? this.ids.next();
    this.botUserId = this.applicationId;
    this.token =
      options.token ??
      `${Buffer.from(this.botUserId).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(27).toString('base64url')}`;
    this.#acceptToken = options.acceptToken ?? ((t) => t === this.token);
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
    this.#rest = new RequestPipeline({
      state: this.state,
      log: {
        requests: this.requests,
        unexpectedRequests: this.unexpectedRequests,
        changed: this.requestsChanged,
      },
      acceptToken: (t) => this.#acceptToken(t),
      signal: this.#abort.signal,
      touch: () => this.touch(),
      oauth2: this.oauth2,
    });
    this.settings = {
      interactionAckTimeoutMs: options.interactionAckTimeoutMs ?? 3000,
      interactionTokenTtlMs: options.interactionTokenTtlMs ?? 15 * 60_000,
      recommendedShards: options.recommendedShards ?? 1,
      maxConcurrency: options.maxConcurrency ?? 16,
      memberListOnConnect: options.memberListOnConnect ?? 'all',
    };
    this.state.users.set(this.botUserId, {
      id: this.botUserId,
      username: options.botUsername ?? 'Sparks',
      globalName: null,
      bot: true,
      locale: 'en-US',
      dmsClosed: false,
    });
    this.gateway = new Gateway(
      {
        checkToken: (t) => this.#acceptToken(t),
        readyPayload: (session, url) => this.events.ready(session, url),
        guildCreatePayloads: (session) => this.events.guildCreates(session),
        requestGuildMembers: (session, request) => this.events.requestGuildMembers(session, request),
        touch: () => this.touch(),
      },
      {
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
        allowedPrivilegedIntents:
          options.allowedPrivilegedIntents ??
          Intents.GuildMembers | Intents.GuildPresences | Intents.MessageContent,
        replayBuffer: options.replayBuffer ?? 1000,
      },
    );
    for (const table of ROUTE_TABLES) this.#rest.addRoutes(table(this));
    this.#server = createServer((req, res) => {
      this.#rest.handle(req, res).catch((error: unknown) => {
        writeResult(res, {
          status: 500,
          body: { message: `fake-discord crashed: ${String(error)}`, code: 0 },
        });
      });
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/$/, '');
      if (path !== '/gateway') {
        socket.destroy();
        return;
      }
      this.gateway.handleUpgrade(req, socket, head);
    });
  }

  /** Starts a fake on 127.0.0.1 with an OS-assigned port. */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.#port = (fake.#server.address() as AddressInfo).port;
    fake.gateway.url = `ws://127.0.0.1:${fake.#port}/gateway`;
    fake.touch();
    return fake;
  }

  get port(): number {
    return this.#port;
  }

  /** For discord.js `rest.api` (it appends `/v10` itself). */
  get apiBase(): string {
    return `http://127.0.0.1:${this.#port}/api`;
  }

  get gatewayUrl(): string {
    return this.gateway.url;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Closes the HTTP server, every socket and WebSocket; pending waits reject. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abort.abort();
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#rest.destroyHung();
    for (const st of this.interactions.values()) st.handle.changed.close('fake-discord stopped');
    this.requestsChanged.close('fake-discord stopped');
    await this.gateway.close();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  /** @internal Marks activity; the fake stops itself after `idleTimeoutMs` without any. */
  touch(): void {
    this.#lastActivity = Date.now();
    if (this.#idleTimer || this.#stopped) return;
    const arm = (delay: number): void => {
      this.#idleTimer = setTimeout(() => {
        const idle = Date.now() - this.#lastActivity;
        if (idle >= this.#idleTimeoutMs) {
          this.#idleTimer = null;
          void this.stop();
        } else {
          arm(this.#idleTimeoutMs - idle);
        }
      }, delay);
      this.#idleTimer.unref();
    };
    arm(this.#idleTimeoutMs);
  }

  /** @internal */
  checkToken(token: string): boolean {
    return this.#acceptToken(token);
  }

  // ---- guild state --------------------------------------------------------------------

  /** Creates a guild with @everyone, the bot as a member with its "Sparks" role, and an owner. */
  createGuild(init: GuildInit = {}): GuildRecord {
    const id = init.id ?? (init.shard ? this.ids.forShard(init.shard[0], init.shard[1]) : this.ids.next());
    let ownerId = init.ownerId;
    if (ownerId === undefined) {
      ownerId = this.ids.next();
      this.createUser({ id: ownerId, username: 'owner' });
    } else if (!this.state.users.has(ownerId)) {
      this.createUser({ id: ownerId, username: `owner-${ownerId.slice(-4)}` });
    }
    const everyone = newEveryoneRole(id);
    if (init.everyonePermissions !== undefined)
      everyone.permissions = toPermissionBits(init.everyonePermissions);
    const botRole: RoleRecord = {
      id: this.ids.next(),
      guildId: id,
      name: this.state.requireUser(this.botUserId).username,
      permissions: toPermissionBits(
        init.botPermissions ?? this.#options.botPermissions ?? DEFAULT_BOT_PERMISSIONS,
      ),
      position: init.botRolePosition ?? this.#options.botRolePosition ?? 50,
      managed: true,
      color: 0,
      hoist: false,
      mentionable: false,
      botId: this.botUserId,
    };
    const guild: GuildRecord = {
      id,
      name: init.name ?? 'Test Server',
      ownerId,
      preferredLocale: init.preferredLocale ?? 'en-US',
      roles: new Map([
        [everyone.id, everyone],
        [botRole.id, botRole],
      ]),
      channels: new Set(),
      members: new Map(),
      emojis: new Map(),
      botRoleId: botRole.id,
      createdAt: new Date(),
    };
    this.state.guilds.set(id, guild);
    const now = new Date();
    guild.members.set(ownerId, {
      id: ownerId,
      userId: ownerId,
      roles: [],
      joinedAt: now,
      nick: null,
      communicationDisabledUntil: null,
    });
    guild.members.set(this.botUserId, {
      id: this.botUserId,
      userId: this.botUserId,
      roles: [botRole.id],
      joinedAt: now,
      nick: null,
      communicationDisabledUntil: null,
    });
    this.events.guildCreated(guild);
    return guild;
  }

  createUser(init: {
    id?: string;
    username: string;
    globalName?: string | null;
    bot?: boolean;
    locale?: string;
    dmsClosed?: boolean;
  }): UserRecord {
    const user: UserRecord = {
      id: init.id ?? this.ids.next(),
      username: init.username,
      globalName: init.globalName ?? null,
      bot: init.bot ?? false,
      locale: init.locale ?? 'en-US',
      dmsClosed: init.dmsClosed ?? false,
    };
    this.state.users.set(user.id, user);
    return user;
  }

  createRole(guildId: string, init: RoleInit): RoleRecord {
    const guild = this.state.requireGuild(guildId);
    const role: RoleRecord = {
      id: init.id ?? this.ids.next(),
      guildId,
      name: init.name,
      permissions: toPermissionBits(init.permissions ?? 0n),
      position: init.position ?? 1,
      managed: init.managed ?? false,
      color: init.color ?? 0,
      hoist: init.hoist ?? false,
      mentionable: init.mentionable ?? false,
    };
    guild.roles.set(role.id, role);
    this.events.roleCreated(role);
    return role;
  }

  updateRole(guildId: string, roleId: string, patch: Partial<Omit<RoleInit, 'id'>>): RoleRecord {
    const role = this.#requireRole(guildId, roleId);
    if (patch.name !== undefined) role.name = patch.name;
    if (patch.permissions !== undefined) role.permissions = toPermissionBits(patch.permissions);
    if (patch.position !== undefined) role.position = patch.position;
    if (patch.managed !== undefined) role.managed = patch.managed;
    if (patch.color !== undefined) role.color = patch.color;
    if (patch.hoist !== undefined) role.hoist = patch.hoist;
    if (patch.mentionable !== undefined) role.mentionable = patch.mentionable;
    this.events.roleUpdated(role);
    return role;
  }

  /** Deletes a role and takes it from every member (Discord sends no member updates for that). */
  deleteRole(guildId: string, roleId: string): void {
    const guild = this.state.requireGuild(guildId);
    this.#requireRole(guildId, roleId);
    guild.roles.delete(roleId);
    for (const member of guild.members.values()) member.roles = member.roles.filter((r) => r !== roleId);
    this.events.roleDeleted(guildId, roleId);
  }

  botRole(guildId: string): RoleRecord {
    const guild = this.state.requireGuild(guildId);
    return guild.roles.get(guild.botRoleId)!;
  }

  /** Changes the bot role's permissions and/or position (dispatches GUILD_ROLE_UPDATE). */
  setBotRole(guildId: string, patch: { permissions?: PermissionInput; position?: number }): RoleRecord {
    return this.updateRole(guildId, this.state.requireGuild(guildId).botRoleId, patch);
  }

  createChannel(guildId: string, init: ChannelInit): ChannelRecord {
    const guild = this.state.requireGuild(guildId);
    const channel: ChannelRecord = {
      id: init.id ?? this.ids.next(),
      guildId,
      name: init.name,
      type: init.type ?? ChannelType.GuildText,
      position: guild.channels.size,
      parentId: init.parentId ?? null,
      topic: init.topic ?? null,
      overwrites: (init.permissionOverwrites ?? []).map((o): OverwriteRecord => ({
        id: o.id,
        type: o.type,
        allow: toPermissionBits(o.allow ?? 0n),
        deny: toPermissionBits(o.deny ?? 0n),
      })),
      lastMessageId: null,
    };
    this.state.channels.set(channel.id, channel);
    guild.channels.add(channel.id);
    this.events.channelCreated(channel);
    return channel;
  }

  /** Adds a user (created if new) as a member; dispatches GUILD_MEMBER_ADD. */
  addMember(guildId: string, init: MemberInit): MemberRecord {
    const guild = this.state.requireGuild(guildId);
    const id = init.id ?? this.ids.next();
    const existing = this.state.users.get(id);
    const user: UserRecord = existing ?? this.createUser({ id, username: init.username });
    user.username = init.username;
    if (init.globalName !== undefined) user.globalName = init.globalName;
    if (init.bot !== undefined) user.bot = init.bot;
    if (init.locale !== undefined) user.locale = init.locale;
    if (init.dmsClosed !== undefined) user.dmsClosed = init.dmsClosed;
    for (const roleId of init.roles ?? []) this.#requireRole(guildId, roleId);
    const member: MemberRecord = {
      id,
      userId: id,
      roles: [...(init.roles ?? [])],
      joinedAt: init.joinedAt ?? new Date(),
      nick: init.nick ?? null,
      communicationDisabledUntil: null,
    };
    guild.members.set(id, member);
    this.events.memberAdded(guild, member);
    return member;
  }

  /** The member leaves (or is kicked); dispatches GUILD_MEMBER_REMOVE. The user stays known. */
  removeMember(guildId: string, userId: string): void {
    const guild = this.state.requireGuild(guildId);
    this.state.requireMember(guildId, userId);
    guild.members.delete(userId);
    this.events.memberRemoved(guildId, userId);
  }

  /** Sets a member's roles as a moderator would by hand; dispatches GUILD_MEMBER_UPDATE. */
  setMemberRoles(guildId: string, userId: string, roles: string[]): MemberRecord {
    const member = this.state.requireMember(guildId, userId);
    for (const roleId of roles) this.#requireRole(guildId, roleId);
    member.roles = [...roles];
    this.events.memberUpdated(guildId, member);
    return member;
  }

  member(guildId: string, userId: string): MemberRecord | undefined {
    return this.state.guild(guildId)?.members.get(userId);
  }

  /** The member's role ids (without @everyone), or undefined when not a member. */
  memberRoles(guildId: string, userId: string): string[] | undefined {
    return this.member(guildId, userId)?.roles.slice();
  }

  createEmoji(guildId: string, init: { id?: string; name: string; animated?: boolean }): PartialEmoji {
    const guild = this.state.requireGuild(guildId);
    const emoji = { id: init.id ?? this.ids.next(), name: init.name, animated: init.animated ?? false };
    guild.emojis.set(emoji.id, emoji);
    return emoji;
  }

  /** A user posts a message; dispatches MESSAGE_CREATE unless `silent`. Returns its id. */
  postMessage(channelId: string, init: MessageInit): string {
    const channel = this.state.requireChannel(channelId);
    this.state.requireUser(init.authorId);
    const id = init.createdAt ? this.ids.at(init.createdAt) : this.ids.next();
    const message: MessageRecord = {
      id,
      channelId,
      guildId: channel.guildId,
      authorId: init.authorId,
      webhookId: null,
      applicationId: null,
      type: 0,
      content: init.content,
      embeds: init.embeds ?? [],
      components: [],
      attachments: [],
      flags: 0,
      timestamp: init.createdAt ?? new Date(),
      editedTimestamp: null,
      reactions: [],
      allowedMentions: undefined,
      tts: false,
      pinned: false,
      deleted: false,
    };
    this.state.addMessage(message);
    if (!init.silent) this.events.messageCreated(message);
    return id;
  }

  /** The current state of any stored message. */
  message(messageId: string): MessageView | undefined {
    const message = this.state.messages.get(messageId);
    return message ? messageView(message) : undefined;
  }

  /** Messages in a channel, oldest first (ephemeral ones only when asked). */
  channelMessages(channelId: string, options: { includeEphemeral?: boolean } = {}): MessageView[] {
    return this.state
      .channelMessages(channelId)
      .filter((m) => options.includeEphemeral === true || !m.ephemeralFor)
      .map((m) => messageView(m));
  }

  /** Messages the bot sent to a user's DMs, oldest first. */
  dms(userId: string): MessageView[] {
    const channel = [...this.state.channels.values()].find(
      (c) => c.type === ChannelType.DM && c.recipientId === userId,
    );
    return channel ? this.channelMessages(channel.id) : [];
  }

  /** Registered application commands: global, or of one guild. */
  registeredCommands(guildId?: string): RegisteredCommand[] {
    return [...(this.commands.get(guildId ?? 'global') ?? [])];
  }

  // ---- interactions -------------------------------------------------------------------

  /** A member runs a slash command. Options are typed from the registered definition. */
  slash(input: SlashInput): InteractionHandle {
    return this.#inject.slash(input);
  }

  /** A member types in an autocomplete option; the handle's `choices()` gives the answer. */
  autocomplete(input: AutocompleteInput): InteractionHandle {
    return this.#inject.autocomplete(input);
  }

  clickButton(input: ComponentInput): InteractionHandle {
    return this.#inject.clickButton(input);
  }

  selectMenu(input: SelectInput): InteractionHandle {
    return this.#inject.selectMenu(input);
  }

  /** A member submits a modal the bot showed; the components mirror that modal's layout. */
  submitModal(input: ModalInput): InteractionHandle {
    return this.#inject.submitModal(input);
  }

  /** A member uses a message (targetMessageId) or user (targetUserId) context-menu command. */
  contextMenu(input: ContextMenuInput): InteractionHandle {
    return this.#inject.contextMenu(input);
  }

  // ---- reactions and raw dispatch -----------------------------------------------------

  /** A member reacts; dispatches MESSAGE_REACTION_ADD (with `member`) unless `silent`. */
  addReaction(input: ReactionInput): DispatchRecord[] {
    const message = this.#reactableMessage(input);
    const emoji = parseEmojiInput(input.emoji);
    let reaction = message.reactions.find((r) => emojiKey(r.emoji) === emojiKey(emoji));
    if (!reaction) {
      reaction = { emoji, users: [] };
      message.reactions.push(reaction);
    }
    if (reaction.users.includes(input.userId)) return [];
    reaction.users.push(input.userId);
    if (input.silent) return [];
    return this.events.reactionAdded(message, input.userId, emoji);
  }

  /** A member removes a reaction; dispatches MESSAGE_REACTION_REMOVE unless `silent`. */
  removeReaction(input: ReactionInput): DispatchRecord[] {
    const message = this.#reactableMessage(input);
    const emoji = parseEmojiInput(input.emoji);
    const index = message.reactions.findIndex((r) => emojiKey(r.emoji) === emojiKey(emoji));
    const reaction = message.reactions[index];
    if (!reaction || !reaction.users.includes(input.userId)) return [];
    reaction.users = reaction.users.filter((u) => u !== input.userId);
    if (reaction.users.length === 0) message.reactions.splice(index, 1);
    if (input.silent) return [];
    return this.events.reactionRemoved(message, input.userId, reaction.emoji);
  }

  /** Who reacted with an emoji, in reaction order. */
  reactionUsers(messageId: string, emoji: EmojiInput): string[] {
    const message = this.state.messages.get(messageId);
    const key = emojiKey(parseEmojiInput(emoji));
    return [...(message?.reactions.find((r) => emojiKey(r.emoji) === key)?.users ?? [])];
  }

  /** Sends an event as is to every session that should get it (guild shard, intent). */
  dispatchRaw(t: string, d: unknown, target: { guildId?: string; intent?: number } = {}): DispatchRecord[] {
    return this.gateway.broadcast(t, d, target);
  }

  /**
   * Delivers the same events again (new sequence numbers, identical data): Discord's
   * at-least-once delivery. Goes to the original sessions, or, if those are gone, to the
   * sessions that now cover the guild.
   */
  replayDispatch(records: DispatchRecord | DispatchRecord[]): DispatchRecord[] {
    const out: DispatchRecord[] = [];
    for (const record of Array.isArray(records) ? records : [records]) {
      const session = this.gateway.sessionById(record.sessionId);
      if (session && !session.invalidated)
        out.push(this.gateway.dispatch(session, record.t, record.d, record.guildId));
      else out.push(...this.gateway.broadcast(record.t, record.d, { guildId: record.guildId }));
    }
    return out;
  }

  // ---- gateway control ----------------------------------------------------------------

  /** Cuts gateway sockets without a close frame (the client RESUMEs), or closes with `code`. */
  dropGatewayConnection(filter: SessionFilter & { code?: number } = {}): number {
    return this.gateway.drop(filter, filter.code);
  }

  /** Sends op 7 RECONNECT. */
  requestReconnect(filter: SessionFilter = {}): number {
    return this.gateway.requestReconnect(filter);
  }

  /** Sends op 9 INVALID_SESSION; unless `resumable`, the session ends and the client re-IDENTIFYs. */
  invalidateSession(filter: SessionFilter & { resumable?: boolean } = {}): number {
    return this.gateway.invalidateSession(filter, filter.resumable ?? false);
  }

  /** The next RESUME gets INVALID_SESSION instead (the session expired meanwhile). */
  rejectNextResume(): void {
    this.gateway.rejectNextResume = true;
  }

  /** Stop (or resume) acknowledging heartbeats: a zombie connection the client must detect. */
  setHeartbeatAck(enabled: boolean): void {
    this.gateway.ackHeartbeats = enabled;
  }

  get gatewayLog(): readonly GatewayLogEntry[] {
    return this.gateway.log;
  }

  /** Sessions currently receiving events (one per IDENTIFY, kept across RESUMEs). */
  get sessions(): GatewaySession[] {
    return this.gateway.liveSessions();
  }

  /** Waits for a gateway log entry of `kind` after index `since` (default: any so far). */
  waitForGateway(
    kind: GatewayLogEntry['kind'],
    options: { since?: number; timeoutMs?: number; shardId?: number } = {},
  ): Promise<GatewayLogEntry> {
    return this.gateway.waitForLog(
      (e) => e.kind === kind && (options.shardId === undefined || e.shard?.[0] === options.shardId),
      options.timeoutMs ?? 5000,
      kind,
      options.since ?? 0,
    );
  }

  // ---- REST inspection and faults -----------------------------------------------------

  /** Makes matching requests fail (or slow down) as Discord sometimes does. */
  injectFault(spec: FaultSpec): FaultHandle {
    return this.#rest.injectFault(spec);
  }

  clearFaults(): void {
    this.#rest.clearFaults();
  }

  /** Waits for a request (already made, or future) that satisfies `predicate` and was answered. */
  waitForRequest(
    predicate: (r: RecordedRequest) => boolean,
    options: { timeoutMs?: number; what?: string } = {},
  ): Promise<RecordedRequest> {
    return this.requestsChanged.waitFor(
      () => this.requests.find((r) => r.status !== undefined && predicate(r)),
      options.timeoutMs ?? 5000,
      () =>
        `waiting for request ${options.what ?? ''}; saw: ${this.requests.slice(-10).map(describeRequest).join('; ') || 'none'}`,
    );
  }

  // ---- internals used by the REST routes and the injector -----------------------------

  /** @internal Remembers a modal the bot showed, so submitModal can mirror it. */
  rememberModal(data: JsonObject, sourceMessageId: string | undefined): void {
    if (typeof data.custom_id === 'string') this.modals.set(data.custom_id, { data, sourceMessageId });
  }

  /** @internal Where attachment URLs in message JSON point. */
  attachmentBase(): string {
    return `http://127.0.0.1:${this.#port}/attachments`;
  }

  // ---- private ------------------------------------------------------------------------

  #requireRole(guildId: string, roleId: string): RoleRecord {
    const role = this.state.requireGuild(guildId).roles.get(roleId);
    if (!role) throw new Error(`fake-discord: unknown role ${roleId} in guild ${guildId}`);
    return role;
  }

  #reactableMessage(input: ReactionInput): MessageRecord {
    const message = this.state.messages.get(input.messageId);
    if (!message || message.deleted || message.channelId !== input.channelId) {
      throw new Error(`fake-discord: no message ${input.messageId} in channel ${input.channelId}`);
    }
    if (message.ephemeralFor) throw new Error('fake-discord: ephemeral messages cannot be reacted to');
    if (message.guildId) this.state.requireMember(message.guildId, input.userId);
    else this.state.requireUser(input.userId);
    return message;
  }
}

/** Throws, listing them, if the bot made requests the fake has no route for. */
export function expectNoUnexpectedRequests(fake: FakeDiscord): void {
  if (fake.unexpectedRequests.length === 0) return;
  throw new Error(
    `The bot made ${fake.unexpectedRequests.length} request(s) fake-discord does not implement:\n` +
      fake.unexpectedRequests
        .map(
          (r) =>
            `  ${r.method} ${r.path}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query).toString()}` : ''}`,
        )
        .join('\n'),
  );
}

export function parseEmojiInput(input: EmojiInput): PartialEmoji {
  if (typeof input !== 'string') return { id: input.id, name: input.name, animated: input.animated ?? false };
  const custom = /^<?(a)?:?([\w~-]+):(\d{15,25})>?$/.exec(input);
  if (custom) return { id: custom[3]!, name: custom[2]!, animated: custom[1] === 'a' };
  return { id: null, name: input };
}
