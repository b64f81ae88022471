/**
 * The login session: a small JSON record in an HMAC-signed cookie (`@fastify/cookie`
 * signing with SESSION_SECRET), `HttpOnly`, `SameSite=Lax`, `Secure` under https. It holds
 * who the visitor is and when the session ends — no Discord token, no secret. A tampered,
 * malformed or expired cookie reads as no session (and is cleared).
 */
import { z } from 'zod';

export const SESSION_COOKIE = 'sparks_session';
export const STATE_COOKIE = 'sparks_oauth';
/** The Linked Roles flow's own state cookie, so a login in another tab does not clobber it. */
export const LINKED_STATE_COOKIE = 'sparks_linked_role';
/** After a connection: who connected, for the page that shows it (signed, short-lived). */
export const LINKED_DONE_COOKIE = 'sparks_linked';
export const LANG_COOKIE = 'sparks_lang';
export const SESSION_TTL_MS = 7 * 86_400_000;
export const STATE_TTL_MS = 10 * 60_000;

const snowflake = z.string().regex(/^\d{15,25}$/);

const sessionSchema = z.object({
  /** The Discord user id. */
  u: snowflake,
  /** Display name at login. */
  n: z.string().min(1).max(64),
  /** Avatar hash, or null. */
  a: z.string().max(64).nullable(),
  /** Servers the visitor shares with the bot, at login (the home page lists them). */
  g: z.array(snowflake).max(100),
  /** Expiry, ms since the epoch. */
  e: z.number().int().positive(),
});
export type SessionData = z.infer<typeof sessionSchema>;

export interface Session {
  userId: string;
  name: string;
  avatar: string | null;
  guildIds: string[];
  expiresAt: number;
}

export function encodeSession(s: Session): string {
  const data: SessionData = { u: s.userId, n: s.name, a: s.avatar, g: s.guildIds, e: s.expiresAt };
  return Buffer.from(JSON.stringify(data)).toString('base64url');
}

/** The session in a (signature-checked) cookie value, or null if malformed or expired. */
export function decodeSession(value: string, now: number): Session | null {
  const data = parseJson(value, sessionSchema);
  if (!data || data.e <= now) return null;
  return { userId: data.u, name: data.n, avatar: data.a, guildIds: data.g, expiresAt: data.e };
}

const stateSchema = z.object({
  /** The random state sent to Discord. */
  s: z.string().regex(/^[A-Za-z0-9_-]{32,64}$/),
  /** Where to go after login (already checked to stay on this site). */
  n: z.string().max(512),
  e: z.number().int().positive(),
  /** Linked Roles: the server the member connects from, when the page was opened from one. */
  g: snowflake.optional(),
});

export interface LoginState {
  state: string;
  next: string;
  expiresAt: number;
  guildId?: string;
}

export function encodeState(s: LoginState): string {
  const data = { s: s.state, n: s.next, e: s.expiresAt, ...(s.guildId ? { g: s.guildId } : {}) };
  return Buffer.from(JSON.stringify(data)).toString('base64url');
}

export function decodeState(value: string, now: number): LoginState | null {
  const data = parseJson(value, stateSchema);
  if (!data || data.e <= now) return null;
  return { state: data.s, next: safeNext(data.n), expiresAt: data.e, ...(data.g ? { guildId: data.g } : {}) };
}

/**
 * A `next` that can only point inside the site: a path starting with one `/` (not `//`,
 * not `/\`), no scheme, no control characters; anything else becomes `/`.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 512) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  try {
    const url = new URL(next, 'http://sparks.invalid');
    if (url.origin !== 'http://sparks.invalid') return '/';
    return url.pathname + url.search;
  } catch {
    return '/';
  }
}

function parseJson<T>(value: string, schema: z.ZodType<T>): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
