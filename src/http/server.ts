/**
 * The bot's HTTP server: the signed platform webhook, the read-back API, a health check,
 * and the web pages (src/http/web, in their own fastify context).
 * Composable: the composition root passes `health` (richer checks) and `extraRoutes`
 * (e.g. /metrics) and owns start-up order; this module never reads the environment.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import type { AppDb } from '../db/engine.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../log.ts';
import { checkDatabase } from '../ops/health.ts';
import type { PlatformService } from '../platform/service.ts';
import type { SettingsService } from '../settings/settings.ts';
import type { TierService } from '../tiers/tiers.ts';
import { installErrorHandlers, sendError } from './errors.ts';
import { EVENT_BODY_LIMIT, eventsRoute } from './routes/events.ts';
import { membersRoute } from './routes/members.ts';
import { SignatureVerifier } from './signature.ts';
import { sendNotFoundPage, webRoutes, type WebDeps } from './web/index.ts';

export interface HealthReport {
  ok: boolean;
  [check: string]: unknown;
}

export type HttpConfig = Pick<Config, 'webhookSecrets' | 'defaultGuildId' | 'platformApiToken'> & {
  webhook?: Config['webhook'];
};

export interface HttpDeps {
  db: AppDb;
  ledger: Ledger;
  settings: SettingsService;
  platform: PlatformService;
  /** The read-back API names a member's tier and the next one. */
  tiers: TierService;
  config: HttpConfig;
  logger: Logger;
  /**
   * GET /healthz: 200 when `ok`, else 503 (also when it throws or rejects). Default: the
   * database's check (`checkDatabase`, either engine) is not `unhealthy`.
   */
  health?: () => HealthReport | Promise<HealthReport>;
  /** Registers more routes on the same server (before it is ready). */
  extraRoutes?: (app: FastifyInstance) => void;
  /** The web pages and Discord login; off when undefined. */
  web?: WebDeps;
}

/**
 * Builds (does not start) the server. Without a webhook secret the webhook route is not
 * served at all (an unverifiable webhook endpoint never is), and one log line says so.
 */
export function createHttpServer(deps: HttpDeps): FastifyInstance {
  // Typed as fastify's base logger so the instance gets the default FastifyInstance type.
  const logger: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: EVENT_BODY_LIMIT,
    return503OnClosing: true,
    // Refusals before routing (a malformed URL) take the same JSON shape as the rest.
    frameworkErrors: (error, _request, reply) => {
      void sendError(
        reply,
        400,
        'HTTP.BAD_REQUEST',
        error.code === 'FST_ERR_BAD_URL' ? 'the URL is malformed' : 'bad request',
      );
    },
  });
  // Signatures cover the exact bytes received, so the body is kept raw and parsed only
  // after verification; no other media type is accepted (415).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });
  installErrorHandlers(app, deps.logger, deps.web ? sendNotFoundPage : undefined);

  app.get('/healthz', async (_request, reply) => {
    let report: HealthReport;
    try {
      report = await (deps.health ?? (() => defaultHealth(deps.db)))();
    } catch (err) {
      // A check that cannot even report is a failing check, not a server error.
      deps.logger.warn({ err }, 'the health check failed');
      report = { ok: false, error: 'the health check failed' };
    }
    return reply.code(report.ok ? 200 : 503).send(report);
  });
  if (deps.config.webhookSecrets.length > 0) {
    const verifier = new SignatureVerifier(deps.config.webhookSecrets);
    eventsRoute(app, { platform: deps.platform, verifier, defaultGuildId: deps.config.defaultGuildId });
  } else {
    deps.logger.info('platform webhook is off: WEBHOOK_SECRET is not set');
  }
  if (deps.config.platformApiToken) {
    membersRoute(app, {
      ledger: deps.ledger,
      tiers: deps.tiers,
      referrals: deps.platform.referrals,
      token: deps.config.platformApiToken,
      defaultGuildId: deps.config.defaultGuildId,
    });
  }
  deps.extraRoutes?.(app);
  if (deps.web) {
    const web = deps.web;
    void app.register(async (scope) => webRoutes(scope, web));
  }
  return app;
}

export interface RunningHttpServer {
  /** Base URL, e.g. http://127.0.0.1:8080 (a wildcard host is shown as 127.0.0.1). */
  url: string;
  port: number;
  app: FastifyInstance;
  close: () => Promise<void>;
}

/**
 * Builds and starts the server on `listen` (default: WEBHOOK_HOST / WEBHOOK_PORT). Port 0
 * picks a free port (tests). `close()` stops accepting, finishes requests in flight, and
 * resolves when the socket is closed.
 */
export async function startHttpServer(
  deps: HttpDeps,
  listen: { host?: string; port?: number } = {},
): Promise<RunningHttpServer> {
  const host = listen.host ?? deps.config.webhook?.host ?? '127.0.0.1';
  const port = listen.port ?? deps.config.webhook?.port ?? 0;
  const app = createHttpServer(deps);
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  const shownHost = ['0.0.0.0', '::'].includes(address.address)
    ? '127.0.0.1'
    : address.family === 'IPv6'
      ? `[${address.address}]`
      : address.address;
  deps.logger.info({ host, port: address.port }, 'platform HTTP server listening');
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    app,
    close: () => app.close(),
  };
}

/** `database`: 'ok', 'degraded' (still 200) or 'unavailable' (503); `checkDatabase` decides. */
function defaultHealth(db: AppDb): HealthReport {
  const { status } = checkDatabase(db);
  return { ok: status !== 'unhealthy', database: status === 'unhealthy' ? 'unavailable' : status };
}
