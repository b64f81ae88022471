import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { freshDb, G } from '../helpers/db.ts';
import {
  AT,
  ALICE,
  BOB,
  CAROL,
  nextId,
  postEvent,
  referral,
  SECRET_A,
  SECRET_B,
  signedHeaders,
  startPlatform,
  subscription,
  trade,
  writes,
  type Platform,
} from '../helpers/platform.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function platform(options: Parameters<typeof startPlatform>[1] = {}, file = false): Promise<Platform> {
  const db = freshDb({ file });
  cleanups.push(() => db.cleanup());
  const p = await startPlatform(db, options);
  cleanups.push(() => p.close());
  return p;
}

const balance = (p: Platform, userId: string) => p.ledger.reads.standing(G, userId).balance;

describe('POST /v1/events credits each event type by the rules', () => {
  it('a trade: 1 Spark per whole 10 USD, rounded down, to a member the bot has never seen', async () => {
    const p = await platform();
    const id = nextId();
    const reply = await postEvent(p.url, trade(ALICE, '1234.56'), { id });
    expect(reply).toEqual({
      status: 200,
      body: {
        status: 'applied',
        event_id: id,
        type: 'trade.executed',
        guild_id: G,
        sparks: 123,
        credits: [
          { discord_user_id: ALICE, kind: 'platform.trade', amount: 123, entry_id: expect.any(Number) },
        ],
      },
    });
    const entry = p.ledger.reads.history(G, ALICE).entries[0]!;
    expect(entry).toMatchObject({
      kind: 'platform.trade',
      delta: 123,
      reason: 'Trade 1,234.56 USD',
      ref: `event:${id}`,
      idempotencyKey: `event:${id}`,
      actorType: 'platform',
      actorId: id,
      counterpartyType: 'issuance',
      counterpartyRef: 'platform',
    });
  });

  it('a subscription by plan, with the first-subscription bonus only on the first "first"', async () => {
    const p = await platform();
    p.settings.update(G, { planSparks: { pro: 300 }, firstSubscriptionBonus: 50 });
    const first = await postEvent(p.url, subscription(ALICE, 'pro', true));
    expect(first.body).toMatchObject({ status: 'applied', sparks: 350, first_subscription: true });
    const again = await postEvent(p.url, subscription(ALICE, 'pro', true));
    expect(again.body).toMatchObject({ status: 'applied', sparks: 300, first_subscription: false });
    await postEvent(p.url, subscription(ALICE, 'basic', false));
    expect(balance(p, ALICE)).toBe(350 + 300 + 100);
  });

  it("referrals: the referrer earns 10 % of each invitee trade and 50 % of the invitee's first subscription, once", async () => {
    const p = await platform();
    const registered = await postEvent(p.url, referral(ALICE, BOB));
    expect(registered.body).toMatchObject({
      status: 'applied',
      sparks: 0,
      referral: { referrer_discord_user_id: ALICE, invitee_discord_user_id: BOB },
    });
    const tradeReply = await postEvent(p.url, trade(BOB, 2_345));
    expect(tradeReply.body.credits).toEqual([
      expect.objectContaining({ discord_user_id: BOB, kind: 'platform.trade', amount: 234 }),
      expect.objectContaining({ discord_user_id: ALICE, kind: 'platform.referral', amount: 23 }),
    ]);
    await postEvent(p.url, subscription(BOB, 'basic', true));
    await postEvent(p.url, subscription(BOB, 'basic', true));
    expect(balance(p, BOB)).toBe(234 + 100 + 100);
    expect(balance(p, ALICE)).toBe(23 + 50);
    const referralEntries = p.ledger.reads.history(G, ALICE).entries;
    expect(referralEntries.map((e) => e.kind)).toEqual(['platform.referral', 'platform.referral']);
    expect(referralEntries[1]!.idempotencyKey).toBe(`event:${tradeReply.body.event_id}:referral`);
    expect(referralEntries[1]!.ref).toBe(`event:${tradeReply.body.event_id}`);
  });

  it('referral refusals: self-referral and cycles are 422 (again on replay), a later referrer is ignored', async () => {
    const p = await platform();
    const self = nextId();
    for (let i = 0; i < 2; i++) {
      const reply = await postEvent(p.url, referral(ALICE, ALICE), { id: self });
      expect(reply).toEqual({
        status: 422,
        body: { error: 'PLATFORM.SELF_REFERRAL', message: 'a member cannot refer themselves' },
      });
    }
    await postEvent(p.url, referral(ALICE, BOB));
    const cycle = await postEvent(p.url, referral(BOB, ALICE));
    expect(cycle.status).toBe(422);
    expect(cycle.body.error).toBe('PLATFORM.REFERRAL_CYCLE');
    const later = await postEvent(p.url, referral(CAROL, BOB));
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ status: 'ignored', referral: { referrer_discord_user_id: ALICE } });
    expect(writes(p.db).referrals).toBe(1);
  });

  it('uses DEFAULT_GUILD_ID when the event names no guild, and names guild_id when there is neither', async () => {
    const p = await platform({ defaultGuildId: undefined });
    const reply = await postEvent(p.url, trade(ALICE, 100));
    expect(reply).toEqual({
      status: 400,
      body: {
        error: 'HTTP.INVALID_BODY',
        message: 'the event is invalid',
        errors: [{ path: 'guild_id', message: expect.stringContaining('is required') }],
      },
    });
    const named = await postEvent(p.url, trade(ALICE, 100, { guild_id: G }));
    expect(named.body).toMatchObject({ status: 'applied', guild_id: G, sparks: 10 });
  });
});

describe('signature verification: 401 and nothing written', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const body = JSON.stringify(trade(ALICE, 1000));
  const flipped = body.replace('"volume_usd":1000', '"volume_usd":9000');

  it.each([
    ['a body with one byte changed', flipped, { signBody: body }, 'WEBHOOK.BAD_SIGNATURE'],
    [
      'the wrong secret',
      body,
      { secret: `whsec_${Buffer.alloc(32, 'z').toString('base64')}` },
      'WEBHOOK.BAD_SIGNATURE',
    ],
    [
      'a garbage signature',
      body,
      { headers: { 'webhook-signature': 'v1,bm90IGEgc2lnbmF0dXJl' } },
      'WEBHOOK.BAD_SIGNATURE',
    ],
    [
      'an unversioned signature',
      body,
      { headers: { 'webhook-signature': 'garbage' } },
      'WEBHOOK.BAD_SIGNATURE',
    ],
    ['no webhook-id', body, { headers: { 'webhook-id': undefined } }, 'WEBHOOK.MISSING_HEADER'],
    ['no webhook-timestamp', body, { headers: { 'webhook-timestamp': undefined } }, 'WEBHOOK.MISSING_HEADER'],
    ['no webhook-signature', body, { headers: { 'webhook-signature': undefined } }, 'WEBHOOK.MISSING_HEADER'],
    [
      'a timestamp that is not a number',
      body,
      { headers: { 'webhook-timestamp': 'yesterday' } },
      'WEBHOOK.BAD_TIMESTAMP',
    ],
    ['a timestamp 5 min 10 s old', body, { timestamp: now() - 310 }, 'WEBHOOK.STALE_TIMESTAMP'],
    ['a timestamp 5 min 10 s ahead', body, { timestamp: now() + 310 }, 'WEBHOOK.FUTURE_TIMESTAMP'],
    [
      'a valid signature for another id',
      body,
      { headers: { 'webhook-id': 'msg_other' } },
      'WEBHOOK.BAD_SIGNATURE',
    ],
  ] as const)('refuses %s', async (_name, sent, options, code) => {
    const p = await platform();
    const reply = await postEvent(p.url, sent, options);
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: code, message: expect.any(String) });
    expect(writes(p.db)).toEqual({ events: 0, transfers: 0, referrals: 0, meta: 0 });
  });

  it('accepts timestamps within 5 minutes either way', async () => {
    const p = await platform();
    expect((await postEvent(p.url, trade(ALICE, 10), { timestamp: now() - 280 })).status).toBe(200);
    expect((await postEvent(p.url, trade(ALICE, 10), { timestamp: now() + 280 })).status).toBe(200);
  });

  it('during key rotation accepts either secret, and a header carrying several signatures', async () => {
    const p = await platform({ secrets: [SECRET_A, SECRET_B] });
    expect((await postEvent(p.url, trade(ALICE, 10), { secret: SECRET_A })).status).toBe(200);
    expect((await postEvent(p.url, trade(ALICE, 10), { secret: SECRET_B })).status).toBe(200);
    const id = nextId();
    const sent = JSON.stringify(trade(ALICE, 10));
    const good = signedHeaders(sent, { id, secret: SECRET_B })['webhook-signature']!;
    const both = await postEvent(p.url, sent, {
      id,
      secret: SECRET_B,
      headers: { 'webhook-signature': `v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ${good}` },
    });
    expect(both.status).toBe(200);
    expect(balance(p, ALICE)).toBe(3);
  });
});

describe('malformed input: 4xx with the problem named, nothing written', () => {
  it.each([
    ['malformed JSON', '{"type": "trade.executed",', 400, 'HTTP.INVALID_JSON', undefined],
    ['an empty body', '', 400, 'HTTP.INVALID_JSON', undefined],
    ['a JSON array', '[1,2]', 400, 'HTTP.INVALID_BODY', [{ path: 'body', message: 'must be a JSON object' }]],
    [
      'an unknown event type',
      JSON.stringify({ type: 'trade.cancelled', occurred_at: '2026-11-24T12:00:00Z' }),
      400,
      'HTTP.INVALID_BODY',
      [{ path: 'type', message: expect.stringContaining('unknown event type') }],
    ],
    [
      'wrong types',
      JSON.stringify({ ...trade(ALICE, 10), discord_user_id: 300000000000000000, volume_usd: '-5' }),
      400,
      'HTTP.INVALID_BODY',
      [
        { path: 'discord_user_id', message: 'must be a Discord id string' },
        { path: 'volume_usd', message: expect.stringContaining('decimal') },
      ],
    ],
    [
      'a missing field, a bad date and an unknown field',
      JSON.stringify({
        type: 'subscription.started',
        occurred_at: 'now',
        discord_user_id: ALICE,
        plan: 'pro',
        extra: 1,
      }),
      400,
      'HTTP.INVALID_BODY',
      [
        { path: 'occurred_at', message: expect.stringContaining('ISO 8601') },
        { path: 'first', message: 'is required' },
        { path: 'extra', message: 'is not a known field' },
      ],
    ],
    [
      'NaN smuggled as a string',
      JSON.stringify(trade(ALICE, 'NaN')),
      400,
      'HTTP.INVALID_BODY',
      expect.any(Array),
    ],
    [
      'an absurd volume',
      JSON.stringify(trade(ALICE, 2e12)),
      400,
      'HTTP.INVALID_BODY',
      [{ path: 'volume_usd', message: expect.stringContaining('at most') }],
    ],
  ])('%s → %s', async (_name, sent, status, code, errors) => {
    const p = await platform();
    const reply = await postEvent(p.url, sent);
    expect(reply.status).toBe(status);
    expect(reply.body.error).toBe(code);
    if (errors) expect(reply.body.errors).toEqual(errors);
    expect(writes(p.db)).toEqual({ events: 0, transfers: 0, referrals: 0, meta: 0 });
  });

  it('a body over 64 KiB → 413', async () => {
    const p = await platform();
    const reply = await postEvent(p.url, JSON.stringify({ ...trade(ALICE, 10), pad: 'x'.repeat(70_000) }));
    expect(reply).toEqual({
      status: 413,
      body: { error: 'HTTP.BODY_TOO_LARGE', message: expect.any(String) },
    });
    expect(writes(p.db).events).toBe(0);
  });

  it('a non-JSON content type, or none → 415', async () => {
    const p = await platform();
    const plain = await postEvent(p.url, trade(ALICE, 10), { contentType: 'text/plain' });
    expect(plain).toEqual({
      status: 415,
      body: { error: 'HTTP.UNSUPPORTED_MEDIA_TYPE', message: 'Content-Type must be application/json' },
    });
    const sent = JSON.stringify(trade(ALICE, 10));
    const none = await fetch(`${p.url}/v1/events`, {
      method: 'POST',
      headers: signedHeaders(sent, { contentType: null }),
      body: new TextEncoder().encode(sent), // bytes: fetch adds no Content-Type of its own
    });
    expect(none.status).toBe(415);
    expect(writes(p.db).events).toBe(0);
  });

  it('body bytes that are not UTF-8 → 400', async () => {
    const p = await platform();
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const headers = signedHeaders('', { signBody: bytes.toString() });
    const reply = await fetch(`${p.url}/v1/events`, { method: 'POST', headers, body: bytes });
    expect(reply.status).toBe(400);
    expect(((await reply.json()) as { error: string }).error).toBe('HTTP.INVALID_JSON');
  });

  it('a valid signature with a webhook-id too long to be a ledger key → 400', async () => {
    const p = await platform();
    const reply = await postEvent(p.url, trade(ALICE, 10), { id: 'm'.repeat(65) });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('PLATFORM.INVALID_EVENT_ID');
  });

  it('a malformed URL → 400 JSON', async () => {
    const p = await platform();
    const reply = await fetch(`${p.url}/v1/members/%E0%A4%A`);
    expect(reply.status).toBe(400);
    expect(await reply.json()).toEqual({ error: 'HTTP.BAD_REQUEST', message: 'the URL is malformed' });
  });

  it('unknown routes and methods → 404 JSON', async () => {
    const p = await platform();
    const reply = await fetch(`${p.url}/v1/nothing?x=1`);
    expect(reply.status).toBe(404);
    expect(await reply.json()).toEqual({ error: 'HTTP.NOT_FOUND', message: 'no route GET /v1/nothing' });
  });
});

describe('exactly once', () => {
  it('the same event 5 times concurrently, then again after a restart: credited once, same answer', async () => {
    const db = freshDb({ file: true });
    cleanups.push(() => db.cleanup());
    const path = db.path;
    let p = await startPlatform(db);
    const id = nextId();
    const event = trade(ALICE, 5_000);
    const replies = await Promise.all(Array.from({ length: 5 }, () => postEvent(p.url, event, { id })));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(replies.map((r) => r.body.status as string).sort()).toEqual([
      'applied',
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    const applied = replies.find((r) => r.body.status === 'applied')!.body;
    for (const r of replies) {
      expect(r.body).toEqual(
        r.body.status === 'applied'
          ? applied
          : { ...applied, status: 'duplicate', original_status: 'applied' },
      );
    }

    await p.close();
    db.close();
    const reopened = openDatabase(path);
    cleanups.push(() => reopened.close());
    p = await startPlatform(reopened);
    cleanups.push(() => p.close());
    const later = await postEvent(p.url, event, { id });
    expect(later).toEqual({
      status: 200,
      body: { ...applied, status: 'duplicate', original_status: 'applied' },
    });
    expect(balance(p, ALICE)).toBe(500);
    expect(writes(reopened)).toMatchObject({ events: 1, transfers: 1 });
  });

  it('the same webhook-id with a different body → 409, nothing changed', async () => {
    const p = await platform();
    const id = nextId();
    await postEvent(p.url, trade(ALICE, 1_000), { id });
    const conflict = await postEvent(p.url, trade(ALICE, 9_000), { id });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toBe('PLATFORM.EVENT_CONFLICT');
    expect(balance(p, ALICE)).toBe(100);
  });

  it('10,000 distinct events, 50 in flight: each credited once and the ledger verifies', async () => {
    const p = await platform({}, true);
    await postEvent(p.url, referral(ALICE, BOB));
    const members = Array.from({ length: 100 }, (_, i) => `4000000000000${String(i).padStart(5, '0')}`);
    const total = 10_000;
    const started = performance.now();
    const cpu = process.cpuUsage();
    const { statuses, failures } = await loadInWorker({
      url: p.url,
      secret: SECRET_A,
      total,
      concurrency: 50,
      bob: BOB,
      members,
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    console.log(
      `10,000 signed events over HTTP, 50 in flight: ${seconds.toFixed(1)} s wall, ` +
        `${((used.user + used.system) / 1e6).toFixed(1)} s CPU (server and load worker)`,
    );
    expect(failures).toEqual([]);
    expect(statuses).toEqual({ '200 applied': total });
    expect(writes(p.db).events).toBe(total + 1);
    // Every trade is 100–106 USD: 10 Sparks each; Bob's 1,000 trades pay Alice 1 each.
    const sum = (p.db.sqlite.prepare(`SELECT SUM(amount) AS s FROM transfers`).get() as { s: number }).s;
    expect(sum).toBe(total * 10 + 1_000);
    expect(balance(p, BOB)).toBe(10_000);
    expect(balance(p, ALICE)).toBe(1_000);
    const replays = await Promise.all(
      [0, 1, 10, 4_321, 9_999].map((i) =>
        postEvent(p.url, trade(i % 10 === 0 ? BOB : members[i % 100]!, 100 + (i % 7), { occurred_at: AT }), {
          id: `bulk_${i}`,
        }),
      ),
    );
    expect(replays.map((r) => r.body.status as string)).toEqual(Array(5).fill('duplicate'));
    expect(writes(p.db).transfers).toBe(total + 1_000);
    const report = verifyLedger(p.db.sqlite);
    expect(report.ok, JSON.stringify(report.checks.filter((c) => !c.ok))).toBe(true);
  }, 60_000);
});

/*
 * The load generator runs in a worker thread, as the platform would run in another
 * process: its fetch and signing then do not share the server's event loop. Plain
 * CommonJS because a worker does not go through vitest's TypeScript transform.
 */
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, secret, total, concurrency, bob, members, library } = workerData;
const { Webhook } = require(library);
const webhook = new Webhook(secret);
const statuses = {};
const failures = [];
let next = 0;
async function run() {
  while (next < total) {
    const i = next++;
    const userId = i % 10 === 0 ? bob : members[i % members.length];
    const body = JSON.stringify({
      type: 'trade.executed',
      occurred_at: '2026-11-24T12:00:00Z',
      discord_user_id: userId,
      volume_usd: 100 + (i % 7),
    });
    const id = 'bulk_' + i;
    const now = new Date();
    const response = await fetch(url + '/v1/events', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': webhook.sign(id, now, body),
      },
      body,
    });
    const reply = await response.json();
    const key = response.status + ' ' + reply.status;
    statuses[key] = (statuses[key] || 0) + 1;
    if (response.status !== 200 && failures.length < 5) failures.push(reply);
  }
}
Promise.all(Array.from({ length: concurrency }, run)).then(
  () => parentPort.postMessage({ statuses, failures }),
  (e) => parentPort.postMessage({ statuses, failures: [...failures, String(e)] }),
);
`;

function loadInWorker(
  data: Record<string, unknown>,
): Promise<{ statuses: Record<string, number>; failures: unknown[] }> {
  return new Promise((resolve, reject) => {
    const library = createRequire(import.meta.url).resolve('standardwebhooks');
    const worker = new Worker(LOAD_WORKER, { eval: true, workerData: { ...data, library } });
    worker.once('message', (message: { statuses: Record<string, number>; failures: unknown[] }) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
