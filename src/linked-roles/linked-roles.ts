import type { Clock } from '../core/clock.ts';
import { SparksError } from '../core/errors.ts';
import type { AppDb } from '../db/engine.ts';
import { roleConnectionStore } from '../db/pg/role-connection-store.ts';
import type {
  ConnectionKey,
  RoleConnectionRow,
  RoleConnectionStoreApi,
} from '../db/role-connection-store.ts';
import {
  bodyHash,
  connectionBody,
  metadataOf,
  type RoleConnectionBody,
  type RoleConnectionValues,
} from './metadata.ts';
import type { TokenSeal } from './token-seal.ts';
import './errors.ts';

/** The scope Discord requires to write a member's role connection. */
export const ROLE_CONNECTION_SCOPE = 'role_connections.write';
/** The scopes the Linked Roles page asks for (as Discord's Linked Roles flow does). */
export const LINKED_ROLE_SCOPES = [ROLE_CONNECTION_SCOPE, 'identify'] as const;
/** An access token this close to its expiry is refreshed before use. */
export const REFRESH_MARGIN_MS = 60_000;

/** Tokens from Discord's token endpoint (an authorization code, or a refresh). */
export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  /** ms since the epoch. */
  expiresAt: number;
  scopes: string[];
}

/** Why a call to Discord did not succeed, in the terms the push decides on. */
export type ApiFailure =
  /** 401: the access token no longer works. */
  | { kind: 'unauthorized' }
  /** The refresh token was refused (invalid_grant): the member removed the app. */
  | { kind: 'revoked' }
  | { kind: 'rate_limited'; retryAfterMs: number; global: boolean }
  /** 5xx, a timeout, the network: worth trying again later. */
  | { kind: 'unavailable'; detail: string }
  /** Any other refusal: the request itself is wrong, and trying again will not help. */
  | { kind: 'rejected'; status: number; detail: string };

export type ApiResult<T> = { ok: true; value: T } | ({ ok: false } & ApiFailure);

/**
 * The port to Discord a push goes through (the web's OAuth2 client implements it): the
 * member's role connection, and the refresh of their tokens.
 */
export interface RoleConnectionApi {
  putRoleConnection(accessToken: string, body: RoleConnectionBody): Promise<ApiResult<void>>;
  refresh(refreshToken: string): Promise<ApiResult<TokenGrant>>;
}

export type PushOutcome =
  | { status: 'pushed'; values: RoleConnectionValues }
  /** Discord already has these values. */
  | { status: 'unchanged' }
  | { status: 'not_connected' }
  /** The connection was deleted: the member revoked the app, or their tokens cannot be read. */
  | { status: 'dropped'; reason: 'revoked' | 'unauthorized' | 'unreadable' }
  /** Try again: after `afterMs` (Discord's Retry-After), or with backoff when null. */
  | { status: 'retry'; afterMs: number | null; global: boolean; error: string }
  /** Discord refused the values; recorded as the connection's last error. */
  | { status: 'failed'; error: string };

/** What a push ended as for whoever waits on it: `queued` when it carries on in the background. */
export type PushResult = PushOutcome | { status: 'queued' };

export interface ConnectInput {
  guildId: string;
  userId: string;
  /** The member's Discord name, shown as the connection's platform username. */
  username: string;
  grant: TokenGrant;
  /** When they joined the guild, when Discord says; else the first time Sparks saw them. */
  joinedAt: number | null;
}

/** A member's connection as the page shows it. */
export interface ConnectionView {
  guildId: string;
  values: RoleConnectionValues;
  /** Discord has the values shown (nothing is waiting to be pushed). */
  current: boolean;
  pushedAt: number | null;
  lastError: string | null;
}

const SNOWFLAKE = /^\d{15,25}$/;
/** Connections per page of the sweep. */
export const SWEEP_PAGE = 500;

/**
 * Linked Roles (SPEC §11): a member connects on the site (OAuth2 with
 * `role_connections.write`); the bot pushes their values — lifetime Sparks, tier, whether
 * they trade on the platform, how long they have been a member — to Discord whenever one
 * changes. This service owns the connections and decides each push: it computes the
 * values from the ledger, skips a push whose values Discord already has, refreshes an
 * access token that expired, drops a connection whose refresh Discord refuses (the
 * member revoked the app) and records what Discord accepted or why it did not. When to
 * push, and how fast, is the caller's (the bot's linked-roles plugin: queued, coalesced,
 * rate-limited, off every command's path).
 */
export class LinkedRoleService {
  readonly store: RoleConnectionStoreApi;
  private readonly db: AppDb;
  private readonly clock: Clock;
  private readonly seal: TokenSeal | null;
  private readonly connectedListeners = new Set<(key: ConnectionKey) => void>();
  private readonly droppedListeners = new Set<(userId: string) => void>();

  /** `seal` is null when the web is off: nobody can connect then. */
  constructor(deps: { db: AppDb; clock: Clock; seal: TokenSeal | null }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.seal = deps.seal;
    this.store = roleConnectionStore(deps.db);
  }

  /**
   * Stores a member's connection (replacing any earlier one: Discord keeps one per member
   * and application, so connecting from another server moves it there). Nothing is pushed
   * yet; the caller pushes. Errors: SPARKS.LINKED_ROLE_SCOPE (the grant lacks
   * role_connections.write), SPARKS.INVALID_INPUT { field } (ids, name or tokens malformed).
   */
  connect(input: ConnectInput): void {
    const seal = this.requireSeal();
    if (!input.grant.scopes.includes(ROLE_CONNECTION_SCOPE))
      throw new SparksError('SPARKS.LINKED_ROLE_SCOPE', { scope: ROLE_CONNECTION_SCOPE });
    if (!SNOWFLAKE.test(input.guildId)) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'guild' });
    if (!SNOWFLAKE.test(input.userId)) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'user' });
    const username = input.username.trim().slice(0, 100);
    if (!username) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'username' });
    const { accessToken, refreshToken, expiresAt } = input.grant;
    if (!accessToken || !refreshToken || !Number.isSafeInteger(expiresAt))
      throw new SparksError('SPARKS.INVALID_INPUT', { field: 'token' });
    const now = this.clock();
    this.db.write(() => {
      const firstSeen = this.store.facts(input.guildId, input.userId).firstSeen;
      this.store.put({
        userId: input.userId,
        guildId: input.guildId,
        username,
        accessToken: seal.seal(accessToken),
        refreshToken: seal.seal(refreshToken),
        expiresAt,
        scope: input.grant.scopes.join(' '),
        memberSince: input.joinedAt ?? firstSeen ?? now,
        connectedAt: now,
        updatedAt: now,
      });
    });
    for (const listener of this.connectedListeners)
      listener({ userId: input.userId, guildId: input.guildId });
  }

  /** Called after a member connects (the plugin starts watching them). */
  onConnected(listener: (key: ConnectionKey) => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  /** Called after a connection is deleted. */
  onDropped(listener: (userId: string) => void): () => void {
    this.droppedListeners.add(listener);
    return () => this.droppedListeners.delete(listener);
  }

  /** The member's values in a guild, from the ledger and the tiers as they stand now. */
  values(guildId: string, userId: string, memberSince: number): RoleConnectionValues {
    const facts = this.store.facts(guildId, userId);
    return {
      sparksLifetime: facts.lifetime,
      tier: facts.tier,
      verifiedTrader: facts.traded,
      memberSince,
    };
  }

  /** The member's connection and its values now, or null when they have none. */
  view(userId: string): ConnectionView | null {
    const row = this.store.get(userId);
    if (!row) return null;
    const values = this.values(row.guildId, userId, row.memberSince);
    return {
      guildId: row.guildId,
      values,
      current: row.pushedHash === bodyHash(connectionBody(row.username, values)),
      pushedAt: row.pushedAt,
      lastError: row.lastError,
    };
  }

  /** The guild the member's connection shows, or null without one (one primary-key read). */
  guildOf(userId: string): string | null {
    return this.store.get(userId)?.guildId ?? null;
  }

  /** Whether the member's values differ from what Discord was last given. */
  stale(userId: string): boolean {
    const view = this.view(userId);
    return view !== null && !view.current;
  }

  /** The guilds the member holds Sparks in, most lifetime earned first (where to connect from). */
  guildsOf(userId: string, limit = 25): string[] {
    return this.store.memberGuilds(userId, limit).map((g) => g.guildId);
  }

  /** Up to SWEEP_PAGE connections after `afterUserId`, by user id. */
  page(afterUserId: string): ConnectionKey[] {
    return this.store.page(afterUserId, SWEEP_PAGE);
  }

  /** Deletes the member's connection (Sparks forgets their tokens); false when there was none. */
  disconnect(userId: string): boolean {
    const removed = this.db.write(() => this.store.remove(userId));
    if (removed) for (const listener of this.droppedListeners) listener(userId);
    return removed;
  }

  /**
   * One attempt to give Discord the member's values: nothing when Discord already has
   * them (unless `force`); the access token refreshed first when it has expired, or once
   * when Discord refuses it; the connection dropped when the refresh is refused. The
   * caller serialises pushes of one member (a refresh token works once). Never throws for
   * what Discord answers: the outcome says what happened and what to do next.
   */
  async push(
    userId: string,
    api: RoleConnectionApi,
    options: { force?: boolean } = {},
  ): Promise<PushOutcome> {
    const row = this.store.get(userId);
    if (!row) return { status: 'not_connected' };
    const values = this.values(row.guildId, userId, row.memberSince);
    const body = connectionBody(row.username, values);
    const hash = bodyHash(body);
    if (!options.force && row.pushedHash === hash) return { status: 'unchanged' };
    const seal = this.requireSeal();
    const access = seal.open(row.accessToken);
    const refresh = seal.open(row.refreshToken);
    if (access === null || refresh === null) return this.drop(row, 'unreadable');
    let tokens = { access, refresh };
    let refreshed = false;
    const renew = async (): Promise<PushOutcome | null> => {
      const result = await api.refresh(tokens.refresh);
      refreshed = true;
      if (!result.ok) return this.failure(row, result, 'refresh');
      if (!this.same(row)) return { status: 'retry', afterMs: 0, global: false, error: 'reconnected' };
      const grant = result.value;
      this.db.write(() =>
        this.store.setTokens(
          userId,
          {
            accessToken: seal.seal(grant.accessToken),
            refreshToken: seal.seal(grant.refreshToken),
            expiresAt: grant.expiresAt,
            scope: grant.scopes.join(' '),
          },
          this.clock(),
        ),
      );
      tokens = { access: grant.accessToken, refresh: grant.refreshToken };
      return null;
    };
    if (row.expiresAt - REFRESH_MARGIN_MS <= this.clock()) {
      const stop = await renew();
      if (stop) return stop;
    }
    let put = await api.putRoleConnection(tokens.access, body);
    if (!put.ok && put.kind === 'unauthorized' && !refreshed) {
      const stop = await renew();
      if (stop) return stop;
      put = await api.putRoleConnection(tokens.access, body);
    }
    if (!put.ok) return this.failure(row, put, 'push');
    if (!this.same(row)) return { status: 'retry', afterMs: 0, global: false, error: 'reconnected' };
    this.db.write(() => this.store.setPushed(userId, JSON.stringify(metadataOf(values)), hash, this.clock()));
    return { status: 'pushed', values };
  }

  /** Whether the connection is still the one `row` was read from (not replaced or deleted meanwhile). */
  private same(row: RoleConnectionRow): boolean {
    return this.store.get(row.userId)?.connectedAt === row.connectedAt;
  }

  private failure(row: RoleConnectionRow, f: ApiFailure, step: 'refresh' | 'push'): PushOutcome {
    switch (f.kind) {
      case 'revoked':
        return this.drop(row, 'revoked');
      case 'unauthorized':
        // A fresh token refused too: the grant no longer stands.
        return this.drop(row, 'unauthorized');
      case 'rate_limited':
        return { status: 'retry', afterMs: f.retryAfterMs, global: f.global, error: `${step}: rate limited` };
      case 'unavailable':
        this.recordError(row, `${step}: ${f.detail}`);
        return { status: 'retry', afterMs: null, global: false, error: `${step}: ${f.detail}` };
      case 'rejected': {
        const error = `${step}: ${f.status} ${f.detail}`;
        this.recordError(row, error);
        return { status: 'failed', error };
      }
    }
  }

  private recordError(row: RoleConnectionRow, error: string): void {
    if (!this.same(row)) return;
    this.db.write(() => this.store.setError(row.userId, error, this.clock()));
  }

  private drop(row: RoleConnectionRow, reason: 'revoked' | 'unauthorized' | 'unreadable'): PushOutcome {
    if (this.same(row)) this.disconnect(row.userId);
    return { status: 'dropped', reason };
  }

  private requireSeal(): TokenSeal {
    if (!this.seal) throw new Error('Linked Roles need the web (SESSION_SECRET) to seal tokens');
    return this.seal;
  }
}
