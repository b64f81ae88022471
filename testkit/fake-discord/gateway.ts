import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { shardOf } from './snowflake.ts';
import type { JsonObject } from './state.ts';
import { Notifier } from './wait.ts';

/** Gateway intents (the bits a client sends in IDENTIFY). */
export const Intents = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildModeration: 1 << 2,
  GuildExpressions: 1 << 3,
  GuildIntegrations: 1 << 4,
  GuildWebhooks: 1 << 5,
  GuildInvites: 1 << 6,
  GuildVoiceStates: 1 << 7,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  GuildMessageTyping: 1 << 11,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
  DirectMessageTyping: 1 << 14,
  MessageContent: 1 << 15,
  GuildScheduledEvents: 1 << 16,
  AutoModerationConfiguration: 1 << 20,
  AutoModerationExecution: 1 << 21,
  GuildMessagePolls: 1 << 24,
  DirectMessagePolls: 1 << 25,
} as const;

const VALID_INTENTS = Object.values(Intents).reduce((all, bit) => all | bit, 0);
export const PRIVILEGED_INTENTS = Intents.GuildMembers | Intents.GuildPresences | Intents.MessageContent;

export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  RequestSoundboardSounds: 31,
} as const;

export const CloseCode = {
  UnknownError: 4000,
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  InvalidSeq: 4007,
  RateLimited: 4008,
  SessionTimedOut: 4009,
  InvalidShard: 4010,
  ShardingRequired: 4011,
  InvalidAPIVersion: 4012,
  InvalidIntents: 4013,
  DisallowedIntents: 4014,
} as const;

export interface DispatchPayload {
  op: 0;
  t: string;
  s: number;
  d: unknown;
}

/** One dispatched event, as sent to one session. */
export interface DispatchRecord {
  sessionId: string;
  shard: [number, number];
  seq: number;
  t: string;
  d: unknown;
  guildId: string | null;
  /** False when the session had no open socket; RESUME replays it. */
  delivered: boolean;
}

export interface GatewayLogEntry {
  at: number;
  kind:
    | 'connect'
    | 'identify'
    | 'ready'
    | 'resume'
    | 'resumed'
    | 'invalid_session'
    | 'reconnect_requested'
    | 'close'
    | 'heartbeat';
  sessionId?: string;
  shard?: [number, number];
  code?: number;
  detail?: string;
}

export class GatewaySession {
  readonly id = randomBytes(16).toString('hex');
  seq = 0;
  readonly log: DispatchPayload[] = [];
  socket: WebSocket | null = null;
  resumable = true;
  /** Invalidated sessions get no more events and cannot be resumed. */
  invalidated = false;

  constructor(
    readonly token: string,
    readonly intents: number,
    readonly shard: [number, number],
    readonly properties: unknown,
  ) {}

  covers(guildId: string): boolean {
    return shardOf(guildId, this.shard[1]) === this.shard[0];
  }

  hasIntent(intent: number): boolean {
    return (this.intents & intent) === intent;
  }
}

/** What the gateway needs from the rest of the fake to build READY and GUILD_CREATE. */
export interface GatewayHost {
  checkToken(token: string): boolean;
  readyPayload(session: GatewaySession, resumeUrl: string): JsonObject;
  guildCreatePayloads(session: GatewaySession): JsonObject[];
  requestGuildMembers(session: GatewaySession, request: JsonObject): void;
  touch(): void;
}

export interface GatewayOptions {
  heartbeatIntervalMs: number;
  /** Privileged intents the application may use; others close with 4014. Default: all. */
  allowedPrivilegedIntents: number;
  /** How many past dispatches a session keeps for RESUME. */
  replayBuffer: number;
}

interface Connection {
  socket: WebSocket;
  session: GatewaySession | null;
}

/**
 * The gateway: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME with replay of
 * missed dispatches, op 7 RECONNECT, op 9 INVALID_SESSION, shards and intents. JSON
 * encoding only (discord.js uses JSON unless zlib-sync is installed).
 */
export class Gateway {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #connections = new Set<Connection>();
  readonly #sessions = new Map<string, GatewaySession>();
  readonly log: GatewayLogEntry[] = [];
  readonly changed = new Notifier();
  ackHeartbeats = true;
  /** When set, the next RESUME is answered with INVALID_SESSION (d: false). */
  rejectNextResume = false;
  #url = '';

  constructor(
    private readonly host: GatewayHost,
    readonly options: GatewayOptions,
  ) {
    this.#wss.on('connection', (socket) => this.#onConnection(socket));
  }

  set url(value: string) {
    this.#url = value;
  }

  get url(): string {
    return this.#url;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
      if (query.get('v') && query.get('v') !== '10') {
        ws.close(CloseCode.InvalidAPIVersion, 'Invalid API version');
        return;
      }
      if (query.get('encoding') && query.get('encoding') !== 'json') {
        ws.close(CloseCode.DecodeError, 'fake-discord speaks JSON only');
        return;
      }
      if (query.get('compress')) {
        ws.close(CloseCode.DecodeError, 'fake-discord does not support transport compression');
        return;
      }
      this.#wss.emit('connection', ws, req);
    });
  }

  /** Sessions that still receive events. */
  liveSessions(): GatewaySession[] {
    return [...this.#sessions.values()].filter((s) => !s.invalidated);
  }

  connectedSessions(): GatewaySession[] {
    return this.liveSessions().filter((s) => s.socket?.readyState === WebSocket.OPEN);
  }

  /** Sends (or, while disconnected, buffers for RESUME) one dispatch to one session. */
  dispatch(session: GatewaySession, t: string, d: unknown, guildId: string | null = null): DispatchRecord {
    session.seq += 1;
    const payload: DispatchPayload = { op: Op.Dispatch, t, s: session.seq, d };
    session.log.push(payload);
    if (session.log.length > this.options.replayBuffer) session.log.shift();
    const delivered = this.#send(session.socket, payload);
    this.changed.notify();
    return { sessionId: session.id, shard: session.shard, seq: session.seq, t, d, guildId, delivered };
  }

  /**
   * Dispatches to every live session that should see the event: the guild's shard, and the
   * intent if one is required. `build` may tailor the payload per session.
   */
  broadcast(
    t: string,
    d: unknown,
    target: { guildId?: string | null; intent?: number; build?: (session: GatewaySession) => unknown } = {},
  ): DispatchRecord[] {
    const records: DispatchRecord[] = [];
    // The sessions as liveSessions() lists them, without two arrays per dispatch.
    for (const session of this.#sessions.values()) {
      if (session.invalidated) continue;
      if (target.guildId && !session.covers(target.guildId)) continue;
      if (target.intent !== undefined && !session.hasIntent(target.intent)) continue;
      records.push(
        this.dispatch(session, t, target.build ? target.build(session) : d, target.guildId ?? null),
      );
    }
    return records;
  }

  sessionById(id: string): GatewaySession | undefined {
    return this.#sessions.get(id);
  }

  /** Abruptly drops sockets (close code 1006 on the client: it RESUMEs), or closes with `code`. */
  drop(filter: SessionFilter = {}, code?: number): number {
    let count = 0;
    for (const connection of this.#connections) {
      const session = connection.session;
      if (!matches(session, filter)) continue;
      count += 1;
      if (code === undefined) this.#terminate(connection.socket);
      else connection.socket.close(code, 'fake-discord closed the connection');
    }
    return count;
  }

  /** Sends op 7 RECONNECT; the client closes and RESUMEs. */
  requestReconnect(filter: SessionFilter = {}): number {
    let count = 0;
    for (const connection of this.#connections) {
      if (!connection.session || !matches(connection.session, filter)) continue;
      this.#send(connection.socket, { op: Op.Reconnect, d: null });
      this.#record({
        kind: 'reconnect_requested',
        sessionId: connection.session.id,
        shard: connection.session.shard,
      });
      count += 1;
    }
    return count;
  }

  /** Sends op 9 INVALID_SESSION. With `resumable: false` the session is gone: the client re-IDENTIFYs. */
  invalidateSession(filter: SessionFilter = {}, resumable = false): number {
    let count = 0;
    for (const connection of this.#connections) {
      const session = connection.session;
      if (!session || !matches(session, filter)) continue;
      if (!resumable) {
        session.invalidated = true;
        session.resumable = false;
        session.socket = null;
        connection.session = null;
      }
      this.#send(connection.socket, { op: Op.InvalidSession, d: resumable });
      this.#record({
        kind: 'invalid_session',
        sessionId: session.id,
        shard: session.shard,
        detail: `d=${resumable}`,
      });
      count += 1;
    }
    return count;
  }

  waitForLog(
    predicate: (entry: GatewayLogEntry) => boolean,
    timeoutMs: number,
    what: string,
    since = 0,
  ): Promise<GatewayLogEntry> {
    return this.changed.waitFor(
      () => this.log.slice(since).find(predicate),
      timeoutMs,
      () =>
        `waiting for gateway ${what}; gateway log: ${this.log.map((e) => `${e.kind}${e.code ? `(${e.code})` : ''}`).join(', ') || 'empty'}`,
    );
  }

  async close(): Promise<void> {
    this.changed.close('fake-discord stopped');
    for (const connection of this.#connections) this.#terminate(connection.socket);
    this.#connections.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #record(entry: Omit<GatewayLogEntry, 'at'>): void {
    this.log.push({ at: Date.now(), ...entry });
    this.changed.notify();
  }

  #send(socket: WebSocket | null, payload: unknown): boolean {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    this.#cork(socket);
    socket.send(JSON.stringify(payload));
    return true;
  }

  /**
   * The TCP sockets #send corked in this tick. Frames sent together (a burst of dispatches
   * from one loop) leave in one write when the tick ends instead of one system call each, as
   * a real gateway packs them into segments: with a write per frame the fake spent a core on
   * system calls during the bench's bursts, and measured itself rather than the bot.
   */
  readonly #corked = new Set<Duplex>();

  #cork(socket: WebSocket): void {
    const raw = (socket as unknown as { _socket?: Duplex })._socket;
    if (!raw || this.#corked.has(raw)) return;
    raw.cork();
    this.#corked.add(raw);
    process.nextTick(() => this.#uncork(raw));
  }

  #uncork(raw: Duplex): void {
    if (this.#corked.delete(raw)) raw.uncork();
  }

  /** Drops a socket; what was sent to it before goes out first, as it did before corking. */
  #terminate(socket: WebSocket): void {
    const raw = (socket as unknown as { _socket?: Duplex })._socket;
    if (raw) this.#uncork(raw);
    socket.terminate();
  }

  #onConnection(socket: WebSocket): void {
    const connection: Connection = { socket, session: null };
    this.#connections.add(connection);
    this.#record({ kind: 'connect' });
    this.host.touch();
    socket.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(connection, data, isBinary));
    socket.on('close', (code: number) => {
      this.#connections.delete(connection);
      const session = connection.session;
      if (session && session.socket === socket) {
        session.socket = null;
        // A client closing with 1000/1001 ends its session; anything else may RESUME.
        if (code === 1000 || code === 1001) session.resumable = false;
      }
      this.#record({ kind: 'close', sessionId: session?.id, shard: session?.shard, code });
    });
    socket.on('error', () => undefined);
    this.#send(socket, {
      op: Op.Hello,
      d: { heartbeat_interval: this.options.heartbeatIntervalMs, _trace: ['["fake-discord",{}]'] },
    });
  }

  #onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    this.host.touch();
    const { socket } = connection;
    let payload: { op?: unknown; d?: unknown };
    try {
      if (isBinary) throw new Error('binary');
      payload = JSON.parse(rawToString(data)) as { op?: unknown; d?: unknown };
    } catch {
      socket.close(CloseCode.DecodeError, 'Error while decoding payload.');
      return;
    }
    const d = (typeof payload.d === 'object' && payload.d !== null ? payload.d : {}) as JsonObject;
    switch (payload.op) {
      case Op.Heartbeat:
        this.#record({ kind: 'heartbeat', sessionId: connection.session?.id });
        if (this.ackHeartbeats) this.#send(socket, { op: Op.HeartbeatAck });
        return;
      case Op.Identify:
        this.#identify(connection, d);
        return;
      case Op.Resume:
        this.#resume(connection, d);
        return;
      case Op.RequestGuildMembers:
        if (!connection.session) {
          socket.close(CloseCode.NotAuthenticated, 'Not authenticated.');
          return;
        }
        this.host.requestGuildMembers(connection.session, d);
        return;
      case Op.PresenceUpdate:
      case Op.VoiceStateUpdate:
      case Op.RequestSoundboardSounds:
        if (!connection.session) socket.close(CloseCode.NotAuthenticated, 'Not authenticated.');
        return;
      default:
        socket.close(CloseCode.UnknownOpcode, 'Unknown opcode.');
    }
  }

  #identify(connection: Connection, d: JsonObject): void {
    const { socket } = connection;
    if (connection.session) {
      socket.close(CloseCode.AlreadyAuthenticated, 'Already authenticated.');
      return;
    }
    const token = typeof d.token === 'string' ? d.token.replace(/^Bot\s+/i, '') : '';
    if (!this.host.checkToken(token)) {
      this.#record({ kind: 'identify', detail: 'bad token' });
      socket.close(CloseCode.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    const intents = d.intents;
    if (typeof intents !== 'number' || !Number.isInteger(intents) || (intents & ~VALID_INTENTS) !== 0) {
      socket.close(CloseCode.InvalidIntents, 'Invalid intent(s).');
      return;
    }
    if ((intents & PRIVILEGED_INTENTS & ~this.options.allowedPrivilegedIntents) !== 0) {
      socket.close(CloseCode.DisallowedIntents, 'Disallowed intent(s).');
      return;
    }
    const rawShard = Array.isArray(d.shard) ? (d.shard as unknown[]) : [0, 1];
    const shard: [number, number] = [Number(rawShard[0]), Number(rawShard[1])];
    if (
      !Number.isInteger(shard[0]) ||
      !Number.isInteger(shard[1]) ||
      shard[1] < 1 ||
      shard[0] < 0 ||
      shard[0] >= shard[1]
    ) {
      socket.close(CloseCode.InvalidShard, 'Invalid shard.');
      return;
    }
    const session = new GatewaySession(token, intents, shard, d.properties);
    this.#sessions.set(session.id, session);
    connection.session = session;
    session.socket = socket;
    this.#record({ kind: 'identify', sessionId: session.id, shard });
    this.dispatch(session, 'READY', this.host.readyPayload(session, this.#url));
    this.#record({ kind: 'ready', sessionId: session.id, shard });
    if (session.hasIntent(Intents.Guilds)) {
      for (const guild of this.host.guildCreatePayloads(session)) {
        this.dispatch(session, 'GUILD_CREATE', guild, typeof guild.id === 'string' ? guild.id : null);
      }
    }
  }

  #resume(connection: Connection, d: JsonObject): void {
    const { socket } = connection;
    const token = typeof d.token === 'string' ? d.token.replace(/^Bot\s+/i, '') : '';
    const session = typeof d.session_id === 'string' ? this.#sessions.get(d.session_id) : undefined;
    const seq = typeof d.seq === 'number' ? d.seq : 0;
    this.#record({ kind: 'resume', sessionId: session?.id, shard: session?.shard, detail: `seq=${seq}` });
    if (!this.host.checkToken(token)) {
      socket.close(CloseCode.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    const oldest = session?.log[0]?.s ?? 1;
    if (
      !session ||
      !session.resumable ||
      session.invalidated ||
      this.rejectNextResume ||
      session.token !== token ||
      seq > session.seq ||
      seq + 1 < oldest
    ) {
      this.rejectNextResume = false;
      if (session) {
        session.invalidated = true;
        session.resumable = false;
      }
      this.#send(socket, { op: Op.InvalidSession, d: false });
      this.#record({ kind: 'invalid_session', sessionId: session?.id, detail: 'resume refused' });
      return;
    }
    // A session lives on one socket: a RESUME takes it over from a zombied one.
    if (session.socket && session.socket !== socket) this.#terminate(session.socket);
    for (const other of this.#connections) {
      if (other !== connection && other.session === session) other.session = null;
    }
    connection.session = session;
    session.socket = socket;
    for (const missed of session.log) {
      if (missed.s > seq && missed.t !== 'READY' && missed.t !== 'RESUMED') this.#send(socket, missed);
    }
    this.dispatch(session, 'RESUMED', { _trace: ['["fake-discord",{}]'] });
    this.#record({
      kind: 'resumed',
      sessionId: session.id,
      shard: session.shard,
      detail: `replayed after seq ${seq}`,
    });
  }
}

export interface SessionFilter {
  sessionId?: string;
  shardId?: number;
}

function matches(session: GatewaySession | null, filter: SessionFilter): boolean {
  if (filter.sessionId !== undefined && session?.id !== filter.sessionId) return false;
  if (filter.shardId !== undefined && session?.shard[0] !== filter.shardId) return false;
  return true;
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
