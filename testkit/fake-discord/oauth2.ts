/**
 * Discord's OAuth2, as the fake serves it (the web login's other side): an authorize page
 * on the origin — where a test, or a person running the demo, picks which fake user logs
 * in —, the token exchange and revocation under /api, and the two Bearer calls a login
 * makes (`/users/@me`, `/users/@me/guilds` with the member's permissions). Refusals take
 * Discord's shapes: `invalid_client` (401) for a wrong secret, `invalid_grant` (400) for a
 * bad, used, expired or foreign code or a redirect that does not match, an HTML error page
 * for an unknown client or an unregistered redirect on the authorize page.
 *
 * Refresh tokens (`grant_type=refresh_token`) work once: each refresh returns a new pair.
 * A test can expire a member's access tokens (`expireAccessTokens`) or play the member
 * removing the app from their Discord settings (`deauthorize`): every token and refresh
 * token of that grant stops working, and a refresh answers `invalid_grant`.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { DiscordState } from './state.ts';

export interface OAuth2Application {
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs the authorize page and the token exchange accept. */
  redirectUris: string[];
}

interface CodeRecord {
  clientId: string;
  redirectUri: string;
  userId: string;
  scopes: string[];
  expiresAt: number;
  used: boolean;
}

/** What an access token stands for (the Bearer routes read it with `bearer`). */
export interface TokenRecord {
  clientId: string;
  userId: string;
  scopes: string[];
  expiresAt: number;
  revoked: boolean;
}

interface RefreshRecord {
  clientId: string;
  userId: string;
  scopes: string[];
  used: boolean;
}

/** Discord's answer to a token exchange or refresh. */
export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

const CODE_TTL_MS = 10 * 60_000;
const TOKEN_TTL_S = 7 * 86_400;
const KNOWN_SCOPES = new Set([
  'identify',
  'guilds',
  'email',
  'role_connections.write',
  'guilds.members.read',
]);

export class FakeOAuth2 {
  readonly applications = new Map<string, OAuth2Application>();
  readonly #codes = new Map<string, CodeRecord>();
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #refreshTokens = new Map<string, RefreshRecord>();
  /** Every token exchange, refresh and revocation, for tests to assert on. */
  readonly log: { kind: 'token' | 'refresh' | 'revoke'; status: number; error?: string }[] = [];
  /** How long a new access token lasts, seconds (`expires_in`; default 7 days, like Discord). */
  accessTokenTtlS = TOKEN_TTL_S;

  constructor(private readonly state: DiscordState) {}

  /** Registers (or replaces) an application the authorize page and token endpoint know. */
  register(app: OAuth2Application): void {
    this.applications.set(app.clientId, { ...app, redirectUris: [...app.redirectUris] });
  }

  /** Tokens currently valid (not revoked, not expired). */
  get liveTokens(): number {
    const now = Date.now();
    return [...this.#tokens.values()].filter((t) => !t.revoked && t.expiresAt > now).length;
  }

  /** The valid access token's record, or null (unknown, revoked or expired): for Bearer routes. */
  bearer(authorization: string | undefined): TokenRecord | null {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const record = token === undefined ? undefined : this.#tokens.get(token);
    return record && !record.revoked && record.expiresAt > Date.now() ? record : null;
  }

  /**
   * Issues tokens as an authorization would, without the browser (a test that needs a
   * connected member but not the page). The application must be registered.
   */
  issue(clientId: string, userId: string, scopes: string[]): TokenAnswer {
    if (!this.applications.has(clientId)) throw new Error(`fake-discord: unknown OAuth2 client ${clientId}`);
    return this.#mint(clientId, userId, scopes);
  }

  /** Makes the user's access tokens expire now (their refresh tokens keep working). */
  expireAccessTokens(userId: string): void {
    for (const t of this.#tokens.values()) if (t.userId === userId) t.expiresAt = Date.now() - 1;
  }

  /** The user removes the app in Discord: every token and refresh token of theirs stops working. */
  deauthorize(userId: string): void {
    for (const t of this.#tokens.values()) if (t.userId === userId) t.revoked = true;
    for (const r of this.#refreshTokens.values()) if (r.userId === userId) r.used = true;
  }

  /**
   * Handles an OAuth2 request; false when the request is not one (the REST router takes it).
   * `body` is the raw request body.
   */
  handle(
    method: string,
    url: URL,
    headers: Record<string, string | undefined>,
    body: Buffer,
    res: ServerResponse,
  ): boolean {
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/oauth2/authorize') {
      if (method === 'GET') this.#authorizePage(url.searchParams, res);
      else if (method === 'POST') this.#authorizeDecision(new URLSearchParams(body.toString('utf8')), res);
      else json(res, 405, { message: '405: Method Not Allowed', code: 0 });
      return true;
    }
    const api = /^\/api(?:\/v\d+)?(\/.*)$/.exec(path)?.[1];
    if (api === '/oauth2/token' && method === 'POST') {
      this.#token(headers, new URLSearchParams(body.toString('utf8')), res);
      return true;
    }
    if (api === '/oauth2/token/revoke' && method === 'POST') {
      this.#revoke(headers, new URLSearchParams(body.toString('utf8')), res);
      return true;
    }
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (bearer === undefined || (api !== '/users/@me' && api !== '/users/@me/guilds')) return false;
    const token = this.#tokens.get(bearer);
    if (!token || token.revoked || token.expiresAt <= Date.now()) {
      json(res, 401, { message: '401: Unauthorized', code: 0 });
      return true;
    }
    const user = this.state.users.get(token.userId);
    if (!user) {
      json(res, 401, { message: '401: Unauthorized', code: 0 });
      return true;
    }
    if (api === '/users/@me') {
      json(res, 200, {
        id: user.id,
        username: user.username,
        global_name: user.globalName,
        discriminator: '0',
        avatar: null,
        bot: false,
        locale: user.locale,
      });
      return true;
    }
    if (!token.scopes.includes('guilds')) {
      json(res, 403, { message: 'Missing Access', code: 50001 });
      return true;
    }
    const guilds = [...this.state.guilds.values()]
      .filter((g) => g.members.has(user.id))
      .map((g) => ({
        id: g.id,
        name: g.name,
        icon: null,
        owner: g.ownerId === user.id,
        permissions: String(this.state.basePermissions(g, user.id)),
        features: [],
      }));
    json(res, 200, guilds);
    return true;
  }

  #authorizePage(q: URLSearchParams, res: ServerResponse): void {
    const app = this.applications.get(q.get('client_id') ?? '');
    if (!app) return page(res, 400, 'Unknown application', '<p>Invalid <code>client_id</code>.</p>');
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!app.redirectUris.includes(redirectUri))
      return page(
        res,
        400,
        'Invalid OAuth2 redirect_uri',
        '<p>Invalid OAuth2 <code>redirect_uri</code>.</p>',
      );
    if (q.get('response_type') !== 'code')
      return page(res, 400, 'Unsupported response type', '<p>Only <code>response_type=code</code>.</p>');
    const scopes = (q.get('scope') ?? '').split(/[ +]/).filter(Boolean);
    if (scopes.length === 0 || scopes.some((s) => !KNOWN_SCOPES.has(s)))
      return page(res, 400, 'Invalid scope', '<p>Invalid <code>scope</code>.</p>');
    const hidden = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state']
      .map((k) => `<input type="hidden" name="${k}" value="${esc(q.get(k) ?? '')}">`)
      .join('');
    const users = [...this.state.users.values()].filter((u) => !u.bot);
    const buttons = users
      .map(
        (u) =>
          `<li><button type="submit" name="user_id" value="${esc(u.id)}">Log in as ${esc(u.globalName ?? u.username)}</button></li>`,
      )
      .join('');
    page(
      res,
      200,
      'Authorize (fake Discord)',
      `<p>An application wants to access your account (${esc(scopes.join(', '))}). Pick who you are:</p>
<form method="post" action="/oauth2/authorize">${hidden}<ul>${buttons}</ul>
<button type="submit" name="decision" value="cancel">Cancel</button></form>`,
    );
  }

  #authorizeDecision(form: URLSearchParams, res: ServerResponse): void {
    const app = this.applications.get(form.get('client_id') ?? '');
    const redirectUri = form.get('redirect_uri') ?? '';
    if (!app || !app.redirectUris.includes(redirectUri))
      return page(res, 400, 'Invalid OAuth2 request', '<p>Unknown application or redirect.</p>');
    const target = new URL(redirectUri);
    const state = form.get('state');
    if (state !== null) target.searchParams.set('state', state);
    const userId = form.get('user_id');
    if (form.get('decision') === 'cancel' || !userId || !this.state.users.has(userId)) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set(
        'error_description',
        'The resource owner or authorization server denied the request',
      );
    } else {
      const code = randomBytes(15).toString('base64url');
      this.#codes.set(code, {
        clientId: app.clientId,
        redirectUri,
        userId,
        scopes: (form.get('scope') ?? '').split(/[ +]/).filter(Boolean),
        expiresAt: Date.now() + CODE_TTL_MS,
        used: false,
      });
      target.searchParams.set('code', code);
    }
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  #client(headers: Record<string, string | undefined>, form: URLSearchParams): OAuth2Application | null {
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const at = decoded.indexOf(':');
      id = decodeURIComponent(decoded.slice(0, at));
      secret = decodeURIComponent(decoded.slice(at + 1));
    }
    const app = this.applications.get(id ?? '');
    return app && secret !== null && app.clientSecret === secret ? app : null;
  }

  #token(headers: Record<string, string | undefined>, form: URLSearchParams, res: ServerResponse): void {
    const fail = (status: number, error: string, description: string) => {
      this.log.push({ kind: 'token', status, error });
      json(res, status, { error, error_description: description });
    };
    const app = this.#client(headers, form);
    if (!app) return fail(401, 'invalid_client', 'Invalid client');
    if (form.get('grant_type') === 'refresh_token') return this.#refresh(app, form, res);
    if (form.get('grant_type') !== 'authorization_code')
      return fail(400, 'unsupported_grant_type', 'Unsupported grant type');
    const code = this.#codes.get(form.get('code') ?? '');
    if (!code || code.used || code.expiresAt <= Date.now() || code.clientId !== app.clientId)
      return fail(400, 'invalid_grant', 'Invalid "code" in request.');
    if (form.get('redirect_uri') !== code.redirectUri)
      return fail(400, 'invalid_grant', 'Invalid "redirect_uri" in request.');
    code.used = true;
    this.log.push({ kind: 'token', status: 200 });
    json(res, 200, this.#mint(app.clientId, code.userId, code.scopes));
  }

  #refresh(app: OAuth2Application, form: URLSearchParams, res: ServerResponse): void {
    const record = this.#refreshTokens.get(form.get('refresh_token') ?? '');
    if (!record || record.used || record.clientId !== app.clientId) {
      this.log.push({ kind: 'refresh', status: 400, error: 'invalid_grant' });
      return json(res, 400, {
        error: 'invalid_grant',
        error_description: 'Invalid "refresh_token" in request.',
      });
    }
    record.used = true;
    this.log.push({ kind: 'refresh', status: 200 });
    json(res, 200, this.#mint(app.clientId, record.userId, record.scopes));
  }

  #mint(clientId: string, userId: string, scopes: string[]): TokenAnswer {
    const accessToken = randomBytes(20).toString('base64url');
    const refreshToken = randomBytes(20).toString('base64url');
    this.#tokens.set(accessToken, {
      clientId,
      userId,
      scopes,
      expiresAt: Date.now() + this.accessTokenTtlS * 1000,
      revoked: false,
    });
    this.#refreshTokens.set(refreshToken, { clientId, userId, scopes, used: false });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.accessTokenTtlS,
      refresh_token: refreshToken,
      scope: scopes.join(' '),
    };
  }

  #revoke(headers: Record<string, string | undefined>, form: URLSearchParams, res: ServerResponse): void {
    const app = this.#client(headers, form);
    if (!app) {
      this.log.push({ kind: 'revoke', status: 401, error: 'invalid_client' });
      return json(res, 401, { error: 'invalid_client', error_description: 'Invalid client' });
    }
    const token = this.#tokens.get(form.get('token') ?? '');
    if (token && token.clientId === app.clientId) token.revoked = true;
    this.log.push({ kind: 'revoke', status: 200 });
    json(res, 200, {});
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function page(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`,
  );
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
