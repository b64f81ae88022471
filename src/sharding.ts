import { fileURLToPath } from 'node:url';
import { REST, Routes, ShardingManager, type RESTGetAPIGatewayBotResult } from 'discord.js';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

/** True in a process that discord.js's ShardingManager started for one or more shards. */
export function isShardProcess(env: Record<string, string | undefined> = process.env): boolean {
  return env.SHARDING_MANAGER === 'true';
}

/**
 * Discord's recommended shard count, asked through our own REST client so DISCORD_API_URL
 * is honoured (discord.js's helper always calls discord.com).
 */
export async function gatewayInfo(config: Config): Promise<{ shards: number; maxConcurrency: number }> {
  const rest = new REST(config.discordApiUrl ? { api: config.discordApiUrl } : {}).setToken(
    config.discordToken!,
  );
  const result = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return {
    shards: Math.max(1, result.shards),
    maxConcurrency: Math.max(1, result.session_start_limit.max_concurrency),
  };
}

/**
 * Runs the bot as one process per shard (SHARD_COUNT; SHARD_LIST picks this host's share),
 * all on one database: the SQLite file in WAL mode (every write is BEGIN IMMEDIATE, so
 * processes serialize on the write lock and every exactly-once key still holds), or
 * PostgreSQL (DATABASE_URL), which hosts share. Work that must happen once — outbox
 * delivery, backups, referral lapses, the rollup folds — runs under the leadership
 * (src/ops/leadership.ts): shard 0's process on SQLite, the advisory lock's holder on
 * PostgreSQL. The HTTP server runs in the process that owns shard 0 (plugins see `primary`).
 * Returns a function that stops every shard gracefully.
 */
export async function runShardManager(config: Config, logger: Logger): Promise<() => Promise<void>> {
  const info = await gatewayInfo(config);
  const total =
    config.shardCount === 'auto' || config.shardCount === undefined ? info.shards : config.shardCount;
  // Discord allows max_concurrency IDENTIFYs at once; only a limit of 1 needs 5 s between shards.
  const delay = info.maxConcurrency >= total ? 0 : 5_500;
  // Each shard runs this process's own entry: dist/index.js with npm start's node flags
  // when built, the TypeScript source under tsx otherwise (development).
  const compiled = import.meta.url.endsWith('.js');
  const manager = new ShardingManager(
    fileURLToPath(new URL(compiled ? './index.js' : './index.ts', import.meta.url)),
    {
      token: config.discordToken,
      totalShards: total,
      // SHARD_LIST: the shards this host runs; the others run on hosts sharing DATABASE_URL.
      ...(config.shardList ? { shardList: config.shardList } : {}),
      mode: 'process',
      respawn: true,
      execArgv: compiled ? process.execArgv : ['--import', 'tsx'],
    },
  );
  manager.on('shardCreate', (shard) => {
    logger.info({ shardId: shard.id, total }, 'shard process started');
    shard.on('death', () => logger.warn({ shardId: shard.id }, 'shard process exited'));
  });
  await manager.spawn({ amount: total, delay, timeout: 60_000 });
  logger.info({ total, here: config.shardList ?? 'all' }, 'all shards ready');
  return async () => {
    manager.respawn = false;
    await Promise.all(
      [...manager.shards.values()].map(
        (shard) =>
          new Promise<void>((resolve) => {
            const child = shard.process;
            if (!child || child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  };
}
