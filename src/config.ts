/**
 * The only module that reads process.env. Every value is validated with zod at start;
 * a missing or malformed one becomes a ConfigError whose one-line message names the
 * variable and what is wrong — never a stack trace.
 */
import { z } from 'zod';

/** Whether `target` names a PostgreSQL server (`postgres://` or `postgresql://`) rather than a SQLite file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//.test(target);
}

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17–20 digits)');
const optionalText = (schema: z.ZodString) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());
const intFrom = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const optionalInt = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    intFrom(min, max).optional(),
  );
const withDefaultInt = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    intFrom(min, max).default(fallback),
  );
const httpUrl = z
  .string()
  .url('must be a URL')
  .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://');

/** discord.js bot tokens are three base64url segments separated by dots. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$/;

const schema = z.object({
  DISCORD_TOKEN: optionalText(
    z.string().regex(TOKEN_SHAPE, 'is not a bot token (expected three dot-separated parts)'),
  ),
  DISCORD_CLIENT_ID: optionalText(snowflake),
  DATABASE_PATH: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string().default('./data/sparks.db'),
  ),
  DATABASE_URL: optionalText(
    z
      .string()
      .refine(isPostgresUrl, 'must be a postgres:// (or postgresql://) URL')
      .refine(
        (u) => URL.canParse(u),
        'is not a valid URL (percent-encode special characters in the password)',
      ),
  ),
  DISCORD_API_URL: optionalText(
    httpUrl.refine(
      (u) => !/\/v\d+\/?$/.test(u),
      'must be the API base without the version (e.g. https://discord.com/api)',
    ),
  ),
  HTTP_PORT: optionalInt(0, 65535),
  WEBHOOK_PORT: optionalInt(0, 65535),
  WEBHOOK_HOST: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string().default('0.0.0.0'),
  ),
  WEBHOOK_SECRET: optionalText(
    z
      .string()
      .regex(
        /^(whsec_[A-Za-z0-9+/=]{16,})( whsec_[A-Za-z0-9+/=]{16,})*$/,
        'must be one or more space-separated whsec_<base64> secrets',
      ),
  ),
  DISCORD_CLIENT_SECRET: optionalText(
    z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'is not an OAuth2 client secret'),
  ),
  PUBLIC_URL: optionalText(
    httpUrl.refine((u) => {
      const url = new URL(u);
      return url.pathname === '/' && !url.search && !url.hash;
    }, "must be the site's origin only (e.g. https://sparks.example.com), without a path"),
  ),
  SESSION_SECRET: optionalText(
    z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)'),
  ),
  DEFAULT_GUILD_ID: optionalText(snowflake),
  PLATFORM_API_TOKEN: optionalText(z.string().min(16, 'must be at least 16 characters')),
  PLATFORM_EVENTS_URL: optionalText(httpUrl),
  DISCORD_DEV_GUILD_ID: optionalText(snowflake),
  SHARD_COUNT: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .union([z.literal('auto'), intFrom(1, 1024)], {
        message: "must be 'auto' or a whole number from 1 to 1024",
      })
      .optional(),
  ),
  SHARD_LIST: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .string()
      .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'must be shard ids separated by commas (e.g. 0,1)')
      .transform((v) => v.split(',').map((id) => Number(id.trim())))
      .optional(),
  ),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  GRANT_WRITER: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.enum(['inline', 'thread'], { message: 'must be inline or thread' }).default('inline'),
  ),
  BACKUP_DIR: optionalText(z.string()),
  BACKUP_INTERVAL_HOURS: withDefaultInt(1, 24 * 30, 24),
  BACKUP_KEEP: withDefaultInt(1, 1000, 7),
  EARN_TRADE_SPARKS_PER_100_USD: withDefaultInt(0, 1_000_000, 10),
  EARN_SUBSCRIPTION_SPARKS: withDefaultInt(0, 1_000_000_000, 100),
  EARN_FIRST_SUBSCRIPTION_BONUS: withDefaultInt(0, 1_000_000_000, 0),
  EARN_REFERRAL_TRADE_PCT: withDefaultInt(0, 100, 10),
  EARN_REFERRAL_FIRST_SUB_PCT: withDefaultInt(0, 100, 50),
  LINKED_ROLES_PER_MINUTE: withDefaultInt(1, 6000, 120),
  LINKED_ROLES_SWEEP_MINUTES: withDefaultInt(1, 24 * 60, 15),
});

export type Env = z.infer<typeof schema>;

export interface EarnDefaults {
  tradeSparksPer100Usd: number;
  subscriptionSparks: number;
  firstSubscriptionBonus: number;
  referralTradeSharePct: number;
  referralFirstSubPct: number;
}

/** The web pages and Discord login (SPEC §8); off unless all three settings are given. */
export interface WebConfig {
  /** The site's origin, without a trailing slash; the OAuth2 redirect is `${publicUrl}/auth/callback`. */
  publicUrl: string;
  clientSecret: string;
  sessionSecret: string;
  /** Cookies carry `Secure` when the site is served over https. */
  secureCookies: boolean;
}

export interface Config {
  discordToken: string | undefined;
  discordClientId: string | undefined;
  databasePath: string;
  /** PostgreSQL instead of the SQLite file at `databasePath` (DATABASE_URL). */
  databaseUrl: string | undefined;
  discordApiUrl: string | undefined;
  /** The HTTP server (HTTP_PORT, or its old name WEBHOOK_PORT): webhook, read-back API, health, web. */
  webhook: { port: number; host: string; secrets: string[] } | undefined;
  /** The web pages; undefined when off, with `webOff` saying why in one line. */
  web: WebConfig | undefined;
  webOff: string | undefined;
  /** WEBHOOK_SECRET split on spaces (empty when unset): verifies inbound, the first signs outbound. */
  webhookSecrets: string[];
  defaultGuildId: string | undefined;
  platformApiToken: string | undefined;
  platformEventsUrl: string | undefined;
  devGuildId: string | undefined;
  shardCount: 'auto' | number | undefined;
  /** The shards this host runs out of `shardCount` (SHARD_LIST); undefined = all of them. */
  shardList: number[] | undefined;
  logLevel: Env['LOG_LEVEL'];
  /**
   * Where campaign grants are written: `inline` on the gateway's thread (the grant queue),
   * or `thread`, a worker thread with its own connection (a file database only).
   */
  grantWriter: 'inline' | 'thread';
  earnDefaults: EarnDefaults;
  /** Scheduled online backups; off when BACKUP_DIR is unset. */
  backups: { dir: string; intervalHours: number; keep: number } | undefined;
  /**
   * Linked Roles pushes (on with the web): at most `pushesPerMinute` role-connection
   * updates a minute, and every connection re-checked every `sweepMinutes`.
   */
  linkedRoles: { pushesPerMinute: number; sweepMinutes: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates the environment. `require` lists variables this entry point cannot run
 * without (the bot needs the token and client id; `npm run verify` needs neither).
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  require: ('DISCORD_TOKEN' | 'DISCORD_CLIENT_ID')[] = [],
): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Configuration error: ${name} ${issue.message}`);
  }
  const e = parsed.data;
  for (const name of require) {
    if (!e[name])
      throw new ConfigError(`Configuration error: ${name} is required but not set (see .env.example)`);
  }
  if (e.WEBHOOK_PORT !== undefined && !e.WEBHOOK_SECRET) {
    throw new ConfigError('Configuration error: WEBHOOK_SECRET is required when WEBHOOK_PORT is set');
  }
  if (e.HTTP_PORT !== undefined && e.WEBHOOK_PORT !== undefined && e.HTTP_PORT !== e.WEBHOOK_PORT) {
    throw new ConfigError(
      'Configuration error: HTTP_PORT and WEBHOOK_PORT (its old name) are both set, to different ports; set only HTTP_PORT',
    );
  }
  const port = e.HTTP_PORT ?? e.WEBHOOK_PORT;
  const { web, webOff } = webConfig(e);
  if (e.PLATFORM_EVENTS_URL && !e.WEBHOOK_SECRET) {
    throw new ConfigError(
      'Configuration error: WEBHOOK_SECRET is required to sign events for PLATFORM_EVENTS_URL',
    );
  }
  checkDatabaseChoices(e);
  return {
    discordToken: e.DISCORD_TOKEN,
    discordClientId: e.DISCORD_CLIENT_ID,
    databasePath: e.DATABASE_PATH,
    databaseUrl: e.DATABASE_URL,
    discordApiUrl: e.DISCORD_API_URL?.replace(/\/+$/, ''),
    webhook:
      port === undefined
        ? undefined
        : { port, host: e.WEBHOOK_HOST, secrets: e.WEBHOOK_SECRET ? e.WEBHOOK_SECRET.split(' ') : [] },
    web,
    webOff,
    webhookSecrets: e.WEBHOOK_SECRET ? e.WEBHOOK_SECRET.split(' ') : [],
    defaultGuildId: e.DEFAULT_GUILD_ID,
    platformApiToken: e.PLATFORM_API_TOKEN,
    platformEventsUrl: e.PLATFORM_EVENTS_URL,
    devGuildId: e.DISCORD_DEV_GUILD_ID,
    shardCount: e.SHARD_COUNT,
    shardList: e.SHARD_LIST,
    logLevel: e.LOG_LEVEL,
    grantWriter: e.GRANT_WRITER,
    backups: e.BACKUP_DIR
      ? { dir: e.BACKUP_DIR, intervalHours: e.BACKUP_INTERVAL_HOURS, keep: e.BACKUP_KEEP }
      : undefined,
    earnDefaults: {
      tradeSparksPer100Usd: e.EARN_TRADE_SPARKS_PER_100_USD,
      subscriptionSparks: e.EARN_SUBSCRIPTION_SPARKS,
      firstSubscriptionBonus: e.EARN_FIRST_SUBSCRIPTION_BONUS,
      referralTradeSharePct: e.EARN_REFERRAL_TRADE_PCT,
      referralFirstSubPct: e.EARN_REFERRAL_FIRST_SUB_PCT,
    },
    linkedRoles: {
      pushesPerMinute: e.LINKED_ROLES_PER_MINUTE,
      sweepMinutes: e.LINKED_ROLES_SWEEP_MINUTES,
    },
  };
}

/**
 * What needs one engine or the other: shards split over hosts need a database they share,
 * and the SQLite-file features (scheduled backups, the grant writer thread) have no meaning
 * on PostgreSQL, whose operator backs up with the server's own tools (README, Operations).
 */
function checkDatabaseChoices(e: Env): void {
  const fail = (message: string) => {
    throw new ConfigError(`Configuration error: ${message}`);
  };
  if (e.SHARD_LIST) {
    if (typeof e.SHARD_COUNT !== 'number')
      fail('SHARD_LIST needs SHARD_COUNT set to the total number of shards (a number, not auto)');
    const total = e.SHARD_COUNT as number;
    const outside = e.SHARD_LIST.find((id) => id >= total);
    if (outside !== undefined)
      fail(`SHARD_LIST names shard ${outside}, but SHARD_COUNT=${total} has shards 0 to ${total - 1}`);
    if (new Set(e.SHARD_LIST).size !== e.SHARD_LIST.length) fail('SHARD_LIST names a shard twice');
    if (!e.DATABASE_URL)
      fail(
        'SHARD_LIST runs some shards here and the rest on other hosts, which need one database: set DATABASE_URL',
      );
  }
  if (e.DATABASE_URL && e.BACKUP_DIR)
    fail(
      'BACKUP_DIR copies the SQLite file; with DATABASE_URL back up with pg_dump or the server’s own backups (README, Operations), and unset BACKUP_DIR',
    );
  if (e.DATABASE_URL && e.GRANT_WRITER === 'thread')
    fail('GRANT_WRITER=thread writes to the SQLite file; with DATABASE_URL grants are written inline');
}

const WEB_SETTINGS = ['DISCORD_CLIENT_SECRET', 'PUBLIC_URL', 'SESSION_SECRET'] as const;

/**
 * The web is on when the HTTP server is (HTTP_PORT), the bot has a client id, and all
 * three web settings are given; otherwise `webOff` names what is missing, for one log line.
 */
function webConfig(e: Env): { web: WebConfig | undefined; webOff: string | undefined } {
  const missing = WEB_SETTINGS.filter((name) => !e[name]);
  if (e.HTTP_PORT === undefined && e.WEBHOOK_PORT === undefined)
    return { web: undefined, webOff: 'HTTP_PORT is not set' };
  if (!e.DISCORD_CLIENT_ID) return { web: undefined, webOff: 'DISCORD_CLIENT_ID is not set' };
  if (missing.length > 0) return { web: undefined, webOff: `${missing.join(', ')} not set` };
  const publicUrl = e.PUBLIC_URL!.replace(/\/+$/, '');
  return {
    web: {
      publicUrl,
      clientSecret: e.DISCORD_CLIENT_SECRET!,
      sessionSecret: e.SESSION_SECRET!,
      secureCookies: publicUrl.startsWith('https://'),
    },
    webOff: undefined,
  };
}
