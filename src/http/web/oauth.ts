/**
 * Discord's OAuth2 authorization-code flow, as the web login uses it (SPEC §8): the
 * authorize page on the API base's origin, the token exchange and the two user calls on
 * the API base, and revocation once the login has what it needs (the site keeps no
 * Discord token). `DISCORD_API_URL` points all of it at another Discord (the tests' fake).
 */
export const LOGIN_SCOPES = ['identify', 'guilds'] as const;

export interface OAuthClientOptions {
  /** The API base without the version, e.g. https://discord.com/api. */
  apiBase: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
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
      scope: LOGIN_SCOPES.join(' '),
      state,
      prompt: 'none',
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
    const code = (body as { error?: unknown } | null)?.error;
    throw new OAuthError(typeof code === 'string' ? code.slice(0, 64) : `http_${res.status}`, res.status);
  }
  return body;
}
