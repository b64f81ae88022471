/**
 * What a page module gets to register its routes (src/http/web/pages/*.ts): the fastify
 * scope of the web, the services, the guards, the CSRF check and the form rate limit. A
 * page area is one module with one `register…(site)` function, listed in index.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Guards } from './guards.ts';
import type { Html } from './html.ts';
import type { WebDeps } from './index.ts';

export interface Site {
  app: FastifyInstance;
  deps: WebDeps;
  guards: Guards;
  /** preHandler for every form that changes something (checked once the body is parsed). */
  csrfCheck: (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;
  /** Route options that rate-limit a form post. */
  formLimit: { config: { rateLimit: { max: number; timeWindow: string } } };
}

/** Sends a rendered page; never cached (pages show a member's own Sparks). */
export function sendPage(reply: FastifyReply, status: number, body: Html): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(body.value);
}
