import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppDb } from '../../src/db/engine.ts';
import { openDatabase } from '../../src/db/open.ts';
import { outboxStore } from '../../src/db/pg/outbox-store.ts';
import { openPgSync } from '../../src/db/pg/sync.ts';
import { CAMPAIGN_BUDGET, Ledger } from '../../src/ledger/ledger.ts';
import { Outbox, OutboxDispatcher, type OutboxDispatcherOptions } from '../../src/platform/outbox.ts';
import { award, fakeClock, freshDb, G, MOD } from '../helpers/db.ts';
import { ENGINES, type Engine } from '../helpers/engines.ts';
import { ALICE, BOB, CAROL, SECRET_A } from '../helpers/platform.ts';
import { freshDatabase } from '../testkit/postgres.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A dispatcher for `db`'s outbox that signs with SECRET_A and posts to `url`. */
function dispatcherOn(
  db: AppDb,
  url: string,
  options: Omit<OutboxDispatcherOptions, 'db' | 'store' | 'url' | 'secret'> = {},
): OutboxDispatcher {
  return new OutboxDispatcher({ db, store: outboxStore(db), url, secret: SECRET_A, ...options });
}

/** A fake clock that starts at the real time, so receivers can check signature timestamps. */
const nowClock = () => fakeClock(Date.now());

/**
 * A database of `engine` and `connect()`, another connection to it (a second process, or the
 * bot after a restart). SQLite: in memory unless `file`; PostgreSQL: a database of its own.
 */
async function databaseOf(engine: Engine, file: boolean): Promise<{ db: AppDb; connect: () => AppDb }> {
  if (engine === 'sqlite') {
    const db = freshDb({ file });
    cleanups.push(() => db.cleanup());
    const connect = () => {
      const other = openDatabase(db.path);
      cleanups.push(() => other.close());
      return other;
    };
    return { db, connect };
  }
  const database = await freshDatabase();
  cleanups.push(() => database.drop());
  const connect = () => {
    const other = openPgSync(database.url, { migrate: false });
    cleanups.push(() => other.close());
    return other;
  };
  const db = openPgSync(database.url);
  cleanups.push(() => db.close());
  return { db, connect };
}

/** How many rows `table` holds, on either engine. */
function countOf(db: AppDb, table: string): number {
  const text = `SELECT COUNT(*) AS n FROM ${table}`;
  const row = db.engine === 'postgres' ? db.query<{ n: number }>(text)[0] : db.sqlite.prepare(text).get();
  return (row as { n: number }).n;
}

async function setup(engine: Engine, file = true) {
  const { db, connect } = await databaseOf(engine, file);
  const clock = nowClock();
  const ledger = new Ledger({ db, clock });
  const store = outboxStore(db);
  const outbox = new Outbox({ db, store });
  outbox.registerCreditedEvents(ledger);
  let n = 0;
  const credit = (userId: string, amount: number) => {
    n++;
    return award(ledger, userId, amount, `k${n}`, `award ${n}`);
  };
  return { db, connect, clock, ledger, credit, store, outbox };
}

interface Received {
  id: string;
  userId: string;
  outboxId: number;
  status: number;
  verified: boolean;
  body: Record<string, unknown>;
}

/** A platform endpoint on 127.0.0.1 that verifies each request with standardwebhooks. */
async function receiver(options: { port?: number; fail?: (r: Received, n: number) => boolean } = {}) {
  const webhook = new Webhook(SECRET_A);
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let verified = true;
      try {
        webhook.verify(raw, headersOf(req.headers));
      } catch {
        verified = false;
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      const id = String(req.headers['webhook-id']);
      const r: Received = {
        id,
        userId: String(body.discord_user_id),
        outboxId: Number(id.replace('outbox_', '')),
        status: 200,
        verified,
        body,
      };
      if (options.fail?.(r, received.length)) r.status = 500;
      received.push(r);
      // No keep-alive: a pooled socket the server closed could otherwise be reused by the next
      // delivery before the client saw it close (UND_ERR_SOCKET instead of the outage's
      // ECONNREFUSED, depending on timing).
      res.writeHead(r.status, { connection: 'close' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let open = true;
  const close = () =>
    open
      ? new Promise<void>((resolve) => {
          open = false;
          server.closeAllConnections();
          server.close(() => resolve());
        })
      : Promise.resolve();
  cleanups.push(close);
  return { url: `http://127.0.0.1:${port}/hooks`, port, received, close };
}

function headersOf(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
}

/** Requests per member in arrival order must never go back to an earlier outbox row. */
function expectInOrderPerMember(received: Received[]) {
  const byMember = new Map<string, number[]>();
  for (const r of received) byMember.set(r.userId, [...(byMember.get(r.userId) ?? []), r.outboxId]);
  for (const [member, ids] of byMember) {
    expect(ids, `requests for ${member}`).toEqual([...ids].sort((a, b) => a - b));
  }
}

describe.each(ENGINES)('on %s', (engine) => {
  describe('sparks.credited is queued in the posting transaction', () => {
    it('for credits from issuance and campaign accounts, with balance and lifetime after, and not for holds', async () => {
      const { ledger, credit, store, outbox } = await setup(engine, false);
      const first = credit(ALICE, 50);
      credit(ALICE, 25);
      ledger.post({
        guildId: G,
        kind: 'campaign.fund',
        from: { type: 'issuance', ref: 'campaign' },
        to: CAMPAIGN_BUDGET(1),
        amount: 100,
        key: 'fund',
        actor: MOD,
      });
      ledger.post({
        guildId: G,
        kind: 'campaign.grant',
        from: CAMPAIGN_BUDGET(1),
        to: { type: 'member', ref: BOB },
        amount: 10,
        key: 'grant',
        actor: { type: 'campaign', id: '1' },
      });
      const hold = ledger.hold({ guildId: G, userId: ALICE, amount: 30, key: 'h', actor: MOD });
      ledger.closeHold(hold.transfer.id, 'void', { key: 'v', actor: MOD });
      const rows = store.all();
      expect(rows.map((r) => [r.userId, r.type])).toEqual([
        [ALICE, 'sparks.credited'],
        [ALICE, 'sparks.credited'],
        [BOB, 'sparks.credited'],
      ]);
      expect(JSON.parse(rows[1]!.payload)).toEqual({
        type: 'sparks.credited',
        occurred_at: new Date(first.transfer.createdAt).toISOString(),
        guild_id: G,
        discord_user_id: ALICE,
        status: 'credited',
        amount: 25,
        kind: 'award',
        entry_id: first.transfer.id + 1,
        balance_after: 75,
        lifetime_after: 75,
        reason: 'award 2',
        ref: null,
      });
      expect(rows[0]).toMatchObject({
        attempts: 0,
        deliveredAt: null,
        nextAttemptAt: first.transfer.createdAt,
      });
      expect(outbox.stats()).toEqual({ pending: 3, oldestPendingAt: first.transfer.createdAt });
    });

    it('registers once: a second registration does not queue events twice', async () => {
      const { ledger, credit, store, outbox } = await setup(engine, false);
      outbox.registerCreditedEvents(ledger);
      credit(ALICE, 5);
      expect(store.all()).toHaveLength(1);
    });

    // SQLite runs post hooks inside the entry's transaction; PostgreSQL after its COMMIT
    // (Ledger.notify), so there a failing later hook finds the entry and its event both kept.
    it('a failing later hook: no event without its entry, and no entry without its event', async () => {
      const { db, ledger, credit, store } = await setup(engine, false);
      ledger.onPosted(() => {
        throw new Error('later hook fails');
      });
      expect(() => credit(ALICE, 5)).toThrow('later hook fails');
      const kept = engine === 'postgres' ? 1 : 0;
      expect(store.all()).toHaveLength(kept);
      expect(countOf(db, 'transfers')).toBe(kept);
    });

    // The outbox's hook is transactional: on both engines its event is written in the entry's
    // own transaction, so a crash after COMMIT cannot leave the entry without its event.
    it('queues the event inside the entry’s transaction; a failing transactional hook keeps neither', async () => {
      const { db, ledger, credit, store } = await setup(engine, false);
      const inside = db.write(() => {
        credit(ALICE, 5);
        return countOf(db, 'outbox');
      });
      expect(inside).toBe(1);
      ledger.onPosted(
        () => {
          throw new Error('transactional hook fails');
        },
        { transactional: true },
      );
      expect(() => credit(BOB, 6)).toThrow('transactional hook fails');
      expect(store.all()).toHaveLength(1);
      expect(countOf(db, 'transfers')).toBe(1);
    });

    it('enqueue queues the shop events with their own fields, inside the caller’s write', async () => {
      const { db, store, outbox } = await setup(engine, false);
      const id = db.write(() =>
        outbox.enqueue({
          guildId: G,
          userId: CAROL,
          type: 'redemption.fulfilled',
          now: Date.UTC(2026, 10, 24),
          data: { redemption_id: 7, reward: 'VIP role', cost: 500 },
        }),
      );
      expect(store.all()).toEqual([
        expect.objectContaining({ id, userId: CAROL, type: 'redemption.fulfilled' }),
      ]);
      expect(JSON.parse(store.all()[0]!.payload)).toEqual({
        type: 'redemption.fulfilled',
        occurred_at: '2026-11-24T00:00:00.000Z',
        guild_id: G,
        discord_user_id: CAROL,
        redemption_id: 7,
        reward: 'VIP role',
        cost: 500,
      });
    });
  });

  describe('OutboxDispatcher', () => {
    it('delivers through 500s and an outage across a restart: each event at least once, signed, in order per member', async () => {
      const { db, connect, clock, credit } = await setup(engine);
      for (const [userId, amount] of [
        [ALICE, 10],
        [BOB, 20],
        [ALICE, 11],
        [CAROL, 30],
        [BOB, 21],
        [ALICE, 12],
      ] as const)
        credit(userId, amount);
      let platform = await receiver({ fail: (_r, n) => n < 3 });
      const options = { clock, random: () => 0.5 };
      const first = dispatcherOn(db, platform.url, options);

      expect(await first.runOnce()).toEqual({ claimed: 3, delivered: 0, failed: 3 }); // heads of Alice, Bob, Carol: 500
      expect(await first.runOnce()).toEqual({ claimed: 0, delivered: 0, failed: 0 }); // backing off
      await platform.close(); // the platform goes down
      clock.advance(1_000);
      expect(await first.runOnce()).toEqual({ claimed: 3, delivered: 0, failed: 3 });
      const store = outboxStore(db);
      expect(store.all()[0]).toMatchObject({
        attempts: 2,
        lastError: expect.stringContaining('ECONNREFUSED'),
      });

      await first.stop();
      db.close(); // the bot restarts while the platform is still down
      const reopened = connect();
      const second = dispatcherOn(reopened, platform.url, options);
      const before = platform.received;
      platform = await receiver({ port: platform.port });

      let delivered = 0;
      for (let pass = 0; pass < 20 && delivered < 6; pass++) {
        clock.advance(2_000);
        delivered += (await second.runOnce()).delivered;
      }
      expect(delivered).toBe(6);
      const rows = outboxStore(reopened).all();
      expect(rows.every((r) => r.deliveredAt !== null)).toBe(true);
      expect(rows.map((r) => r.attempts)).toEqual([3, 3, 1, 3, 1, 1]);
      expect(rows[0]!.lastError).toContain('ECONNREFUSED');

      const all = [...before, ...platform.received];
      expect(before.map((r) => r.status)).toEqual([500, 500, 500]);
      expect(all.every((r) => r.verified)).toBe(true);
      const accepted = all.filter((r) => r.status === 200);
      expect(accepted.map((r) => r.outboxId).sort((a, b) => a - b)).toEqual(rows.map((r) => r.id));
      expectInOrderPerMember(all);
      expect(accepted.filter((r) => r.userId === ALICE).map((r) => r.body.amount)).toEqual([10, 11, 12]);
      expect(accepted.find((r) => r.userId === BOB && r.body.amount === 21)!.body).toMatchObject({
        type: 'sparks.credited',
        balance_after: 41,
        lifetime_after: 41,
      });
    });

    it("holds back a member's later events while an earlier one fails, and lets other members through", async () => {
      const { db, clock, credit } = await setup(engine);
      credit(ALICE, 1);
      credit(ALICE, 2);
      credit(BOB, 3);
      credit(BOB, 4);
      let aliceFails = true;
      const platform = await receiver({ fail: (r) => aliceFails && r.userId === ALICE });
      const dispatcher = dispatcherOn(db, platform.url, { clock, random: () => 0 });
      for (let i = 0; i < 5; i++) {
        clock.advance(60_000);
        await dispatcher.runOnce();
      }
      expect(platform.received.filter((r) => r.status === 200).map((r) => r.body.amount)).toEqual([3, 4]);
      expect(new Set(platform.received.filter((r) => r.userId === ALICE).map((r) => r.body.amount))).toEqual(
        new Set([1]),
      );
      aliceFails = false;
      clock.advance(600_000);
      await dispatcher.runOnce();
      await dispatcher.runOnce();
      expect(platform.received.filter((r) => r.status === 200).map((r) => r.body.amount)).toEqual([
        3, 4, 1, 2,
      ]);
      expectInOrderPerMember(platform.received);
    });

    it('two dispatchers on one database file never send the same row concurrently', async () => {
      const { db, connect, clock, credit } = await setup(engine);
      const members = Array.from({ length: 12 }, (_, i) => `60000000000000000${String(i).padStart(2, '0')}`);
      for (let round = 0; round < 3; round++) for (const m of members) credit(m, round + 1);
      const other = connect();
      const platform = await receiver();
      const a = dispatcherOn(db, platform.url, { clock, batchSize: 5 });
      const b = dispatcherOn(other, platform.url, { clock, batchSize: 5 });
      for (let pass = 0; pass < 20 && platform.received.length < 36; pass++) {
        const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
        if (pass === 0) expect([ra.claimed, rb.claimed]).toEqual([5, 5]);
      }
      const ids = platform.received.map((r) => r.outboxId);
      expect(ids).toHaveLength(36);
      expect(new Set(ids).size).toBe(36);
      expectInOrderPerMember(platform.received);
    });

    it('resends a row whose claimant died once its lease runs out, not before', async () => {
      const { db, clock, credit, store } = await setup(engine);
      credit(ALICE, 5);
      const platform = await receiver();
      store.lease(1, clock() + 60_000); // a dispatcher claimed it, then crashed
      const dispatcher = dispatcherOn(db, platform.url, { clock });
      expect((await dispatcher.runOnce()).claimed).toBe(0);
      clock.advance(60_000);
      expect(await dispatcher.runOnce()).toEqual({ claimed: 1, delivered: 1, failed: 0 });
      expect(platform.received.map((r) => r.id)).toEqual(['outbox_1']);
    });

    it('backs off exponentially from 1 s to at most 10 minutes, with up to half as jitter', async () => {
      const { db } = await setup(engine, false);
      const make = (r: number) => dispatcherOn(db, 'http://127.0.0.1:9/', { random: () => r });
      const none = make(0.999_999);
      const most = make(0);
      expect([1, 2, 3, 4, 10, 11, 50].map((n) => Math.round(none.backoff(n) / 1000))).toEqual([
        1, 2, 4, 8, 512, 600, 600,
      ]);
      expect([1, 2, 10, 11].map((n) => most.backoff(n))).toEqual([500, 1_000, 256_000, 300_000]);
    });

    it('runs in the background between start() and stop(), and prunes delivered rows after the retention', async () => {
      const { db, credit, store, outbox } = await setup(engine);
      const platform = await receiver();
      credit(ALICE, 1);
      const dispatcher = dispatcherOn(db, platform.url, { pollMs: 5, retentionMs: 0 });
      dispatcher.start();
      for (let i = 0; i < 200 && platform.received.length === 0; i++)
        await new Promise((r) => setTimeout(r, 5));
      credit(BOB, 2);
      for (let i = 0; i < 200 && platform.received.length < 2; i++)
        await new Promise((r) => setTimeout(r, 5));
      await dispatcher.stop();
      expect(platform.received.map((r) => r.userId)).toEqual([ALICE, BOB]);
      expect(outbox.stats().pending).toBe(0);
      // The first pass pruned nothing yet; a new dispatcher prunes on its first pass.
      await dispatcherOn(db, platform.url, { retentionMs: 0 }).runOnce();
      expect(store.all()).toEqual([]);
    });
  });
});

describe('on postgres, claims of two connections at once', () => {
  it('a second dispatcher passes over the rows a first one is claiming, and sees them leased after', async () => {
    const { db, connect, clock, credit } = await setup('postgres');
    for (const m of [ALICE, BOB, CAROL]) credit(m, 1);
    credit(ALICE, 2); // Alice's second row: not due while her first is undelivered
    const otherStore = outboxStore(connect());
    const store = outboxStore(db);
    const now = clock();
    let seenDuringClaim: number[] = [];
    const claimed = db.write(() => {
      const leased = store.due(now, 2).map((row) => store.lease(row.id, now + 60_000)!.id);
      // The other connection's claim runs while this one's transaction holds its rows.
      seenDuringClaim = otherStore.due(now, 10).map((row) => row.id);
      return leased;
    });
    expect(claimed).toEqual([1, 2]);
    expect(seenDuringClaim).toEqual([3]);
    expect(otherStore.due(now, 10).map((row) => row.id)).toEqual([3]);
    expect(otherStore.due(now + 60_000, 10).map((row) => row.id)).toEqual([3, 1, 2]);
  });
});
