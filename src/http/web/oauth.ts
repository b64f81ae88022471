/**
 * Discord's OAuth2 authorization-code flow, as the web login uses it (SPEC §8): the
 * authorize page on the API base's origin, the token exchange and the two user calls on
 * the API base, and revocation once the login has what it needs (the site keeps no
 * Discord token). `DISCORD_API_URL` points all of it at another Discord (the tests' fake).
 *
 * Linked Roles (SPEC §11) use the same client with their own scopes and redirect: the
 * exchange keeps the refresh token (`exchangeGrant`), and `roleConnectionApi` gives the
 * bot's pushes the member's role connection and the refresh of their tokens.
 */
import type {
  ApiFailure,
  ApiResult,
  RoleConnectionApi,
  TokenGrant,
} from '../../linked-roles/linked-roles.ts';
import type { RoleConnectionBody } from '../../linked-roles/metadata.ts';

export const LOGIN_SCOPES = ['identify', 'guilds'] as const;
/** The Linked Roles page (the Developer Portal's Linked Roles Verification URL) and its OAuth2 redirect. */
export const LINKED_ROLE_PATH = '/linked-role';
export const LINKED_ROLE_REDIRECT_PATH = '/linked-role/callback';

export interface OAuthClientOptions {
  /** The API base without the version, e.g. https://discord.com/api. */
  apiBase: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** What the authorize page asks for (default: the login's `identify guilds`). */
  scopes?: readonly string[];
  /** `none` skips Discord's consent screen when the member already agreed (the login); default `none`. */
  prompt?: 'none' | 'consent';
  /** Per call; Discord answers in well under a second. */
  timeoutMs?: number;
}

export interface OAuthUser {
  id: string;
  username: string;
  globalName: string | null;
  avatar: string | null;
}

export interface OAuthGuild {
  id: string;
  name: string;
}

/** Why a login could not complete, as Discord said it (`invalid_grant`, `invalid_client`, …). */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly code: string,
    readonly status: number,
    /** For a 429: how long Discord asked to wait, ms. */
    readonly retryAfterMs: number | null = null,
    /** For a 429: whether the limit is global (every route waits). */
    readonly global = false,
  ) {
    super(`Discord OAuth2 refused: ${code} (${status})`);
  }
}

export class OAuthClient {
  private readonly timeoutMs: number;

  constructor(private readonly o: OAuthClientOptions) {
    this.timeoutMs = o.timeoutMs ?? 5000;
  }

  /** Where the browser goes to log in; `state` comes back to the callback unchanged. */
  authorizeUrl(state: string): string {
    const url = new URL('/oauth2/authorize', new URL(this.o.apiBase).origin);
    url.search = new URLSearchParams({
      client_id: this.o.clientId,
      response_type: 'code',
      redirect_uri: this.o.redirectUri,
      scope: (this.o.scopes ?? LOGIN_SCOPES).join(' '),
      state,
      prompt: this.o.prompt ?? 'none',
    }).toString();
    return url.toString();
  }

  /** The code for an access token. Errors: OAuthError (a bad, used or foreign code; a wrong secret). */
  async exchange(code: string): Promise<string> {
    const body = await this.form('/oauth2/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.o.redirectUri,
    });
    const token = (body as { access_token?: unknown }).access_token;
    if (typeof token !== 'string' || token === '') throw new OAuthError('no_access_token', 502);
    return token;
  }

  /**
   * The code for the whole grant, refresh token and scopes included (Linked Roles keep
   * it). Errors: OAuthError, as `exchange`; `bad_grant` when Discord's answer lacks a part.
   */
  async exchangeGrant(code: string, now: number): Promise<TokenGrant> {
    const body = await this.form('/oauth2/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.o.redirectUri,
    });
    return grantOf(body, now);
  }

  /** A new grant for a refresh token (Discord rotates it: the old one stops working). Errors: OAuthError. */
  async refreshGrant(refreshToken: string, now: number): Promise<TokenGrant> {
    const body = await this.form('/oauth2/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    return grantOf(body, now);
  }

  /** PUT /users/@me/applications/{id}/role-connection with the member's token. Errors: OAuthError. */
  async putRoleConnection(token: string, body: RoleConnectionBody): Promise<void> {
    const res = await fetch(
      `${this.o.apiBase}/v10/users/@me/applications/${this.o.clientId}/role-connection`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      },
    );
    await answer(res);
  }

  async user(token: string): Promise<OAuthUser> {
    const u = (await this.get('/v10/users/@me', token)) as Record<string, unknown>;
    if (typeof u.id !== 'string' || !/^\d{15,25}$/.test(u.id) || typeof u.username !== 'string')
      throw new OAuthError('bad_user', 502);
    return {
      id: u.id,
      username: u.username,
      globalName: typeof u.global_name === 'string' ? u.global_name : null,
      avatar: typeof u.avatar === 'string' ? u.avatar : null,
    };
  }

  async guilds(token: string): Promise<OAuthGuild[]> {
    const list: unknown = await this.get('/v10/users/@me/guilds', token);
    if (!Array.isArray(list)) throw new OAuthError('bad_guilds', 502);
    return (list as unknown[])
      .filter(
        (g): g is { id: string; name: string } =>
          typeof (g as { id?: unknown } | null)?.id === 'string' &&
          typeof (g as { name?: unknown } | null)?.name === 'string',
      )
      .map((g) => ({ id: g.id, name: g.name }));
  }

  /** Best effort: the token is short-lived anyway, and the login has already succeeded. */
  async revoke(token: string): Promise<void> {
    await this.form('/oauth2/token/revoke', { token, token_type_hint: 'access_token' }).catch(
      () => undefined,
    );
  }

  private async form(path: string, fields: Record<string, string>): Promise<unknown> {
    const res = await fetch(this.o.apiBase + path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${this.o.clientId}:${this.o.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams(fields).toString(),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return answer(res);
  }

  private async get(path: string, token: string): Promise<unknown> {
    const res = await fetch(this.o.apiBase + path, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return answer(res);
  }
}

async function answer(res: Response): Promise<unknown> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const b = body as { error?: unknown; code?: unknown; retry_after?: unknown; global?: unknown } | null;
    const code =
      typeof b?.error === 'string'
        ? b.error.slice(0, 64)
        : typeof b?.code === 'number' && b.code !== 0
          ? `discord_${b.code}`
          : `http_${res.status}`;
    if (res.status === 429) {
      const seconds =
        typeof b?.retry_after === 'number' ? b.retry_after : Number(res.headers.get('retry-after') ?? '1');
      const global = b?.global === true || res.headers.get('x-ratelimit-scope') === 'global';
      throw new OAuthError(code, 429, Math.ceil((Number.isFinite(seconds) ? seconds : 1) * 1000), global);
    }
    throw new OAuthError(code, res.status);
  }
  return body;
}

/** Discord's token answer as a grant. Errors: OAuthError('bad_grant'). */
function grantOf(body: unknown, now: number): TokenGrant {
  const b = (body ?? {}) as Record<string, unknown>;
  const { access_token: access, refresh_token: refresh, expires_in: expiresIn, scope } = b;
  if (
    typeof access !== 'string' ||
    access === '' ||
    typeof refresh !== 'string' ||
    refresh === '' ||
    typeof expiresIn !== 'number' ||
    !Number.isFinite(expiresIn) ||
    typeof scope !== 'string'
  )
    throw new OAuthError('bad_grant', 502);
  return {
    accessToken: access,
    refreshToken: refresh,
    expiresAt: now + Math.max(0, Math.floor(expiresIn)) * 1000,
    scopes: scope.split(' ').filter(Boolean),
  };
}

/**
 * The port Linked Roles push through, over this client: Discord's answers sorted into
 * what the push decides on. A refused refresh (`invalid_grant`) means the member revoked
 * the app; a refused client (`invalid_client`, a wrong secret) is the operator's to fix
 * and never drops a member's connection.
 */
export function roleConnectionApi(client: OAuthClient, clock: () => number): RoleConnectionApi {
  const call = async <T>(run: () => Promise<T>, step: 'push' | 'refresh'): Promise<ApiResult<T>> => {
    try {
      return { ok: true, value: await run() };
    } catch (err) {
      return { ok: false, ...failureOf(err, step) };
    }
  };
  return {
    putRoleConnection: (token, body) => call(() => client.putRoleConnection(token, body), 'push'),
    refresh: (refreshToken) => call(() => client.refreshGrant(refreshToken, clock()), 'refresh'),
  };
}

function failureOf(err: unknown, step: 'push' | 'refresh'): ApiFailure {
  if (!(err instanceof OAuthError))
    return { kind: 'unavailable', detail: err instanceof Error ? err.name : 'network error' };
  if (err.status === 429)
    return { kind: 'rate_limited', retryAfterMs: err.retryAfterMs ?? 1000, global: err.global };
  if (err.status >= 500) return { kind: 'unavailable', detail: `${err.status} ${err.code}` };
  if (step === 'refresh' && err.code === 'invalid_grant') return { kind: 'revoked' };
  if (step === 'push' && err.status === 401) return { kind: 'unauthorized' };
  return { kind: 'rejected', status: err.status, detail: err.code };
}
