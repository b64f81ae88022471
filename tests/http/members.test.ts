import { afterEach, describe, expect, it } from 'vitest';
import { freshDb, G, MOD } from '../helpers/db.ts';
import {
  ALICE,
  BOB,
  CAROL,
  postEvent,
  referral,
  startPlatform,
  TOKEN,
  trade,
  type Platform,
  type Reply,
} from '../helpers/platform.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function platform(options: Parameters<typeof startPlatform>[1] = {}): Promise<Platform> {
  const db = freshDb();
  cleanups.push(() => db.cleanup());
  const p = await startPlatform(db, options);
  cleanups.push(() => p.close());
  return p;
}

async function get(p: Platform, path: string, token: string | null = TOKEN) {
  const response = await fetch(`${p.url}${path}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  const reply: Reply = { status: response.status, body: await response.json() };
  return { ...reply, headers: response.headers };
}

/** The read-back of a member who referred no one. */
const NO_REFERRALS = {
  pending_sparks: 0,
  credited_sparks: 0,
  lapsed_sparks: 0,
  total_invitees: 0,
  invitees: [],
};

describe('GET /v1/members/:discordUserId', () => {
  it('refuses a missing or wrong token with 401, before looking at anything else', async () => {
    const p = await platform();
    for (const token of [null, 'wrong', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const reply = await get(p, `/v1/members/${ALICE}`, token);
      expect(reply.status).toBe(401);
      expect(reply.body.error).toBe('HTTP.UNAUTHORIZED');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await get(p, '/v1/members/not-an-id', null)).status).toBe(401);
    const basic = await fetch(`${p.url}/v1/members/${ALICE}`, {
      headers: { authorization: `Basic ${TOKEN}` },
    });
    expect(basic.status).toBe(401);
  });

  it('does not exist (404) when no token is configured', async () => {
    const p = await platform({ token: undefined });
    const reply = await get(p, `/v1/members/${ALICE}`);
    expect(reply.status).toBe(404);
    expect(reply.body.error).toBe('HTTP.NOT_FOUND');
  });

  it('refuses a malformed member or guild id with 400 naming it', async () => {
    const p = await platform();
    const bad = await get(p, '/v1/members/12345');
    expect(bad).toMatchObject({
      status: 400,
      body: {
        error: 'HTTP.INVALID_PARAMS',
        errors: [{ path: 'discord_user_id', message: expect.any(String) }],
      },
    });
    const badGuild = await get(p, `/v1/members/${ALICE}?guild_id=abc`);
    expect(badGuild.body.errors).toEqual([{ path: 'guild_id', message: expect.any(String) }]);
    const badLimit = await get(p, `/v1/members/${ALICE}?limit=500`);
    expect(badLimit.body.errors).toEqual([{ path: 'limit', message: expect.any(String) }]);
  });

  it('returns balance, lifetime earned, rank, tier, next tier and recent entries with signed amounts', async () => {
    const p = await platform();
    const insertTier = p.db.sqlite.prepare(
      'INSERT INTO tier_roles (guild_id, role_id, threshold, created_at) VALUES (?, ?, ?, 0)',
    );
    insertTier.run(G, '500000000000000001', 100);
    insertTier.run(G, '500000000000000002', 200);
    insertTier.run(G, '500000000000000003', 1000);
    await postEvent(p.url, referral(ALICE, BOB));
    const bobTrade = await postEvent(p.url, trade(BOB, 2_500)); // Bob 250, Alice 25
    await postEvent(p.url, trade(CAROL, 9_000)); // Carol 900: ranked first
    p.ledger.reverse(bobTrade.body.credits[0].entry_id, {
      key: 'rv1',
      actor: MOD,
      reason: 'correction',
      amount: 30,
    });
    const held = p.ledger.hold({
      guildId: G,
      userId: BOB,
      amount: 20,
      key: 'h1',
      actor: MOD,
      reason: 'shop',
    });

    const reply = await get(p, `/v1/members/${BOB}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      guild_id: G,
      discord_user_id: BOB,
      balance: 200, // 250 − 30 reversed − 20 held
      lifetime_earned: 220, // spending (the hold) does not lower it; the reversal does
      rank: 2,
      tier: { role_id: '500000000000000002', threshold: 200 },
      next_tier: { role_id: '500000000000000003', threshold: 1000 },
      recent_entries: [
        {
          id: held.transfer.id,
          kind: 'hold',
          amount: -20,
          reason: 'shop',
          created_at: '2026-11-24T12:00:00.000Z',
        },
        {
          id: expect.any(Number),
          kind: 'reversal',
          amount: -30,
          reason: 'correction',
          created_at: expect.any(String),
        },
        {
          id: expect.any(Number),
          kind: 'platform.trade',
          amount: 250,
          reason: 'Trade 2,500.00 USD',
          created_at: expect.any(String),
        },
      ],
      referrals: NO_REFERRALS,
    });
    const limited = await get(p, `/v1/members/${BOB}?limit=1&guild_id=${G}`);
    expect(limited.body.recent_entries).toHaveLength(1);
  });

  it('reads a member the bot has never seen as zeros, in the guild asked for', async () => {
    const p = await platform();
    await postEvent(p.url, trade(ALICE, 1_000));
    const other = await get(p, `/v1/members/${ALICE}?guild_id=200000000000000009`);
    expect(other.body).toEqual({
      guild_id: '200000000000000009',
      discord_user_id: ALICE,
      balance: 0,
      lifetime_earned: 0,
      rank: null,
      tier: null,
      next_tier: null,
      recent_entries: [],
      referrals: NO_REFERRALS,
    });
  });
});

describe('GET /healthz and composition hooks', () => {
  it('answers 200 by default, and 503 when the health callback says not ok', async () => {
    const p = await platform();
    const ok = await fetch(`${p.url}/healthz`);
    expect([ok.status, await ok.json()]).toEqual([200, { ok: true, database: 'ok' }]);
    const q = await platform({ extra: { health: () => ({ ok: false, discord: 'disconnected' }) } });
    const down = await fetch(`${q.url}/healthz`);
    expect([down.status, await down.json()]).toEqual([503, { ok: false, discord: 'disconnected' }]);
  });

  it('serves extra routes on the same server, with the same error handling', async () => {
    const p = await platform({
      extra: {
        extraRoutes: (app) => {
          app.get('/metrics', (_request, reply) => {
            void reply.type('text/plain').send('sparks_up 1\n');
          });
          app.get('/boom', () => {
            throw new Error('secret internals');
          });
        },
      },
    });
    const metrics = await fetch(`${p.url}/metrics`);
    expect(await metrics.text()).toBe('sparks_up 1\n');
    const boom = await fetch(`${p.url}/boom`);
    expect(boom.status).toBe(500);
    const body = (await boom.json()) as { error: string; message: string };
    expect(body.error).toBe('HTTP.INTERNAL');
    expect(JSON.stringify(body)).not.toContain('secret internals');
  });
});
