import { Webhook } from 'standardwebhooks';
import type { Db } from '../../src/db/open.ts';
import { startHttpServer, type HttpDeps, type RunningHttpServer } from '../../src/http/server.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import type { Clock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/log.ts';
import { PlatformService } from '../../src/platform/service.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { TierService } from '../../src/tiers/tiers.ts';
import { fakeClock, G } from './db.ts';

export const SECRET_A = `whsec_${Buffer.alloc(32, 'a').toString('base64')}`;
export const SECRET_B = `whsec_${Buffer.alloc(32, 'b').toString('base64')}`;
export const TOKEN = 'platform-read-token-0123456789';

/** Members as Discord ids (strings: snowflakes exceed 2^53). */
export const ALICE = '300000000000000001';
export const BOB = '300000000000000002';
export const CAROL = '300000000000000003';
export const DAVE = '300000000000000004';

export const DEFAULTS = {
  tradeSparksPer100Usd: 10,
  subscriptionSparks: 100,
  firstSubscriptionBonus: 0,
  referralTradeSharePct: 10,
  referralFirstSubPct: 50,
};

export interface Platform {
  db: Db;
  ledger: Ledger;
  settings: SettingsService;
  platform: PlatformService;
  server: RunningHttpServer;
  url: string;
  close: () => Promise<void>;
}

/** The services over `db` and a real server on 127.0.0.1, port 0. */
export async function startPlatform(
  db: Db,
  options: {
    secrets?: string[];
    token?: string | undefined;
    defaultGuildId?: string | undefined;
    clock?: Clock;
    extra?: Partial<Pick<HttpDeps, 'health' | 'extraRoutes'>>;
  } = {},
): Promise<Platform> {
  const clock = options.clock ?? fakeClock();
  const ledger = new Ledger({ db, clock });
  const settings = new SettingsService({ db, defaults: DEFAULTS });
  const platform = new PlatformService({ db, ledger, settings });
  const tiers = new TierService({ db, ledger, clock });
  const server = await startHttpServer(
    {
      db,
      ledger,
      settings,
      platform,
      tiers,
      logger: silentLogger,
      config: {
        webhookSecrets: options.secrets ?? [SECRET_A],
        defaultGuildId: 'defaultGuildId' in options ? options.defaultGuildId : G,
        platformApiToken: 'token' in options ? options.token : TOKEN,
      },
      ...options.extra,
    },
    { host: '127.0.0.1', port: 0 },
  );
  return { db, ledger, settings, platform, server, url: server.url, close: () => server.close() };
}

let seq = 0;
export const nextId = () => `msg_test_${++seq}_${process.pid}`;

export interface PostOptions {
  id?: string;
  secret?: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  contentType?: string | null;
  /** Overrides (undefined removes a header). */
  headers?: Record<string, string | undefined>;
  /** Sign these bytes instead of the body (to test tampering). */
  signBody?: string;
}

export function signedHeaders(body: string, options: PostOptions = {}): Record<string, string> {
  const id = options.id ?? nextId();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = new Webhook(options.secret ?? SECRET_A).sign(
    id,
    new Date(timestamp * 1000),
    options.signBody ?? body,
  );
  const headers: Record<string, string> = {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  };
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/json';
  for (const [k, v] of Object.entries(options.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  return headers;
}

export interface Reply {
  status: number;
  // Replies are arbitrary JSON that each test reads field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** POSTs an event (an object is serialised; a string is sent as is), signed unless told otherwise. */
export async function postEvent(url: string, event: unknown, options: PostOptions = {}): Promise<Reply> {
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const response = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: signedHeaders(body, options),
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

export const AT = '2026-11-24T12:00:00Z';
export const trade = (userId: string, volume: number | string, extra: object = {}) => ({
  type: 'trade.executed',
  occurred_at: AT,
  discord_user_id: userId,
  volume_usd: volume,
  ...extra,
});
export const subscription = (userId: string, plan: string, first: boolean, extra: object = {}) => ({
  type: 'subscription.started',
  occurred_at: AT,
  discord_user_id: userId,
  plan,
  first,
  ...extra,
});
export const referral = (referrer: string, invitee: string, extra: object = {}) => ({
  type: 'referral.registered',
  occurred_at: AT,
  referrer_discord_user_id: referrer,
  invitee_discord_user_id: invitee,
  ...extra,
});

/** How many rows the platform has written: events, entries, referrals, markers. */
export function writes(db: Db) {
  const n = (sql: string) => (db.sqlite.prepare(sql).get() as { n: number }).n;
  return {
    events: n('SELECT COUNT(*) AS n FROM platform_events'),
    transfers: n('SELECT COUNT(*) AS n FROM transfers'),
    referrals: n('SELECT COUNT(*) AS n FROM referrals'),
    meta: n(`SELECT COUNT(*) AS n FROM meta WHERE key LIKE 'platform.%'`),
  };
}
