import { Events, type Client } from 'discord.js';
import type { Config } from './config.ts';
import type { AppDb } from './db/engine.ts';
import { openAppDatabase } from './db/open-app.ts';
import { createClient } from './discord/client.ts';
import { DiscordCampaignControl } from './discord/campaign-launch.ts';
import { DiscordQuestControl } from './discord/quest-control.ts';
import { DiscordDirectory } from './discord/directory.ts';
import { commands, components, messageMenus } from './discord/commands/index.ts';
import { createPlugins } from './discord/plugins/index.ts';
import { Provisions, type Plugin } from './discord/plugins/plugin.ts';
import { Router } from './discord/router.ts';
import { redeemReward } from './discord/shop.ts';
import { type Clock, systemClock } from './core/clock.ts';
import { createLogger, type Logger } from './log.ts';
import { startHttpServer, type RunningHttpServer } from './http/server.ts';
import { HealthMonitor } from './ops/health.ts';
import { GuildAccess } from './discord/guild-access.ts';
import { fixedLeadership, PgLeadership, type Leadership } from './ops/leadership.ts';
import { AdminAnalytics } from './moderation/analytics.ts';
import { LedgerExplorer } from './moderation/ledger-explorer.ts';
import { OutboxDispatcher } from './platform/outbox.ts';
import { Metrics } from './ops/metrics.ts';
import { createServices, type Services } from './services.ts';

export interface AppOptions {
  config: Config;
  logger?: Logger;
  clock?: Clock;
  /**
   * An already-open database (tests share one); otherwise DATABASE_URL's PostgreSQL or the
   * SQLite file at DATABASE_PATH is opened (and migrated).
   */
  db?: AppDb;
  plugins?: Plugin[];
  /**
   * Who does the once-only work (src/ops/leadership.ts). Default on SQLite (one host): this
   * process leads when it owns shard 0. On PostgreSQL (DATABASE_URL): the process holding the
   * leader's advisory lock, whichever host it is on. Closed with the app.
   */
  leadership?: Leadership;
  /**
   * How long shutdown waits for in-flight interactions before stopping the plugins anyway
   * (their stop interrupts what is still waiting on Discord; recovery finishes it at the
   * next start). Default 10 s.
   */
  shutdownGraceMs?: number;
  /**
   * The shards this client connects (of `count`), when it runs outside the ShardingManager
   * and serves only some: tests use it for a process whose leader runs schedules for guilds
   * it does not serve.
   */
  shards?: { ids: number[]; count: number };
}

export interface App {
  services: Services;
  client: Client;
  router: Router;
  /** What the started plugins provide (the handlers' `ctx.provided`). */
  provided: Provisions;
  metrics: Metrics;
  health: HealthMonitor;
  /** The platform HTTP server, when WEBHOOK_PORT is set and this is the primary process. */
  readonly http: RunningHttpServer | undefined;
  /** Logs in and resolves once the gateway is ready and every plugin has started. */
  start: () => Promise<void>;
  /** Stops accepting work, lets in-flight interactions finish, stops plugins, logs out, closes the database. */
  stop: () => Promise<void>;
}

/** Secrets that must never be printed, to scrub from log text. */
export function secretsOf(config: Config): string[] {
  return [
    config.discordToken,
    config.platformApiToken,
    config.web?.clientSecret,
    config.web?.sessionSecret,
    ...(config.webhook?.secrets ?? []),
  ].filter((s): s is string => typeof s === 'string');
}

/** The composition root shared by `npm start`, the demo and the end-to-end tests. */
export function createApp(options: AppOptions): App {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets: secretsOf(config) });
  const clock = options.clock ?? systemClock;
  const db = options.db ?? openAppDatabase(config);
  const services = createServices({ config, db, clock, logger });
  const client = createClient({
    apiUrl: config.discordApiUrl,
    ...(options.shards ? { shards: options.shards.ids, shardCount: options.shards.count } : {}),
  });
  const provided = new Provisions();
  const router = new Router({ services, provided, commands, components, messageMenus });
  const metrics = new Metrics();
  metrics.observeRouter(router);
  metrics.observeLedger(services.ledger);
  metrics.observeMemory(services.memory);
  metrics.observeClient(client);
  const health = new HealthMonitor(db, client);
  const plugins = options.plugins ?? createPlugins();
  const started: Plugin[] = [];
  // Under the ShardingManager each process owns some shards; shard 0's does the once-only work.
  const primary = client.shard ? client.shard.ids.includes(0) : true;
  const leadership =
    options.leadership ??
    (config.databaseUrl
      ? new PgLeadership({ url: config.databaseUrl, logger })
      : fixedLeadership(primary, logger));
  const guilds = new GuildAccess(client, services.clock);
  const pluginContext = { client, services, router, provided, primary, leadership, guilds };
  const graceMs = options.shutdownGraceMs ?? 10_000;
  let stopping: Promise<void> | undefined;
  let http: RunningHttpServer | undefined;
  let releaseDispatcher: (() => Promise<void>) | undefined;

  client.on(Events.Error, (err) => logger.error({ err }, 'discord client error'));
  client.on(Events.Warn, (message) => logger.warn(message));
  client.on(Events.ShardDisconnect, (event, shardId) =>
    logger.warn({ shardId, code: event.code }, 'gateway disconnected'),
  );
  client.on(Events.ShardResume, (shardId, replayed) => logger.info({ shardId, replayed }, 'gateway resumed'));

  return {
    services,
    client,
    router,
    provided,
    metrics,
    health,
    get http() {
      return http;
    },
    async start() {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(config.discordToken);
      await ready;
      // The first try for the lead before the plugins register their once-only work, so a
      // lone host does it from the start.
      if (leadership instanceof PgLeadership) await leadership.start();
      for (const plugin of plugins) {
        await plugin.start(pluginContext);
        started.push(plugin);
      }
      if (primary && config.webhook) {
        if (!config.web) logger.info(`web pages are off: ${config.webOff ?? 'not configured'}`);
        http = await startHttpServer({
          db,
          ledger: services.ledger,
          settings: services.settings,
          platform: services.platform,
          tiers: services.tiers,
          config,
          logger,
          health: () => ({ ...health.report() }),
          ...(config.web && config.discordClientId
            ? {
                web: {
                  web: config.web,
                  clientId: config.discordClientId,
                  apiBase: config.discordApiUrl ?? 'https://discord.com/api',
                  members: services.members,
                  settings: services.settings,
                  directory: new DiscordDirectory({ client, clock, services, guilds }),
                  ledger: services.ledger,
                  rewards: services.rewards,
                  redemptions: services.redemptions,
                  awards: services.awards,
                  tiers: services.tiers,
                  redeem: (request) =>
                    redeemReward({ services, client, runtime: provided.find('shop') }, request),
                  clock,
                  logger,
                  campaigns: services.campaigns,
                  campaignControl: new DiscordCampaignControl({ client, services, provided }),
                  explorer: new LedgerExplorer({ db }),
                  analytics: new AdminAnalytics({ db, clock, rollup: services.rollup }),
                  seasons: services.seasons,
                  raffles: services.raffles,
                  quests: services.quests,
                  questControl: new DiscordQuestControl({ client, services, provided }),
                  linkedRoles: services.linkedRoles,
                  // The bot's queue pushes (rate limit, retries); without the plugin, the next sweep does.
                  pushLinkedRole: (userId) =>
                    provided.find('linkedRoles')?.pushNow(userId) ?? Promise.resolve({ status: 'queued' }),
                  streaks: services.streaks,
                  wallets: services.wallets,
                  flags: services.flags,
                  referrals: services.platform.referrals,
                },
              }
            : {}),
          extraRoutes: (server) => {
            server.get('/metrics', async (_request, reply) =>
              reply.type(metrics.contentType).send(await metrics.text()),
            );
          },
        });
      }
      const eventsUrl = config.platformEventsUrl;
      if (eventsUrl)
        releaseDispatcher = leadership.whileLeader('outbox delivery', () => {
          const dispatcher = new OutboxDispatcher({
            db,
            store: services.outbox.store,
            url: eventsUrl,
            secret: config.webhookSecrets[0]!,
            logger,
          });
          dispatcher.start();
          return () => dispatcher.stop();
        });
      logger.info(
        {
          user: client.user?.tag,
          guilds: client.guilds.cache.size,
          shards: client.shard?.ids,
          primary,
          leader: leadership.isLeader,
        },
        'Sparks is ready',
      );
    },
    stop() {
      stopping ??= (async () => {
        await http?.close();
        const drained = await router.drain(graceMs);
        if (!drained)
          logger.warn(
            { inFlight: router.inFlightCount },
            'interactions still running at shutdown; interrupting them',
          );
        for (const plugin of started.reverse()) {
          try {
            await plugin.stop?.(pluginContext);
          } catch (err) {
            logger.error({ err, plugin: plugin.name }, 'plugin failed to stop cleanly');
          }
        }
        // Interrupted work winds down before the client and the database go away.
        if (!drained) await router.drain(graceMs);
        await releaseDispatcher?.();
        await leadership.close();
        await client.destroy();
        health.stop();
        services.memory.stop();
        await services.cards.close();
        // The grant writer's thread (GRANT_WRITER=thread) commits what it holds and stops.
        services.campaigns.close();
        if (!options.db) db.close();
        logger.info('Sparks stopped');
      })();
      return stopping;
    },
  };
}
