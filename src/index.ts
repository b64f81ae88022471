/**
 * `npm start`: configuration → database (migrations) → services → Discord client → login.
 * A bad configuration or a rejected token prints one line and exits non-zero.
 */
import { DiscordjsErrorCodes } from 'discord.js';
import { createApp, secretsOf } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { SchemaTooNewError } from './db/open.ts';
import { describeDatabase, openAppDatabase } from './db/open-app.ts';
import { createLogger } from './log.ts';
import { isShardProcess, runShardManager } from './sharding.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, ['DISCORD_TOKEN', 'DISCORD_CLIENT_ID']);
  } catch (e) {
    if (e instanceof ConfigError) return fail(e.message);
    throw e;
  }
  if (config.shardCount !== undefined && !isShardProcess()) return runManager(config);
  // discord.js reads SHARD_COUNT itself and refuses Number('') = 0; blank means unset, as
  // it does for the configuration (an .env line `SHARD_COUNT=`).
  if (!isShardProcess() && process.env.SHARD_COUNT?.trim() === '') delete process.env.SHARD_COUNT;
  let app;
  try {
    app = createApp({ config });
  } catch (e) {
    return fail(databaseError(config, e));
  }
  const shutdown = (signal: string) => {
    app.services.logger.info({ signal }, 'shutting down');
    void app.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  try {
    await app.start();
  } catch (e) {
    await app.stop().catch(() => undefined);
    const code = (e as { code?: unknown }).code;
    const status = (e as { status?: unknown }).status;
    if (code === DiscordjsErrorCodes.TokenInvalid || status === 401 || code === 0) {
      return fail(
        'Discord rejected DISCORD_TOKEN (401 Unauthorized): check the bot token in your environment',
      );
    }
    return fail(`Could not connect to Discord: ${(e as Error).message}`);
  }
}

/**
 * SHARD_COUNT set: migrate once here, then one child process per shard of this host's
 * SHARD_LIST (all of them without it).
 */
async function runManager(config: ReturnType<typeof loadConfig>): Promise<void> {
  const logger = createLogger({ level: config.logLevel, secrets: secretsOf(config) });
  try {
    openAppDatabase(config).close();
  } catch (e) {
    return fail(databaseError(config, e));
  }
  let stop: () => Promise<void>;
  try {
    stop = await runShardManager(config, logger);
  } catch (e) {
    const status = (e as { status?: unknown }).status;
    const code = (e as { code?: unknown }).code;
    if (status === 401 || code === DiscordjsErrorCodes.TokenInvalid) {
      return fail(
        'Discord rejected DISCORD_TOKEN (401 Unauthorized): check the bot token in your environment',
      );
    }
    return fail(`Could not start the shards: ${(e as Error).message}`);
  }
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'stopping all shards');
    void stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

/** One line for a database that would not open: which one, and why. */
function databaseError(config: ReturnType<typeof loadConfig>, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  // By name: the PostgreSQL facade rethrows its worker's error as a plain Error.
  if (e instanceof SchemaTooNewError || (e as { name?: unknown }).name === 'SchemaTooNewError')
    return `Database error: ${message}`;
  const verb = config.databaseUrl ? 'cannot connect to' : 'cannot open';
  return `Database error: ${verb} ${describeDatabase(config)}: ${message}`;
}

function fail(message: string): void {
  console.error(message);
  process.exitCode = 1;
}

void main();
