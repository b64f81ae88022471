/**
 * Hostile input, by property: whatever arrives — environment values, webhook bodies and
 * headers, slash options, custom ids, modal input — the bot answers with a typed refusal
 * or a valid value, never an uncaught exception, and nothing invalid is ever accepted or
 * written.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileBotInput } from '../../reliability/hostile-bot.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { assertAmount } from '../../src/ledger/amount.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { parseEvent } from '../../src/platform/schemas.ts';
import { freshDb } from '../helpers/db.ts';
import { postEvent, SECRET_A, signedHeaders, startPlatform, type Platform } from '../helpers/platform.ts';

const SEED = Number(process.env.SPARKS_SEED ?? 20261124);
const hostileString = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '',
    ' ',
    '\u200b',
    '\u200b\u200b',
    '@everyone',
    '@here',
    '<@&1>',
    '0',
    '-1',
    '1e309',
    'NaN',
    'Infinity',
    '9007199254740993',
    '0x10',
    '1.5',
    '../../etc/passwd',
    'null',
    '{}',
    '[]',
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constant('x'.repeat(5000)),
);

describe('configuration values', () => {
  const vars = [
    'DISCORD_TOKEN',
    'DISCORD_CLIENT_ID',
    'DATABASE_PATH',
    'DISCORD_API_URL',
    'WEBHOOK_PORT',
    'WEBHOOK_SECRET',
    'DEFAULT_GUILD_ID',
    'PLATFORM_API_TOKEN',
    'PLATFORM_EVENTS_URL',
    'SHARD_COUNT',
    'LOG_LEVEL',
    'EARN_REFERRAL_TRADE_PCT',
    'BACKUP_KEEP',
  ];
  it('any value of any variable is either accepted as valid or refused with one ConfigError line naming it', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...vars), hostileString, { maxKeys: 4 }), (env) => {
        try {
          const c = loadConfig(env);
          if (c.webhook)
            expect(Number.isInteger(c.webhook.port) && c.webhook.port >= 0 && c.webhook.port <= 65535).toBe(
              true,
            );
          if (typeof c.shardCount === 'number')
            expect(Number.isInteger(c.shardCount) && c.shardCount >= 1).toBe(true);
          expect(c.earnDefaults.referralTradeSharePct).toBeGreaterThanOrEqual(0);
          expect(c.earnDefaults.referralTradeSharePct).toBeLessThanOrEqual(100);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          const message = (e as Error).message;
          expect(message.split('\n')).toHaveLength(1);
          expect(vars.some((v) => message.includes(v))).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('amounts', () => {
  it('only safe integers in 1..1e9 are ever accepted', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.double(), fc.integer(), fc.bigInt()), (value) => {
        try {
          const n = assertAmount(value);
          expect(Number.isSafeInteger(n) && n >= 1 && n <= 1e9).toBe(true);
        } catch (e) {
          expect(isSparksError(e, 'SPARKS.INVALID_AMOUNT')).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe('webhook bodies and headers', () => {
  let p: Platform;
  const db = freshDb();
  beforeAll(async () => {
    p = await startPlatform(db);
  });
  afterAll(async () => {
    await p.close();
    db.cleanup();
  });

  const count = () =>
    (
      p.db.sqlite
        .prepare('SELECT (SELECT COUNT(*) FROM transfers) + (SELECT COUNT(*) FROM platform_events) AS n')
        .get() as { n: number }
    ).n;

  it('the event parser never throws: any JSON value yields a valid event or field errors', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              type: fc.oneof(
                fc.constantFrom('trade.executed', 'subscription.started', 'referral.registered'),
                hostileString,
              ),
              occurred_at: fc.oneof(fc.constant('2026-11-24T12:00:00Z'), hostileString),
              discord_user_id: fc.oneof(fc.constant('300000000000000001'), hostileString, fc.integer()),
              volume_usd: fc.oneof(fc.double(), hostileString, fc.integer()),
              plan: hostileString,
              first: fc.anything(),
            },
            { requiredKeys: [] },
          ),
        ),
        (body) => {
          const r = parseEvent(body, '200000000000000001');
          if (r.ok) {
            expect(r.event.guildId).toMatch(/^\d{17,20}$/);
            if (r.event.type === 'trade.executed')
              expect(Number.isSafeInteger(r.event.volumeCents) && r.event.volumeCents >= 0).toBe(true);
          } else {
            expect(r.errors.length).toBeGreaterThan(0);
          }
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('garbage bodies and headers over HTTP: never a 5xx, never written', async () => {
    const before = count();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 200 }), fc.json(), fc.constant('{"type":"trade.executed"')),
        fc.record({
          sign: fc.boolean(),
          id: fc.oneof(fc.constant(undefined), hostileString),
          ts: fc.oneof(fc.constant(undefined), hostileString),
          sig: fc.oneof(fc.constant(undefined), hostileString),
        }),
        async (body, h) => {
          const headers = h.sign ? signedHeaders(body, { secret: SECRET_A }) : {};
          const res = await fetch(`${p.url}/v1/events`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...headers,
              ...(h.id !== undefined ? { 'webhook-id': encodeURIComponent(h.id).slice(0, 200) } : {}),
              ...(h.ts !== undefined ? { 'webhook-timestamp': encodeURIComponent(h.ts).slice(0, 200) } : {}),
              ...(h.sig !== undefined
                ? { 'webhook-signature': encodeURIComponent(h.sig).slice(0, 200) }
                : {}),
            },
            body,
          });
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          const json = (await res.json()) as { error?: string; message?: string };
          expect(json.error).toMatch(/^(WEBHOOK|HTTP|PLATFORM)\.[A-Z_]+$/);
          expect(typeof json.message).toBe('string');
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
    expect(count()).toBe(before);
    // A valid event still goes through afterwards.
    const ok = await postEvent(p.url, {
      type: 'referral.registered',
      occurred_at: '2026-11-24T12:00:00Z',
      guild_id: '200000000000000001',
      referrer_discord_user_id: '300000000000000001',
      invitee_discord_user_id: '300000000000000002',
    });
    expect(ok.status).toBe(200);
  });
});

describe('slash options, custom ids and modal input through the real bot', () => {
  it('values a Discord client would refuse, other members’ buttons, forged and overlong ids, bad wallets: refused, nothing written, no uncaught exception', async () => {
    const r = await hostileBotInput({ runs: 80, seed: SEED });
    expect(r.pass, r.figure).toBe(true);
  }, 90_000);
});
