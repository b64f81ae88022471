import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.GabcDE.abcdefghijklmnopqrstuvwxyz012345';
const base = { DISCORD_TOKEN: TOKEN, DISCORD_CLIENT_ID: '100000000000000001' };

function errorOf(
  env: Record<string, string>,
  require: ('DISCORD_TOKEN' | 'DISCORD_CLIENT_ID')[] = [],
): string {
  try {
    loadConfig(env, require);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('GRANT_WRITER is inline or thread, anything else named in one line', () => {
    expect(loadConfig({ ...base, GRANT_WRITER: 'thread' }).grantWriter).toBe('thread');
    expect(loadConfig({ ...base, GRANT_WRITER: ' ' }).grantWriter).toBe('inline');
    expect(errorOf({ ...base, GRANT_WRITER: 'threads' })).toBe(
      'Configuration error: GRANT_WRITER must be inline or thread',
    );
  });

  it('DATABASE_URL picks PostgreSQL; a bad one changes nothing and says why', () => {
    const url = 'postgres://sparks:p%40ss@127.0.0.1:5432/sparks?sslmode=require';
    expect(loadConfig({ ...base, DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(loadConfig({ ...base, DATABASE_URL: 'postgresql://h/db' }).databaseUrl).toBe('postgresql://h/db');
    expect(loadConfig({ ...base, DATABASE_URL: ' ' }).databaseUrl).toBeUndefined();
    expect(errorOf({ ...base, DATABASE_URL: 'mysql://h/db' })).toBe(
      'Configuration error: DATABASE_URL must be a postgres:// (or postgresql://) URL',
    );
    expect(errorOf({ ...base, DATABASE_URL: 'postgres://u:p@[bad/db' })).toMatch(
      /^Configuration error: DATABASE_URL is not a valid URL/,
    );
    expect(errorOf({ ...base, DATABASE_URL: url, BACKUP_DIR: './b' })).toMatch(
      /^Configuration error: BACKUP_DIR copies the SQLite file; with DATABASE_URL back up with pg_dump/,
    );
    expect(errorOf({ ...base, DATABASE_URL: url, GRANT_WRITER: 'thread' })).toBe(
      'Configuration error: GRANT_WRITER=thread writes to the SQLite file; with DATABASE_URL grants are written inline',
    );
  });

  it('SHARD_LIST is this host’s part of SHARD_COUNT, on a shared database', () => {
    const pg = { ...base, DATABASE_URL: 'postgres://h/db', SHARD_COUNT: '4' };
    expect(loadConfig({ ...pg, SHARD_LIST: ' 2, 3' }).shardList).toEqual([2, 3]);
    expect(loadConfig(pg).shardList).toBeUndefined();
    expect(errorOf({ ...pg, SHARD_LIST: '2;3' })).toBe(
      'Configuration error: SHARD_LIST must be shard ids separated by commas (e.g. 0,1)',
    );
    expect(errorOf({ ...pg, SHARD_LIST: '1,4' })).toBe(
      'Configuration error: SHARD_LIST names shard 4, but SHARD_COUNT=4 has shards 0 to 3',
    );
    expect(errorOf({ ...pg, SHARD_LIST: '1,1' })).toBe('Configuration error: SHARD_LIST names a shard twice');
    expect(errorOf({ ...pg, SHARD_COUNT: 'auto', SHARD_LIST: '0' })).toBe(
      'Configuration error: SHARD_LIST needs SHARD_COUNT set to the total number of shards (a number, not auto)',
    );
    expect(errorOf({ ...base, SHARD_COUNT: '4', SHARD_LIST: '0' })).toBe(
      'Configuration error: SHARD_LIST runs some shards here and the rest on other hosts, which need one database: set DATABASE_URL',
    );
  });

  it('applies the documented defaults', () => {
    const c = loadConfig(base, ['DISCORD_TOKEN', 'DISCORD_CLIENT_ID']);
    expect(c.databasePath).toBe('./data/sparks.db');
    expect(c.webhook).toBeUndefined();
    expect(c.logLevel).toBe('info');
    expect(c.grantWriter).toBe('inline');
    expect(c.earnDefaults).toEqual({
      tradeSparksPer100Usd: 10,
      subscriptionSparks: 100,
      firstSubscriptionBonus: 0,
      referralTradeSharePct: 10,
      referralFirstSubPct: 50,
    });
    expect(c.linkedRoles).toEqual({ pushesPerMinute: 120, sweepMinutes: 15 });
    expect(
      loadConfig({ ...base, LINKED_ROLES_PER_MINUTE: '30', LINKED_ROLES_SWEEP_MINUTES: '60' }).linkedRoles,
    ).toEqual({ pushesPerMinute: 30, sweepMinutes: 60 });
  });

  it('reads every variable', () => {
    const c = loadConfig({
      ...base,
      DATABASE_PATH: '/tmp/x.db',
      DISCORD_API_URL: 'http://127.0.0.1:9999/api/',
      WEBHOOK_PORT: '8080',
      WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_AAAAAAAAAAAAAAAAAAAAAAAAAA==',
      DEFAULT_GUILD_ID: '200000000000000001',
      PLATFORM_API_TOKEN: 'p'.repeat(32),
      PLATFORM_EVENTS_URL: 'https://platform.example/hooks',
      SHARD_COUNT: 'auto',
      LOG_LEVEL: 'debug',
    });
    expect(c.discordApiUrl).toBe('http://127.0.0.1:9999/api');
    expect(c.webhook).toEqual({
      port: 8080,
      host: '0.0.0.0',
      secrets: [expect.stringMatching(/^whsec_/), expect.stringMatching(/^whsec_/)],
    });
    expect(c.shardCount).toBe('auto');
    expect(loadConfig({ ...base, SHARD_COUNT: '4' }).shardCount).toBe(4);
  });

  it.each([
    [{}, ['DISCORD_TOKEN'], /^Configuration error: DISCORD_TOKEN is required/],
    [{ DISCORD_TOKEN: 'not-a-token' }, [], /^Configuration error: DISCORD_TOKEN is not a bot token/],
    [{ DISCORD_CLIENT_ID: '12ab' }, [], /^Configuration error: DISCORD_CLIENT_ID must be a Discord id/],
    [
      { WEBHOOK_PORT: '70000', WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      [],
      /WEBHOOK_PORT must be at most 65535/,
    ],
    [{ WEBHOOK_PORT: '80.5' }, [], /WEBHOOK_PORT must be a whole number/],
    [{ WEBHOOK_PORT: '8080' }, [], /WEBHOOK_SECRET is required when WEBHOOK_PORT is set/],
    [{ WEBHOOK_SECRET: 'hunter2' }, [], /WEBHOOK_SECRET must be one or more space-separated whsec_/],
    [
      { DISCORD_API_URL: 'https://discord.com/api/v10' },
      [],
      /DISCORD_API_URL must be the API base without the version/,
    ],
    [{ DISCORD_API_URL: 'ftp://x' }, [], /DISCORD_API_URL must start with http/],
    [{ SHARD_COUNT: 'many' }, [], /SHARD_COUNT must be 'auto' or a whole number/],
    [{ LOG_LEVEL: 'loud' }, [], /^Configuration error: LOG_LEVEL /],
    [{ EARN_REFERRAL_TRADE_PCT: '150' }, [], /EARN_REFERRAL_TRADE_PCT must be at most 100/],
    [{ PLATFORM_API_TOKEN: 'short' }, [], /PLATFORM_API_TOKEN must be at least 16 characters/],
    [{ LINKED_ROLES_PER_MINUTE: '0' }, [], /LINKED_ROLES_PER_MINUTE must be at least 1/],
    [{ LINKED_ROLES_SWEEP_MINUTES: '2000' }, [], /LINKED_ROLES_SWEEP_MINUTES must be at most 1440/],
  ] as const)('refuses %j with one line naming the variable', (env, require, message) => {
    const text = errorOf({ ...env }, [...require]);
    expect(text).toMatch(message);
    expect(text.split('\n')).toHaveLength(1);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_PATH: '', WEBHOOK_PORT: '', SHARD_COUNT: ' ' }).databasePath).toBe(
      './data/sparks.db',
    );
  });
});
