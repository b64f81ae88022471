/**
 * Linked Roles (SPEC §11), Discord's flow as its linked-roles sample does it: the Developer
 * Portal's Linked Roles Verification URL is `/linked-role`, which sends the member to
 * Discord's consent screen (`role_connections.write identify`) with a `state` bound to
 * this browser by a signed cookie; the callback checks that state, exchanges the code for
 * tokens (kept, sealed, to push later changes), learns who the member is, stores the
 * connection for the server they connected from, and pushes their values at once. A
 * member page opens `/linked-role?guild=<id>` to connect from that server; opened from
 * Discord, the server is the one where the member has earned most. Any refusal — a
 * missing or foreign state, a denied consent, a code Discord refuses, a grant without
 * the scope, a server the member is not in — is a localized page, and nothing is stored.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { isSparksError } from '../../../core/errors.ts';
import { LINKED_ROLE_SCOPES, type ConnectionView } from '../../../linked-roles/linked-roles.ts';
import { formatDate } from '../bot-text.ts';
import { WebError } from '../errors.ts';
import { SNOWFLAKE } from '../guards.ts';
import { html, type Html } from '../html.ts';
import type { WebKey } from '../i18n/index.ts';
import { page, type PageContext } from '../layout.ts';
import { LINKED_ROLE_PATH, LINKED_ROLE_REDIRECT_PATH, OAuthClient, OAuthError } from '../oauth.ts';
import { encodeState, LINKED_DONE_COOKIE, LINKED_STATE_COOKIE, STATE_TTL_MS } from '../session.ts';
import { sendPage, takeState, type Site } from '../site.ts';
import type { WebMember } from '../directory.ts';
import { formatScore } from './leaderboard.ts';

/** How long the "connected" page can be reloaded after the callback. */
const DONE_TTL_MS = 10 * 60_000;
/** Servers looked at, most Sparks first, when the member came from Discord without one. */
const CANDIDATES = 10;
const DONE_PATH = `${LINKED_ROLE_PATH}/connected`;

export function registerLinkedRole({ app, deps, authLimit, cookieBase }: Site): void {
  const oauth = new OAuthClient({
    apiBase: deps.apiBase,
    clientId: deps.clientId,
    clientSecret: deps.web.clientSecret,
    redirectUri: `${deps.web.publicUrl}${LINKED_ROLE_REDIRECT_PATH}`,
    scopes: LINKED_ROLE_SCOPES,
    prompt: 'consent',
  });

  app.get(LINKED_ROLE_PATH, authLimit, async (request, reply) => {
    const guild = (request.query as Record<string, unknown>).guild;
    if (guild !== undefined && (typeof guild !== 'string' || !SNOWFLAKE.test(guild)))
      throw new WebError(400, 'error.400', { detail: request.page.t('linked.bad_guild') });
    const state = randomBytes(24).toString('base64url');
    const value = encodeState({
      state,
      next: DONE_PATH,
      expiresAt: deps.clock() + STATE_TTL_MS,
      ...(guild ? { guildId: guild } : {}),
    });
    void reply.setCookie(LINKED_STATE_COOKIE, value, {
      ...cookieBase,
      signed: true,
      maxAge: STATE_TTL_MS / 1000,
    });
    return reply.redirect(oauth.authorizeUrl(state), 302);
  });

  app.get(LINKED_ROLE_REDIRECT_PATH, authLimit, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const { t } = request.page;
    const fail = (reason: WebKey, params: Record<string, string> = {}) =>
      new WebError(400, 'linked.failed', { reason: t(reason, params) });
    const saved = takeState(request, reply, { name: LINKED_STATE_COOKIE, now: deps.clock(), cookieBase });
    if (!saved) throw fail('linked.fail_state');
    if (typeof q.error === 'string') throw fail('linked.fail_denied');
    if (typeof q.code !== 'string' || q.code.length < 1 || q.code.length > 256)
      throw fail('linked.fail_discord');
    let userId: string;
    try {
      const grant = await oauth.exchangeGrant(q.code, deps.clock());
      let keep = false;
      try {
        const user = await oauth.user(grant.accessToken);
        userId = user.id;
        const place = await serverFor(request, user.id, saved.guildId);
        if (!place) throw saved.guildId ? fail('linked.fail_not_member') : fail('linked.fail_no_server');
        deps.linkedRoles.connect({
          guildId: place.guildId,
          userId: user.id,
          username: user.globalName ?? user.username,
          grant,
          joinedAt: place.member.joinedAt ?? null,
        });
        keep = true;
      } finally {
        // A connection that was not stored leaves no working token behind.
        if (!keep) await oauth.revoke(grant.accessToken);
      }
    } catch (err) {
      if (err instanceof OAuthError) {
        deps.logger.warn({ code: err.code, status: err.status }, 'Discord refused a Linked Role connection');
        throw fail('linked.fail_discord');
      }
      if (isSparksError(err, 'SPARKS.LINKED_ROLE_SCOPE')) throw fail('linked.fail_scope');
      throw err;
    }
    const pushed = await deps.pushLinkedRole(userId);
    deps.logger.info({ userId, push: pushed.status }, 'linked role connected');
    // Discord refused even the fresh tokens: the connection is gone again.
    if (pushed.status === 'dropped') throw fail('linked.fail_discord');
    const done = `${userId}.${deps.clock() + DONE_TTL_MS}`;
    void reply.setCookie(LINKED_DONE_COOKIE, done, {
      ...cookieBase,
      signed: true,
      maxAge: DONE_TTL_MS / 1000,
    });
    return reply.redirect(DONE_PATH, 303);
  });

  app.get(DONE_PATH, async (request, reply) => {
    const ctx = request.page;
    const raw = request.cookies[LINKED_DONE_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : null;
    const [userId, until] = unsigned?.valid && unsigned.value ? unsigned.value.split('.') : [];
    if (!userId || !SNOWFLAKE.test(userId) || !(Number(until) > deps.clock()))
      throw new WebError(404, 'linked.none');
    const view = deps.linkedRoles.view(userId);
    if (!view) throw new WebError(404, 'linked.none');
    const guild = await deps.directory.guild(view.guildId);
    return sendPage(reply, 200, connectedPage(ctx, view, guild?.name ?? view.guildId));
  });

  /**
   * The server a connection shows: the one the page was opened from (the member must be
   * in it), else the first where they hold Sparks and are still a member.
   */
  async function serverFor(
    request: FastifyRequest,
    userId: string,
    guildId: string | undefined,
  ): Promise<{ guildId: string; member: WebMember } | null> {
    const candidates = guildId ? [guildId] : deps.linkedRoles.guildsOf(userId, CANDIDATES);
    for (const id of candidates) {
      const member = await deps.directory.member(id, userId);
      if (member && !member.bot) return { guildId: id, member };
    }
    request.log.debug({ userId, candidates: candidates.length }, 'no server to connect a Linked Role from');
    return null;
  }
}

function connectedPage(ctx: PageContext, view: ConnectionView, guildName: string): Html {
  const { t } = ctx;
  const v = view.values;
  const status = view.current
    ? html`<p class="notice good" role="status">${t('linked.status_current')}</p>`
    : view.lastError
      ? html`<p class="notice bad" role="status">${t('linked.status_error')}</p>`
      : html`<p class="notice" role="status">${t('linked.status_pending')}</p>`;
  return page(ctx, {
    title: t('linked.title'),
    body: html`<h1>${t('linked.connected')}</h1>
      <p>${t('linked.lead', { guild: guildName })}</p>
      ${status}
      <section class="card" aria-labelledby="linked-values">
        <h2 id="linked-values">${t('linked.values')}</h2>
        <dl class="facts">
          <dt>${t('linked.lifetime')}</dt>
          <dd>${formatScore(ctx, v.sparksLifetime)}</dd>
          <dt>${t('linked.tier')}</dt>
          <dd>${v.tier === 0 ? t('linked.tier_none') : formatScore(ctx, v.tier)}</dd>
          <dt>${t('linked.trader')}</dt>
          <dd>${t(v.verifiedTrader ? 'linked.yes' : 'linked.no')}</dd>
          <dt>${t('linked.member_since')}</dt>
          <dd>
            <time datetime="${new Date(v.memberSince).toISOString()}"
              >${formatDate(ctx.locale, v.memberSince)}</time
            >
          </dd>
        </dl>
      </section>
      <p>${t('linked.updates')}</p>
      <p>${t('linked.back')}</p>
      <p><a href="/g/${view.guildId}/me">${t('linked.me_link', { guild: guildName })}</a></p>`,
  });
}
