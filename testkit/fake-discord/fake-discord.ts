import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Fault, type FaultHandle, type FaultSpec } from './faults.ts';
import {
  Gateway,
  Intents,
  type DispatchRecord,
  type GatewayLogEntry,
  type GatewaySession,
  type SessionFilter,
} from './gateway.ts';
import {
  apiError,
  parseBody,
  readRaw,
  writeResult,
  type RestResult,
  type UploadedFile,
} from './http-util.ts';
import {
  InteractionHandle,
  InteractionType,
  findComponent,
  messageView,
  type InteractionKind,
  type MessageView,
} from './interactions.ts';
import { DEFAULT_BOT_PERMISSIONS, toPermissionBits, type PermissionInput } from './permissions.ts';
import { buildRoutes } from './rest.ts';
import { Router } from './router.ts';
import { SnowflakeGenerator } from './snowflake.ts';
import {
  ChannelType,
  DiscordState,
  emojiJson,
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
import { Notifier, sleep } from './wait.ts';

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

export interface RecordedRequest {
  method: string;
  /** Path below /api/v10, e.g. `/guilds/1/members/2/roles/3`. */
  path: string;
  /** The matched route pattern, e.g. `/guilds/:guildId/members/:userId/roles/:roleId`. */
  route: string | null;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: unknown;
  files: UploadedFile[];
  time: number;
  /** The status the fake answered (undefined while pending, or when it hung or reset). */
  status?: number;
  response?: unknown;
  /** Set when an injected fault decided the answer. */
  fault?: FaultSpec;
  auditLogReason: string | null;
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

interface CommonInput {
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

const OPTION_TYPE = {
  SubcommandGroup: 2,
  Subcommand: 1,
  String: 3,
  Integer: 4,
  Boolean: 5,
  User: 6,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;

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
  readonly #router = new Router();
  readonly #faults: Fault[] = [];
  readonly #hung = new Set<ServerResponse>();
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
        readyPayload: (session, url) => this.#readyPayload(session, url),
        guildCreatePayloads: (session) => this.#guildCreates(session),
        requestGuildMembers: (session, request) => this.#requestGuildMembers(session, request),
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
    for (const route of buildRoutes(this)) this.#router.add(route);
    this.#server = createServer((req, res) => {
      this.#onRequest(req, res).catch((error: unknown) => {
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
    for (const res of this.#hung) res.destroy();
    this.#hung.clear();
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
    // The bot joined a guild while connected: Discord sends GUILD_CREATE.
    for (const session of this.gateway.liveSessions()) {
      if (session.covers(id) && session.hasIntent(Intents.Guilds))
        this.gateway.dispatch(session, 'GUILD_CREATE', this.#guildCreate(guild, session), id);
    }
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
    this.gateway.broadcast(
      'GUILD_ROLE_CREATE',
      { guild_id: guildId, role: this.state.roleJson(role) },
      { guildId, intent: Intents.Guilds },
    );
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
    this.gateway.broadcast(
      'GUILD_ROLE_UPDATE',
      { guild_id: guildId, role: this.state.roleJson(role) },
      { guildId, intent: Intents.Guilds },
    );
    return role;
  }

  /** Deletes a role and takes it from every member (Discord sends no member updates for that). */
  deleteRole(guildId: string, roleId: string): void {
    const guild = this.state.requireGuild(guildId);
    this.#requireRole(guildId, roleId);
    guild.roles.delete(roleId);
    for (const member of guild.members.values()) member.roles = member.roles.filter((r) => r !== roleId);
    this.gateway.broadcast(
      'GUILD_ROLE_DELETE',
      { guild_id: guildId, role_id: roleId },
      { guildId, intent: Intents.Guilds },
    );
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
    this.gateway.broadcast('CHANNEL_CREATE', this.state.channelJson(channel), {
      guildId,
      intent: Intents.Guilds,
    });
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
    this.gateway.broadcast(
      'GUILD_MEMBER_ADD',
      { guild_id: guildId, ...this.state.memberJson(guild, member) },
      { guildId, intent: Intents.GuildMembers },
    );
    return member;
  }

  /** The member leaves (or is kicked); dispatches GUILD_MEMBER_REMOVE. The user stays known. */
  removeMember(guildId: string, userId: string): void {
    const guild = this.state.requireGuild(guildId);
    this.state.requireMember(guildId, userId);
    guild.members.delete(userId);
    this.gateway.broadcast(
      'GUILD_MEMBER_REMOVE',
      { guild_id: guildId, user: this.state.userJson(userId) },
      { guildId, intent: Intents.GuildMembers },
    );
  }

  /** Sets a member's roles as a moderator would by hand; dispatches GUILD_MEMBER_UPDATE. */
  setMemberRoles(guildId: string, userId: string, roles: string[]): MemberRecord {
    const member = this.state.requireMember(guildId, userId);
    for (const roleId of roles) this.#requireRole(guildId, roleId);
    member.roles = [...roles];
    this.memberUpdated(guildId, member);
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
    if (!init.silent) this.messageCreated(message);
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
    return this.#command(input, InteractionType.ApplicationCommand);
  }

  /** A member types in an autocomplete option; the handle's `choices()` gives the answer. */
  autocomplete(input: AutocompleteInput): InteractionHandle {
    return this.#command(input, InteractionType.ApplicationCommandAutocomplete, input.focused);
  }

  clickButton(input: ComponentInput): InteractionHandle {
    return this.#component(input, [2], undefined);
  }

  selectMenu(input: SelectInput): InteractionHandle {
    return this.#component(input, [3, 5, 6, 7, 8], input.values);
  }

  /** A member submits a modal the bot showed; the components mirror that modal's layout. */
  submitModal(input: ModalInput): InteractionHandle {
    const { guild, channel, member } = this.#context(input);
    const shown = this.modals.get(input.customId);
    if (!shown && !input.force) {
      throw new Error(
        `submitModal: the bot never showed a modal with custom_id ${JSON.stringify(input.customId)} (shown: ${[...this.modals.keys()].join(', ') || 'none'})`,
      );
    }
    const components = buildModalComponents(shown?.data, input.fields, input.force === true);
    const data: JsonObject = { custom_id: input.customId, components };
    const extra: JsonObject = {};
    let messageId: string | undefined;
    if (shown?.sourceMessageId) {
      const source = this.state.messages.get(shown.sourceMessageId);
      if (source) {
        extra.message = this.state.messageJson(source, this.botUserId, this.#attachmentBase());
        messageId = source.id;
      }
    }
    return this.#deliver(
      'modal',
      InteractionType.ModalSubmit,
      data,
      guild,
      channel,
      member,
      input.locale,
      extra,
      {
        messageId,
        description: `modal submit ${JSON.stringify(input.customId)}`,
      },
    );
  }

  /** A member uses a message (targetMessageId) or user (targetUserId) context-menu command. */
  contextMenu(input: ContextMenuInput): InteractionHandle {
    const { guild, channel, member } = this.#context(input);
    const commandType = input.targetMessageId ? 3 : 2;
    const command = this.#findCommand(input.command, guild.id, commandType);
    const resolved: JsonObject = {};
    let targetId: string;
    if (input.targetMessageId) {
      const target = this.state.messages.get(input.targetMessageId);
      if (!target) throw new Error(`contextMenu: unknown message ${input.targetMessageId}`);
      targetId = target.id;
      resolved.messages = {
        [target.id]: this.state.messageJson(target, this.botUserId, this.#attachmentBase()),
      };
    } else if (input.targetUserId) {
      targetId = input.targetUserId;
      this.#resolveUser(guild, channel, targetId, resolved);
    } else {
      throw new Error('contextMenu: give targetMessageId or targetUserId');
    }
    const data: JsonObject = {
      id: command?.id ?? this.ids.next(),
      name: input.command,
      type: commandType,
      target_id: targetId,
      resolved,
      ...(command?.guild_id ? { guild_id: command.guild_id } : {}),
    };
    return this.#deliver(
      'context-menu',
      InteractionType.ApplicationCommand,
      data,
      guild,
      channel,
      member,
      input.locale,
      {},
      {
        commandName: input.command,
        commandType,
        description: `context menu ${JSON.stringify(input.command)}`,
      },
    );
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
    return this.reactionAdded(message, input.userId, emoji);
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
    return this.reactionRemoved(message, input.userId, reaction.emoji);
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
    const fault = new Fault(spec, (f) => {
      const i = this.#faults.indexOf(f);
      if (i >= 0) this.#faults.splice(i, 1);
    });
    this.#faults.push(fault);
    return fault;
  }

  clearFaults(): void {
    for (const fault of [...this.#faults]) fault.remove();
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

  // ---- internals used by the REST routes ----------------------------------------------

  /** @internal */
  memberUpdated(guildId: string, member: MemberRecord): DispatchRecord[] {
    const guild = this.state.requireGuild(guildId);
    return this.gateway.broadcast(
      'GUILD_MEMBER_UPDATE',
      { guild_id: guildId, ...this.state.memberJson(guild, member) },
      // Discord sends the bot its own member updates even without GUILD_MEMBERS.
      { guildId, ...(member.userId === this.botUserId ? {} : { intent: Intents.GuildMembers }) },
    );
  }

  /** @internal */
  messageCreated(message: MessageRecord): DispatchRecord[] {
    if (message.ephemeralFor) return [];
    const guild = message.guildId ? this.state.guild(message.guildId) : undefined;
    const base = this.state.messageJson(message, undefined, this.#attachmentBase());
    if (guild) {
      const member = guild.members.get(message.authorId);
      Object.assign(base, {
        guild_id: guild.id,
        ...(member && !message.webhookId ? { member: this.state.memberJson(guild, member, false) } : {}),
      });
    }
    const mentionsBot = message.content.includes(`<@${this.botUserId}>`);
    const build = (session: GatewaySession): unknown => {
      // Without MESSAGE_CONTENT a bot sees only its own messages', DMs' and mentions' content.
      if (
        session.hasIntent(Intents.MessageContent) ||
        message.authorId === this.botUserId ||
        !guild ||
        mentionsBot
      )
        return base;
      return { ...base, content: '', embeds: [], attachments: [], components: [] };
    };
    return this.gateway.broadcast('MESSAGE_CREATE', base, {
      guildId: guild?.id ?? null,
      intent: guild ? Intents.GuildMessages : Intents.DirectMessages,
      build,
    });
  }

  /** @internal */
  messageUpdated(message: MessageRecord): DispatchRecord[] {
    if (message.ephemeralFor) return [];
    const d = {
      ...this.state.messageJson(message, undefined, this.#attachmentBase()),
      ...(message.guildId ? { guild_id: message.guildId } : {}),
    };
    return this.gateway.broadcast('MESSAGE_UPDATE', d, {
      guildId: message.guildId,
      intent: message.guildId ? Intents.GuildMessages : Intents.DirectMessages,
    });
  }

  /** @internal */
  messageDeleted(message: MessageRecord): DispatchRecord[] {
    if (message.ephemeralFor) return [];
    return this.gateway.broadcast(
      'MESSAGE_DELETE',
      {
        id: message.id,
        channel_id: message.channelId,
        ...(message.guildId ? { guild_id: message.guildId } : {}),
      },
      { guildId: message.guildId, intent: message.guildId ? Intents.GuildMessages : Intents.DirectMessages },
    );
  }

  /** @internal */
  reactionAdded(message: MessageRecord, userId: string, emoji: PartialEmoji): DispatchRecord[] {
    const guild = message.guildId ? this.state.guild(message.guildId) : undefined;
    const member = guild?.members.get(userId);
    const d: JsonObject = {
      user_id: userId,
      channel_id: message.channelId,
      message_id: message.id,
      ...(guild ? { guild_id: guild.id } : {}),
      ...(guild && member ? { member: this.state.memberJson(guild, member) } : {}),
      emoji: emojiJson(emoji),
      burst: false,
      burst_colors: [],
      type: 0,
      message_author_id: message.authorId,
    };
    return this.gateway.broadcast('MESSAGE_REACTION_ADD', d, {
      guildId: guild?.id ?? null,
      intent: guild ? Intents.GuildMessageReactions : Intents.DirectMessageReactions,
    });
  }

  /** @internal */
  reactionRemoved(message: MessageRecord, userId: string, emoji: PartialEmoji): DispatchRecord[] {
    const d: JsonObject = {
      user_id: userId,
      channel_id: message.channelId,
      message_id: message.id,
      ...(message.guildId ? { guild_id: message.guildId } : {}),
      emoji: emojiJson(emoji),
      burst: false,
      type: 0,
    };
    return this.gateway.broadcast('MESSAGE_REACTION_REMOVE', d, {
      guildId: message.guildId,
      intent: message.guildId ? Intents.GuildMessageReactions : Intents.DirectMessageReactions,
    });
  }

  /** @internal Remembers a modal the bot showed, so submitModal can mirror it. */
  rememberModal(data: JsonObject, sourceMessageId: string | undefined): void {
    if (typeof data.custom_id === 'string') this.modals.set(data.custom_id, { data, sourceMessageId });
  }

  /** @internal */
  attachmentBase(): string {
    return this.#attachmentBase();
  }

  // ---- private ------------------------------------------------------------------------

  #attachmentBase(): string {
    return `http://127.0.0.1:${this.#port}/attachments`;
  }

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

  #readyPayload(session: GatewaySession, resumeUrl: string): JsonObject {
    this.identifyCount += 1;
    const guilds = [...this.state.guilds.values()].filter((g) => session.covers(g.id));
    return {
      v: 10,
      user: {
        ...this.state.userJson(this.botUserId),
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
      resume_gateway_url: resumeUrl,
      shard: session.shard,
      application: { id: this.applicationId, flags: (1 << 15) | (1 << 19) | (1 << 23) },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['fake'],
      auth: {},
      _trace: ['["fake-discord-gateway",{"micros":0}]'],
    };
  }

  #guildCreates(session: GatewaySession): JsonObject[] {
    return [...this.state.guilds.values()]
      .filter((g) => session.covers(g.id))
      .map((g) => this.#guildCreate(g, session));
  }

  #guildCreate(guild: GuildRecord, session: GatewaySession): JsonObject {
    const allMembers = this.settings.memberListOnConnect === 'all' && session.hasIntent(Intents.GuildMembers);
    const members = [...guild.members.values()].filter((m) => allMembers || m.userId === this.botUserId);
    return {
      ...this.#guildJson(guild),
      joined_at: guild.members.get(this.botUserId)?.joinedAt.toISOString() ?? guild.createdAt.toISOString(),
      large: guild.members.size > 250,
      unavailable: false,
      member_count: guild.members.size,
      voice_states: [],
      members: members.map((m) => this.state.memberJson(guild, m)),
      channels: [...guild.channels].map((id) => this.state.channelJson(this.state.channels.get(id)!)),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      lazy: true,
    };
  }

  /** @internal The guild object as GET /guilds/{id} returns it. */
  guildJson(guild: GuildRecord): JsonObject {
    return this.#guildJson(guild);
  }

  #guildJson(guild: GuildRecord): JsonObject {
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
      roles: [...guild.roles.values()].map((r) => this.state.roleJson(r)),
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

  #requestGuildMembers(session: GatewaySession, request: JsonObject): void {
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
    this.memberRequests.push({ guildIds: guildIds.map(String), userIds: wanted ?? null });
    for (const raw of guildIds) {
      const guild = typeof raw === 'string' ? this.state.guild(raw) : undefined;
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
        members = this.state
          .sortedMembers(guild)
          .filter((m) => {
            const user = this.state.users.get(m.userId);
            return (
              query === '' ||
              (user?.username.toLowerCase().startsWith(query) ?? false) ||
              (m.nick?.toLowerCase().startsWith(query) ?? false)
            );
          })
          .slice(0, limit);
      }
      const chunks = Math.max(1, Math.ceil(members.length / 1000));
      for (let i = 0; i < chunks; i += 1) {
        this.gateway.dispatch(
          session,
          'GUILD_MEMBERS_CHUNK',
          {
            guild_id: guild.id,
            members: members.slice(i * 1000, (i + 1) * 1000).map((m) => this.state.memberJson(guild, m)),
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

  #context(input: CommonInput): { guild: GuildRecord; channel: ChannelRecord; member: MemberRecord } {
    const channel = this.state.requireChannel(input.channelId);
    const guildId = input.guildId ?? channel.guildId;
    if (!guildId) throw new Error('fake-discord: interactions in DMs are not supported; use a guild channel');
    if (channel.guildId !== guildId)
      throw new Error(`fake-discord: channel ${channel.id} is not in guild ${guildId}`);
    const guild = this.state.requireGuild(guildId);
    const member = this.state.requireMember(guildId, input.userId);
    return { guild, channel, member };
  }

  #findCommand(name: string, guildId: string, type: number): RegisteredCommand | undefined {
    const find = (list: RegisteredCommand[] | undefined): RegisteredCommand | undefined =>
      list?.find((c) => c.name === name && (c.type ?? 1) === type);
    return find(this.commands.get(guildId)) ?? find(this.commands.get('global'));
  }

  #command(input: SlashInput, interactionType: number, focused?: string): InteractionHandle {
    const { guild, channel, member } = this.#context(input);
    const command = this.#findCommand(input.command, guild.id, 1);
    const path = [input.command, input.subcommandGroup, input.subcommand].filter(Boolean).join(' ');
    let defs: JsonObject[] | undefined;
    if (command) {
      let level = (command.options as JsonObject[] | undefined) ?? [];
      const step = (name: string | undefined, type: number): void => {
        if (name === undefined) return;
        const next = level.find((o) => o.name === name && o.type === type);
        if (!next && !input.force) {
          throw new Error(
            `fake-discord: /${input.command} has no ${type === 2 ? 'subcommand group' : 'subcommand'} ${JSON.stringify(name)}`,
          );
        }
        level = (next?.options as JsonObject[] | undefined) ?? [];
      };
      step(input.subcommandGroup, OPTION_TYPE.SubcommandGroup);
      step(input.subcommand, OPTION_TYPE.Subcommand);
      defs = level;
      if (
        !input.force &&
        level.some((o) => o.type === OPTION_TYPE.Subcommand || o.type === OPTION_TYPE.SubcommandGroup)
      ) {
        throw new Error(
          `fake-discord: /${path} needs a subcommand (Discord never sends a bare command that has subcommands)`,
        );
      }
    }
    const resolved: JsonObject = {};
    const given = { ...(input.options ?? {}) };
    if (focused !== undefined && !(focused in given)) given[focused] = '';
    const leaf: JsonObject[] = [];
    for (const [name, value] of Object.entries(given)) {
      const def = defs?.find((o) => o.name === name);
      if (defs && !def && !input.force)
        throw new Error(`fake-discord: /${path} has no option ${JSON.stringify(name)}`);
      // Commands the bot never registered still arrive (a stale client); their options as strings.
      const type = typeof def?.type === 'number' ? def.type : OPTION_TYPE.String;
      if (name === focused) {
        leaf.push({ name, type, value: String(value), focused: true });
        continue;
      }
      leaf.push({
        name,
        type,
        value: this.#optionValue(guild, channel, name, type, value, resolved, input.force === true),
      });
    }
    if (defs && !input.force && interactionType === InteractionType.ApplicationCommand) {
      for (const def of defs) {
        if (def.required === true && !(String(def.name) in given)) {
          throw new Error(
            `fake-discord: /${path} requires option ${JSON.stringify(def.name)} (a Discord client would not send it without)`,
          );
        }
      }
    }
    let options: JsonObject[] = leaf;
    if (input.subcommand) options = [{ name: input.subcommand, type: OPTION_TYPE.Subcommand, options }];
    if (input.subcommandGroup)
      options = [{ name: input.subcommandGroup, type: OPTION_TYPE.SubcommandGroup, options }];
    const data: JsonObject = {
      id: command?.id ?? this.ids.next(),
      name: input.command,
      type: 1,
      ...(options.length > 0 ? { options } : {}),
      ...(Object.keys(resolved).length > 0 && interactionType === InteractionType.ApplicationCommand
        ? { resolved }
        : {}),
      ...(command && typeof command.guild_id === 'string' ? { guild_id: command.guild_id } : {}),
    };
    const kind: InteractionKind =
      interactionType === InteractionType.ApplicationCommand ? 'command' : 'autocomplete';
    return this.#deliver(
      kind,
      interactionType,
      data,
      guild,
      channel,
      member,
      input.locale,
      {},
      {
        commandName: input.command,
        commandType: 1,
        description: `${kind === 'autocomplete' ? `autocomplete of ${JSON.stringify(focused)} in ` : ''}/${path}`,
      },
    );
  }

  #optionValue(
    guild: GuildRecord,
    channel: ChannelRecord,
    name: string,
    type: number,
    value: OptionValue,
    resolved: JsonObject,
    force: boolean,
  ): OptionValue {
    const fail = (what: string): never => {
      throw new Error(`fake-discord: option ${JSON.stringify(name)} ${what}; got ${JSON.stringify(value)}`);
    };
    switch (type) {
      case OPTION_TYPE.String:
        return String(value);
      case OPTION_TYPE.Integer: {
        const n = typeof value === 'number' ? value : Number(value);
        if (!Number.isSafeInteger(n) && !force) fail('is an integer option');
        return n;
      }
      case OPTION_TYPE.Number: {
        const n = typeof value === 'number' ? value : Number(value);
        if (!Number.isFinite(n) && !force) fail('is a number option');
        return n;
      }
      case OPTION_TYPE.Boolean:
        return value === true || value === 'true';
      case OPTION_TYPE.User:
        this.#resolveUser(guild, channel, String(value), resolved);
        return String(value);
      case OPTION_TYPE.Role:
        this.#resolveRole(guild, String(value), resolved);
        return String(value);
      case OPTION_TYPE.Mentionable:
        if (guild.roles.has(String(value))) this.#resolveRole(guild, String(value), resolved);
        else this.#resolveUser(guild, channel, String(value), resolved);
        return String(value);
      case OPTION_TYPE.Channel: {
        const target = this.state.channels.get(String(value));
        if (!target) fail('is a channel option, but no such channel exists');
        const channels = (resolved.channels as JsonObject | undefined) ?? {};
        const json = this.state.channelJson(target!);
        channels[target!.id] = {
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
          permissions: this.state.channelPermissions(guild, this.botUserId, target).toString(),
        };
        resolved.channels = channels;
        return String(value);
      }
      default:
        return typeof value === 'boolean' ? String(value) : value;
    }
  }

  #resolveUser(guild: GuildRecord, channel: ChannelRecord, userId: string, resolved: JsonObject): void {
    if (!this.state.users.has(userId))
      throw new Error(`fake-discord: an option names unknown user ${userId}`);
    const users = (resolved.users as JsonObject | undefined) ?? {};
    users[userId] = this.state.userJson(userId);
    resolved.users = users;
    const member = guild.members.get(userId);
    if (member) {
      const members = (resolved.members as JsonObject | undefined) ?? {};
      const { deaf: _deaf, mute: _mute, ...rest } = this.state.memberJson(guild, member, false);
      members[userId] = {
        ...rest,
        permissions: this.state.channelPermissions(guild, userId, channel).toString(),
      };
      resolved.members = members;
    }
  }

  #resolveRole(guild: GuildRecord, roleId: string, resolved: JsonObject): void {
    const role = guild.roles.get(roleId);
    if (!role) throw new Error(`fake-discord: an option names unknown role ${roleId}`);
    const roles = (resolved.roles as JsonObject | undefined) ?? {};
    roles[roleId] = this.state.roleJson(role);
    resolved.roles = roles;
  }

  #component(input: ComponentInput, types: number[], values: string[] | undefined): InteractionHandle {
    const { guild, channel, member } = this.#context(input);
    const message = this.state.messages.get(input.messageId);
    if (!message || message.deleted || message.channelId !== channel.id) {
      throw new Error(
        `fake-discord: no message ${input.messageId} in channel ${channel.id} to interact with`,
      );
    }
    if (message.authorId !== this.botUserId && !input.force) {
      throw new Error(
        `fake-discord: message ${message.id} was not sent by the bot; its components cannot reach the bot`,
      );
    }
    if (message.ephemeralFor && message.ephemeralFor !== input.userId) {
      throw new Error(`fake-discord: message ${message.id} is ephemeral for another user`);
    }
    const component = findComponent(message.components, input.customId);
    if (!input.force) {
      if (!component || typeof component.type !== 'number' || !types.includes(component.type)) {
        const ids: string[] = [];
        const walk = (list: JsonObject[]): void => {
          for (const c of list) {
            if (typeof c.custom_id === 'string') ids.push(c.custom_id);
            walk((c.components as JsonObject[] | undefined) ?? []);
            if (c.accessory) walk([c.accessory as JsonObject]);
          }
        };
        walk(message.components);
        throw new Error(
          `fake-discord: message ${message.id} has no ${values ? 'select menu' : 'button'} with custom_id ${JSON.stringify(input.customId)} (it has: ${ids.join(', ') || 'no components'})`,
        );
      }
      if (component.disabled === true)
        throw new Error(`fake-discord: component ${JSON.stringify(input.customId)} is disabled`);
    }
    const componentType = typeof component?.type === 'number' ? component.type : values ? 3 : 2;
    const data: JsonObject = { custom_id: input.customId, component_type: componentType };
    if (typeof component?.id === 'number') data.id = component.id;
    if (values) {
      data.values = values;
      const resolved: JsonObject = {};
      for (const value of values) {
        if (componentType === 5 || (componentType === 7 && !guild.roles.has(value)))
          this.#resolveUser(guild, channel, value, resolved);
        else if (componentType === 6 || componentType === 7) this.#resolveRole(guild, value, resolved);
        else if (componentType === 8)
          this.#optionValue(guild, channel, 'values', OPTION_TYPE.Channel, value, resolved, false);
      }
      if (Object.keys(resolved).length > 0) data.resolved = resolved;
    }
    return this.#deliver(
      'component',
      InteractionType.MessageComponent,
      data,
      guild,
      channel,
      member,
      input.locale,
      { message: this.state.messageJson(message, this.botUserId, this.#attachmentBase()) },
      {
        messageId: message.id,
        description: `${values ? 'select' : 'button'} ${JSON.stringify(input.customId)} on message ${message.id}`,
      },
    );
  }

  #deliver(
    kind: InteractionKind,
    type: number,
    data: JsonObject,
    guild: GuildRecord,
    channel: ChannelRecord,
    member: MemberRecord,
    locale: string | undefined,
    extra: JsonObject,
    meta: { commandName?: string; commandType?: number; messageId?: string; description: string },
  ): InteractionHandle {
    if (this.#stopped) throw new Error('fake-discord is stopped');
    const id = this.ids.next();
    const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(48).toString('base64url')}`;
    const user = this.state.requireUser(member.userId);
    const payload: JsonObject = {
      id,
      application_id: this.applicationId,
      type,
      data,
      guild_id: guild.id,
      guild: { id: guild.id, locale: guild.preferredLocale, features: [] },
      channel_id: channel.id,
      channel: {
        ...this.state.channelJson(channel),
        permissions: this.state.channelPermissions(guild, member.userId, channel).toString(),
      },
      member: {
        ...this.state.memberJson(guild, member),
        permissions: this.state.channelPermissions(guild, member.userId, channel).toString(),
      },
      token,
      version: 1,
      locale: locale ?? user.locale,
      guild_locale: guild.preferredLocale,
      app_permissions: this.state.channelPermissions(guild, this.botUserId, channel).toString(),
      entitlements: [],
      authorizing_integration_owners: { '0': guild.id },
      context: 0,
      attachment_size_limit: 10 * 1024 * 1024,
      ...extra,
    };
    const handle = new InteractionHandle(id, token, kind, payload, Date.now(), meta.description, {
      view: (messageId) => this.message(messageId),
      diagnostics: (h) => this.#diagnostics(h),
    });
    const st: InteractionState = {
      handle,
      kind,
      guildId: guild.id,
      channelId: channel.id,
      userId: member.userId,
      ...(meta.commandName !== undefined ? { commandName: meta.commandName } : {}),
      ...(meta.commandType !== undefined ? { commandType: meta.commandType } : {}),
      ...(meta.messageId !== undefined ? { messageId: meta.messageId } : {}),
      dispatches: [],
    };
    this.interactions.set(id, st);
    this.interactionsByToken.set(token, st);
    st.dispatches = this.gateway.broadcast('INTERACTION_CREATE', payload, { guildId: guild.id });
    return handle;
  }

  #diagnostics(handle: InteractionHandle): string {
    const st = this.interactions.get(handle.id);
    const parts: string[] = [];
    const sent = st?.dispatches ?? [];
    parts.push(
      sent.length === 0
        ? 'No gateway session covered this guild when it was created, so the bot never received it.'
        : `Dispatched to ${sent.length} session(s), ${sent.filter((d) => d.delivered).length} connected.`,
    );
    if (handle.rejected.length > 0) {
      parts.push(
        `Refused responses: ${handle.rejected.map((r) => `${r.status} ${JSON.stringify(r.body)}`).join('; ')}.`,
      );
    }
    const errors = this.requests.filter((r) => r.time >= handle.createdAt && (r.status ?? 0) >= 400);
    if (errors.length > 0)
      parts.push(`REST errors since: ${errors.slice(-5).map(describeRequest).join('; ')}.`);
    if (this.unexpectedRequests.length > 0)
      parts.push(`Unexpected requests: ${this.unexpectedRequests.map(describeRequest).join('; ')}.`);
    return parts.join(' ');
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.touch();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readRaw(req);
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const reasonHeader = headers['x-audit-log-reason'];
    let reason: string | null = null;
    if (reasonHeader !== undefined) {
      try {
        reason = decodeURIComponent(reasonHeader);
      } catch {
        reason = reasonHeader;
      }
    }

    if (method === 'GET' && url.pathname.startsWith('/attachments/')) {
      const [, , , attachmentId] = url.pathname.split('/');
      for (const message of this.state.messages.values()) {
        const file = message.attachments.find((a) => a.id === attachmentId);
        if (file) {
          res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.size) });
          res.end(file.data);
          return;
        }
      }
    }

    const record: RecordedRequest = {
      method,
      path: url.pathname.replace(/^\/api\/v10(?=\/)/, ''),
      route: null,
      query: Object.fromEntries(url.searchParams.entries()),
      headers,
      body: undefined,
      files: [],
      time: Date.now(),
      auditLogReason: reason,
    };
    this.requests.push(record);
    const finish = (result: RestResult): void => {
      record.status = result.status;
      record.response = result.body;
      writeResult(res, result);
      this.requestsChanged.notify();
    };

    if (!url.pathname.startsWith('/api/v10/')) {
      this.unexpectedRequests.push(record);
      finish(
        apiError(404, 0, `404: Not Found (fake-discord serves /api/v10 only; got ${method} ${url.pathname})`),
      );
      return;
    }
    try {
      const parsed = await parseBody(raw, headers['content-type']);
      record.body = parsed.json;
      record.files = parsed.files;
    } catch {
      finish(apiError(400, 50109, 'The request body contains invalid JSON.'));
      return;
    }
    const match = this.#router.match(method, record.path);
    if (!match.route) {
      this.unexpectedRequests.push(record);
      finish(
        match.pathKnown
          ? apiError(405, 0, `405: Method Not Allowed (fake-discord has no ${method} for ${record.path})`)
          : apiError(404, 0, `404: Not Found (fake-discord has no route for ${method} ${record.path})`),
      );
      return;
    }
    const { route, params } = match;
    record.route = route.pattern;
    if (route.auth) {
      const auth = headers.authorization ?? '';
      const m = /^Bot\s+(.+)$/i.exec(auth);
      if (!m || !this.#acceptToken(m[1]!)) {
        finish(apiError(401, 0, '401: Unauthorized'));
        return;
      }
    }
    const run = (): RestResult | Promise<RestResult> =>
      route.handle({
        params,
        query: url.searchParams,
        body: record.body,
        files: record.files,
        headers,
        reason,
      });

    const fault = this.#faults.find((f) => f.matches(method, record.path));
    if (!fault) {
      finish(await run());
      return;
    }
    fault.take();
    record.fault = fault.spec;
    try {
      if (fault.spec.delayMs) await sleep(fault.spec.delayMs, this.#abort.signal);
    } catch {
      res.destroy();
      return;
    }
    const action = fault.spec.action ?? 'respond';
    if (fault.spec.status === undefined && action === 'respond') {
      finish(await run());
      return;
    }
    if (fault.spec.applyBeforeFailing) await run();
    if (action === 'hang') {
      this.#hung.add(res);
      res.on('close', () => this.#hung.delete(res));
      this.requestsChanged.notify();
      return;
    }
    if (action === 'destroy') {
      req.socket.destroy();
      this.requestsChanged.notify();
      return;
    }
    finish(fault.result(record.path));
  }
}

function describeRequest(r: RecordedRequest): string {
  const body = r.response === undefined ? '' : ` ${JSON.stringify(r.response).slice(0, 300)}`;
  return `${r.method} ${r.path} → ${r.status ?? 'pending'}${body}`;
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

function buildModalComponents(
  shown: JsonObject | undefined,
  fields: Record<string, string>,
  force: boolean,
): JsonObject[] {
  if (!shown) {
    return Object.entries(fields).map(([customId, value]) => ({
      type: 1,
      components: [{ type: 4, custom_id: customId, value }],
    }));
  }
  const remaining = new Set(Object.keys(fields));
  const input = (c: JsonObject): JsonObject => {
    const customId = String(c.custom_id);
    remaining.delete(customId);
    const value = fields[customId] ?? '';
    if (!force) {
      const length = [...value].length;
      if (c.required !== false && value === '')
        throw new Error(`submitModal: field ${JSON.stringify(customId)} is required by the modal`);
      if (value !== '' && typeof c.min_length === 'number' && length < c.min_length) {
        throw new Error(
          `submitModal: field ${JSON.stringify(customId)} is shorter than its min_length ${c.min_length}`,
        );
      }
      if (typeof c.max_length === 'number' && length > c.max_length) {
        throw new Error(
          `submitModal: field ${JSON.stringify(customId)} is longer than its max_length ${c.max_length}`,
        );
      }
    }
    return { type: 4, ...(typeof c.id === 'number' ? { id: c.id } : {}), custom_id: customId, value };
  };
  const components: JsonObject[] = [];
  for (const top of (shown.components as JsonObject[] | undefined) ?? []) {
    if (top.type === 1) {
      components.push({
        type: 1,
        ...(typeof top.id === 'number' ? { id: top.id } : {}),
        components: ((top.components as JsonObject[] | undefined) ?? [])
          .filter((c) => c.type === 4)
          .map(input),
      });
    } else if (top.type === 18 && (top.component as JsonObject | undefined)?.type === 4) {
      components.push({
        type: 18,
        ...(typeof top.id === 'number' ? { id: top.id } : {}),
        component: input(top.component as JsonObject),
      });
    } else if (top.type === 10) {
      components.push({ type: 10, ...(typeof top.id === 'number' ? { id: top.id } : {}) });
    }
  }
  if (remaining.size > 0 && !force) {
    throw new Error(
      `submitModal: the modal has no field(s) ${[...remaining].map((f) => JSON.stringify(f)).join(', ')}`,
    );
  }
  return components;
}
