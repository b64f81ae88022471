/**
 * The web face of Sparks (SPEC §8), served by the bot's own HTTP server in its own
 * fastify context: its cookies, form parsing, security headers, rate limits, CSRF checks
 * and error pages apply to the web's routes only, never to the webhook or the read-back
 * API beside it. Pages are rendered on the server and work without JavaScript.
 */
import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.ts';
import { isSparksError } from '../../core/errors.ts';
import type { WebConfig } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { Ledger } from '../../ledger/ledger.ts';
import type { CampaignService } from '../../campaigns/campaigns.ts';
import type { MembersService } from '../../members/members.ts';
import type { AdminAnalytics } from '../../moderation/analytics.ts';
import type { LedgerExplorer } from '../../moderation/ledger-explorer.ts';
import type { SettingsService } from '../../settings/settings.ts';
import type { RedeemOutcome, RedeemRequest, RedemptionService } from '../../shop/redemptions.ts';
import type { RewardService } from '../../shop/rewards.ts';
import type { AwardService } from '../../moderation/awards.ts';
import type { TierService } from '../../tiers/tiers.ts';
import type { SeasonService } from '../../seasons/seasons.ts';
import type { RaffleService } from '../../raffles/raffles.ts';
import type { QuestService } from '../../quests/quests.ts';
import type { LinkedRoleService, PushResult } from '../../linked-roles/linked-roles.ts';
import type { StreakService } from '../../streaks/streaks.ts';
import type { WalletService } from '../../wallets/wallets.ts';
import type { FlagService } from '../../members/flagging.ts';
import type { ReferralQuality } from '../../platform/referral-quality.ts';
import { SCRIPT, STYLESHEET } from './assets.ts';
import { botTextFor, sparksErrorText, sparksStatus } from './bot-text.ts';
import type { WebCampaignControl } from './campaign-control.ts';
import type { WebQuestControl } from './quest-control.ts';
import type { WebDirectory } from './directory.ts';
import { WebError } from './errors.ts';
import { Guards, SNOWFLAKE } from './guards.ts';
import { html, type Html, SPARKLE } from './html.ts';
import { pickLocale, webTranslator, type WebKey } from './i18n/index.ts';
import { page, type PageContext } from './layout.ts';
import { OAuthClient, OAuthError } from './oauth.ts';
import { registerAdminData } from './pages/admin-data.ts';
import { registerAdmin } from './pages/admin.ts';
import { registerLeaderboard } from './pages/leaderboard.ts';
import { registerShop } from './pages/shop.ts';
import { registerMe } from './pages/me.ts';
import { registerSeasons } from './pages/seasons.ts';
import { registerLinkedRole } from './pages/linked-role.ts';
import { registerWallets } from './pages/wallets.ts';
import { sendPage, takeState, type CookieBase, type Site } from './site.ts';
import {
  decodeSession,
  encodeSession,
  encodeState,
  LANG_COOKIE,
  safeNext,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  STATE_COOKIE,
  STATE_TTL_MS,
  type Session,
} from './session.ts';

export { WebError } from './errors.ts';

export interface WebDeps {
  web: WebConfig;
  clientId: string;
  /** The Discord API base without the version (DISCORD_API_URL, or Discord's own). */
  apiBase: string;
  members: MembersService;
  settings: SettingsService;
  rewards: RewardService;
  redemptions: RedemptionService;
  awards: AwardService;
  tiers: TierService;
  directory: WebDirectory;
  ledger: Ledger;
  /**
   * The bot's one redemption flow (`redeemReward` in src/discord/shop.ts, bound to the
   * running client and shop plugin): reserve, grant the role in Discord, post or refund.
   */
  redeem: (request: RedeemRequest) => Promise<RedeemOutcome>;
  clock: Clock;
  logger: Logger;
  /** Campaign lists and summaries (the dashboard's campaigns page). */
  campaigns: CampaignService;
  /** Starting and ending campaigns through the running bot, as the slash commands do. */
  campaignControl: WebCampaignControl;
  /** The ledger explorer and its CSV. */
  explorer: LedgerExplorer;
  analytics: AdminAnalytics;
  /** Season boards, prizes and the hall of fame (the same service as /sparks season). */
  seasons: SeasonService;
  /** Raffles and entering them (the same service as /sparks raffle). */
  raffles: RaffleService;
  /** Quests: lists, progress and the review queue (the same service as /sparks quest). */
  quests: QuestService;
  /** Building, publishing, ending and reviewing quests through the running bot, as the slash commands do. */
  questControl: WebQuestControl;
  /** Members' Linked Roles connections (the /linked-role page). */
  linkedRoles: LinkedRoleService;
  /**
   * Pushes a member's new connection to Discord now, through the running bot's queue (its
   * rate limit and retries); `queued` when it carries on in the background.
   */
  pushLinkedRole: (userId: string) => Promise<PushResult>;
  /** Members' streaks (the same service as /sparks balance's streak). */
  streaks: StreakService;
  /** The member's wallets: linking by signature, unlinking. */
  wallets: WalletService;
  /** Flagged members: the same service as /sparks-admin flag, unflag and flags. */
  flags: FlagService;
  /** A member's referrals and their state (the same service as /sparks referrals). */
  referrals: ReferralQuality;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The page context of this request (language, session, CSRF), set before routing. */
    page: PageContext;
  }
}

export async function webRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const oauth = new OAuthClient({
    apiBase: deps.apiBase,
    clientId: deps.clientId,
    clientSecret: deps.web.clientSecret,
    redirectUri: `${deps.web.publicUrl}/auth/callback`,
  });
  const guards = new Guards(deps);
  const secure = deps.web.secureCookies;
  const discordOrigin = new URL(deps.apiBase).origin;
  const cookieBase: CookieBase = { path: '/', httpOnly: true, sameSite: 'lax', secure };

  await app.register(cookie, { secret: deps.web.sessionSecret });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Rewards show images by URL (https only, set by moderators), from any host.
        imgSrc: ["'self'", 'data:', 'https:'],
        formAction: ["'self'", discordOrigin],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        connectSrc: ["'self'"],
      },
    },
    hsts: secure,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: () => new WebError(429, 'error.429'),
  });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'sparks_csrf',
    cookieOpts: { ...cookieBase, signed: true },
    getToken: (request) => (request.body as Record<string, unknown> | undefined)?._csrf as string | undefined,
  });

  app.addHook('onRequest', async (request, reply) => {
    const now = deps.clock();
    const raw = request.cookies[SESSION_COOKIE];
    let session: Session | null = null;
    if (raw) {
      const unsigned = request.unsignCookie(raw);
      session = unsigned.valid && unsigned.value ? decodeSession(unsigned.value, now) : null;
      if (!session) void reply.clearCookie(SESSION_COOKIE, cookieBase);
    }
    const locale = pickLocale(request.cookies[LANG_COOKIE], request.headers['accept-language']);
    let token: string | undefined;
    request.page = {
      t: webTranslator(locale),
      locale,
      session,
      csrf: () => (token ??= reply.generateCsrf()),
      path: safeNext(request.url),
    };
  });

  app.setErrorHandler(async (error, request, reply) => {
    const ctx = request.page;
    if (error instanceof WebError) {
      if (error.status === 401 && request.method === 'GET')
        return reply.redirect(`/auth/login?next=${encodeURIComponent(ctx.path)}`, 302);
      return sendPage(reply, error.status, errorBody(ctx, error));
    }
    if (isSparksError(error)) {
      const guildId = (request.params as { guildId?: string } | undefined)?.guildId;
      const o = await botTextFor(ctx, deps.directory, guildId && SNOWFLAKE.test(guildId) ? guildId : null);
      return sendPage(reply, sparksStatus(error.code), errorBody(ctx, null, sparksErrorText(error, o)));
    }
    const code = (error as { code?: string }).code;
    if (code?.startsWith('FST_CSRF'))
      return sendPage(reply, 403, errorBody(ctx, new WebError(403, 'error.403_csrf')));
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500)
      return sendPage(
        reply,
        400,
        errorBody(ctx, new WebError(400, 'error.400', { detail: 'malformed request' })),
      );
    deps.logger.error({ err: error, reqId: request.id, url: request.routeOptions.url }, 'web page failed');
    return sendPage(reply, 500, errorBody(ctx, null, ctx.t('error.500', { ref: String(request.id) })));
  });

  app.get(STYLESHEET.path, async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(STYLESHEET.body),
  );
  app.get(SCRIPT.path, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(SCRIPT.body),
  );

  // ---- login -------------------------------------------------------------------------

  const authLimit = { config: { rateLimit: { max: 30, timeWindow: '1 minute' } } };

  app.get('/auth/login', authLimit, async (request, reply) => {
    const next = safeNext((request.query as Record<string, unknown>).next);
    const state = randomBytes(24).toString('base64url');
    const value = encodeState({ state, next, expiresAt: deps.clock() + STATE_TTL_MS });
    void reply.setCookie(STATE_COOKIE, value, { ...cookieBase, signed: true, maxAge: STATE_TTL_MS / 1000 });
    return reply.redirect(oauth.authorizeUrl(state), 302);
  });

  app.get('/auth/callback', authLimit, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const saved = takeState(request, reply, { name: STATE_COOKIE, now: deps.clock(), cookieBase });
    const fail = (reason: WebKey) =>
      new WebError(400, 'error.login_failed', { reason: request.page.t(reason) });
    if (!saved) throw fail('error.login_state');
    if (typeof q.error === 'string') throw fail('error.login_denied');
    if (typeof q.code !== 'string' || q.code.length < 1 || q.code.length > 256)
      throw fail('error.login_discord');
    let session: Session;
    try {
      const token = await oauth.exchange(q.code);
      try {
        const [user, guilds] = await Promise.all([oauth.user(token), oauth.guilds(token)]);
        const shared: string[] = [];
        for (const g of guilds.slice(0, 200)) {
          if (shared.length >= 100) break;
          if (await deps.directory.guild(g.id)) shared.push(g.id);
        }
        session = {
          userId: user.id,
          name: (user.globalName ?? user.username).slice(0, 64) || user.id,
          avatar: user.avatar,
          guildIds: shared,
          expiresAt: deps.clock() + SESSION_TTL_MS,
        };
      } finally {
        await oauth.revoke(token);
      }
    } catch (err) {
      if (err instanceof OAuthError) {
        deps.logger.warn({ code: err.code, status: err.status }, 'Discord login refused');
        throw fail('error.login_discord');
      }
      throw err;
    }
    void reply.setCookie(SESSION_COOKIE, encodeSession(session), {
      ...cookieBase,
      signed: true,
      maxAge: SESSION_TTL_MS / 1000,
    });
    deps.logger.info({ userId: session.userId }, 'web login');
    return reply.redirect(saved.next, 303);
  });

  const formLimit = { config: { rateLimit: { max: 60, timeWindow: '1 minute' } } };
  /** Every form that changes something: the CSRF token checked once the body is parsed. */
  const csrfCheck = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) =>
    app.csrfProtection.call(app, request, reply, done);

  app.post('/auth/logout', { ...formLimit, preHandler: csrfCheck }, async (_request, reply) => {
    void reply.clearCookie(SESSION_COOKIE, cookieBase);
    return reply.redirect('/', 303);
  });

  app.post('/lang', { ...formLimit, preHandler: csrfCheck }, async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    const lang = body.lang === 'ko' ? 'ko' : body.lang === 'en' ? 'en' : null;
    if (!lang) throw new WebError(400, 'error.400', { detail: 'lang' });
    void reply.setCookie(LANG_COOKIE, lang, { ...cookieBase, httpOnly: false, maxAge: 365 * 86_400 });
    return reply.redirect(safeNext(body.next), 303);
  });

  // ---- pages -------------------------------------------------------------------------

  app.get('/', async (request, reply) => {
    const ctx = request.page;
    const { t } = ctx;
    let servers: Html = html`<p>${t('home.login_hint')}</p>`;
    if (ctx.session) {
      const guilds = (await Promise.all(ctx.session.guildIds.map((id) => deps.directory.guild(id)))).filter(
        (g) => g !== null,
      );
      servers =
        guilds.length === 0
          ? html`<p>${t('home.no_servers')}</p>`
          : html`<h2>${t('home.servers')}</h2>
              <ul class="servers">
                ${guilds.map((g) => html`<li><a href="/g/${g.id}/leaderboard">${g.name}</a></li>`)}
              </ul>`;
    }
    return sendPage(
      reply,
      200,
      page(ctx, {
        title: t('home.title'),
        body: html`<h1>${SPARKLE} ${t('home.title')}</h1>
          <p class="muted">${t('home.lead')}</p>
          ${servers}`,
      }),
    );
  });

  // Each page area registers its routes from its own module (src/http/web/pages/).
  const site: Site = { app, deps, guards, csrfCheck, formLimit, authLimit, cookieBase };
  registerLeaderboard(site);
  registerShop(site);
  registerMe(site);
  registerSeasons(site);
  registerWallets(site);
  registerAdminData(site);
  registerAdmin(site);
  registerLinkedRole(site);
}

/**
 * The 404 page for a path no route serves, for the server's own not-found handler (one
 * per server: the webhook's JSON 404 keeps the API paths). It runs outside the web's
 * context, so it reads the language itself and shows no session.
 */
export function sendNotFoundPage(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const lang = /(?:^|;\s*)sparks_lang=(en|ko)(?:;|$)/.exec(request.headers.cookie ?? '')?.[1];
  const locale = pickLocale(lang, request.headers['accept-language']);
  const ctx: PageContext = {
    t: webTranslator(locale),
    locale,
    session: null,
    csrf: () => '',
    path: safeNext(request.url),
  };
  void reply.header(
    'content-security-policy',
    "default-src 'none'; style-src 'self'; frame-ancestors 'none'",
  );
  return sendPage(reply, 404, errorBody(ctx, new WebError(404, 'error.404'), undefined, false));
}

function errorBody(ctx: PageContext, error: WebError | null, text?: string | Html, forms = true): Html {
  const message = text ?? (error ? ctx.t(error.key, error.params) : '');
  const login =
    error?.status === 401
      ? html`<p>
          <a class="button" href="/auth/login?next=${encodeURIComponent(ctx.path)}">${ctx.t('nav.login')}</a>
        </p>`
      : '';
  return page(ctx, {
    forms,
    title: ctx.t('error.title'),
    body: html`<h1>${ctx.t('error.title')}</h1>
      <p class="notice bad" role="alert">${message}</p>
      ${login}
      <p><a href="/">${ctx.t('error.back')}</a></p>`,
  });
}
