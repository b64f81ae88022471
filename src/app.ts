import { Events, type Client } from 'discord.js';
import type { Config } from './config.ts';
import { openDatabase, type Db } from './db/open.ts';
import { createClient } from './discord/client.ts';
import { commands, components } from './discord/commands/index.ts';
import { plugins as defaultPlugins } from './discord/listeners/index.ts';
import type { Plugin } from './discord/plugins.ts';
import { Router } from './discord/router.ts';
import { type Clock, systemClock } from './ledger/time.ts';
import { createLogger, type Logger } from './log.ts';
import { createServices, type Services } from './services.ts';

export interface AppOptions {
  config: Config;
  logger?: Logger;
  clock?: Clock;
  /** An already-open database (tests share one); otherwise config.databasePath is opened. */
  db?: Db;
  plugins?: Plugin[];
  /**
   * How long shutdown waits for in-flight interactions before stopping the plugins anyway
   * (their stop interrupts what is still waiting on Discord; recovery finishes it at the
   * next start). Default 10 s.
   */
  shutdownGraceMs?: number;
}

export interface App {
  services: Services;
  client: Client;
  router: Router;
  /** Logs in and resolves once the gateway is ready and every plugin has started. */
  start: () => Promise<void>;
  /** Stops accepting work, lets in-flight interactions finish, stops plugins, logs out, closes the database. */
  stop: () => Promise<void>;
}

/** Secrets that must never be printed, to scrub from log text. */
export function secretsOf(config: Config): string[] {
  return [config.discordToken, config.platformApiToken, ...(config.webhook?.secrets ?? [])].filter(
    (s): s is string => typeof s === 'string',
  );
}

/** The composition root shared by `npm start`, the demo and the end-to-end tests. */
export function createApp(options: AppOptions): App {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets: secretsOf(config) });
  const clock = options.clock ?? systemClock;
  const db = options.db ?? openDatabase(config.databasePath);
  const services = createServices({ config, db, clock, logger });
  const client = createClient({ apiUrl: config.discordApiUrl });
  const router = new Router(services, commands, components);
  const plugins = options.plugins ?? defaultPlugins;
  const started: Plugin[] = [];
  const pluginContext = { client, services, router };
  const graceMs = options.shutdownGraceMs ?? 10_000;
  let stopping: Promise<void> | undefined;

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
    async start() {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(config.discordToken);
      await ready;
      for (const plugin of plugins) {
        await plugin.start(pluginContext);
        started.push(plugin);
      }
      logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'Sparks is ready');
    },
    stop() {
      stopping ??= (async () => {
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
        await client.destroy();
        if (!options.db) db.close();
        logger.info('Sparks stopped');
      })();
      return stopping;
    },
  };
}
