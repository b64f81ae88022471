/**
 * What a page module gets to register its routes (src/http/web/pages/*.ts): the fastify
 * scope of the web, the services, the guards, the CSRF check and the form rate limit. A
 * page area is one module with one `register…(site)` function, listed in index.ts.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Guards } from './guards.ts';
import type { Html } from './html.ts';
import type { WebDeps } from './index.ts';
import { decodeState, type LoginState } from './session.ts';

/** The attributes every cookie of the site carries (`Secure` under https). */
export interface CookieBase {
  path: '/';
  httpOnly: true;
  sameSite: 'lax';
  secure: boolean;
}

export interface Site {
  app: FastifyInstance;
  deps: WebDeps;
  guards: Guards;
  /** preHandler for every form that changes something (checked once the body is parsed). */
  csrfCheck: (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;
  /** Route options that rate-limit a form post. */
  formLimit: { config: { rateLimit: { max: number; timeWindow: string } } };
  /** Route options that rate-limit an OAuth2 start or callback. */
  authLimit: { config: { rateLimit: { max: number; timeWindow: string } } };
  cookieBase: CookieBase;
}

/**
 * An OAuth2 callback's state check (CSRF): the signed state cookie `name` must be there,
 * unexpired, and carry the very `state` Discord sent back. The cookie is cleared either
 * way (a state works once). Returns the saved state, or null when the check fails.
 */
export function takeState(
  request: FastifyRequest,
  reply: FastifyReply,
  o: { name: string; now: number; cookieBase: CookieBase },
): LoginState | null {
  const q = request.query as Record<string, unknown>;
  const raw = request.cookies[o.name];
  const unsigned = raw ? request.unsignCookie(raw) : null;
  const saved = unsigned?.valid && unsigned.value ? decodeState(unsigned.value, o.now) : null;
  void reply.clearCookie(o.name, o.cookieBase);
  if (!saved || typeof q.state !== 'string' || !sameText(saved.state, q.state)) return null;
  return saved;
}

/** A string compared in constant time. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Sends a rendered page; never cached (pages show a member's own Sparks). */
export function sendPage(reply: FastifyReply, status: number, body: Html): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(body.value);
}
