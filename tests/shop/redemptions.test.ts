import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue, type AuditEvent } from '../../src/audit.ts';
import type { AppDb } from '../../src/db/engine.ts';
import { openDatabase } from '../../src/db/open.ts';
import { openPgSync } from '../../src/db/pg/sync.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import {
  RedemptionService,
  type GrantOutcome,
  type RedeemRequest,
  type RoleGranter,
} from '../../src/shop/redemptions.ts';
import { RewardService, type RewardFields } from '../../src/shop/rewards.ts';
import { award, fakeClock, freshDb, G, MOD } from '../helpers/db.ts';
import { engineDbs, ENGINES, type Engine } from '../helpers/engines.ts';
import { freshDatabase } from '../testkit/postgres.ts';

const ROLE = '300000000000000001';
const VIP = '300000000000000002';

const fresh = engineDbs();

function shop(db: AppDb) {
  const clock = fakeClock();
  const audit = new AuditQueue();
  const events: AuditEvent[] = [];
  audit.onRecord(() => events.push(...audit.take(100)));
  const ledger = new Ledger({ db, clock });
  const rewards = new RewardService({ db, clock, audit });
  const redemptions = new RedemptionService({ db, ledger, rewards, clock, audit });
  const fund = (userId: string, amount: number) => award(ledger, userId, amount, `fund:${userId}:${amount}`);
  const add = (fields: Partial<RewardFields> & { name: string }) =>
    rewards.add(G, MOD.id, { cost: 100, kind: 'badge', ...fields });
  let n = 0;
  const request = (userId: string, rewardId: number, extra: Partial<RedeemRequest> = {}): RedeemRequest => ({
    guildId: G,
    userId,
    rewardId,
    confirmedCost: rewards.get(rewardId)!.cost,
    key: `confirm:${++n}`,
    memberRoleIds: [],
    ...extra,
  });
  const balance = (userId: string) => ledger.reads.standing(G, userId).balance;
  return { db, clock, ledger, rewards, redemptions, events, fund, add, request, balance };
}

/** A Discord stand-in: grants succeed unless told otherwise, and it remembers who holds what. */
function fakeRoles(outcome: () => GrantOutcome = () => ({ ok: true })) {
  const held = new Set<string>();
  const calls: string[] = [];
  const roles: RoleGranter & { held: Set<string>; calls: string[] } = {
    held,
    calls,
    grant(userId, roleId) {
      calls.push(`grant ${userId} ${roleId}`);
      const o = outcome();
      if (o.ok === true) held.add(`${userId}:${roleId}`);
      return Promise.resolve(o);
    },
    holds(userId, roleId) {
      return Promise.resolve(held.has(`${userId}:${roleId}`));
    },
  };
  return roles;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isSparksError(e) ? e.code : String(e);
  }
  return 'no error';
}

const opened: (() => void)[] = [];
afterEach(() => {
  while (opened.length) opened.pop()!();
});
function world(engine: Engine) {
  const env = fresh(engine);
  opened.push(env.cleanup);
  return { ...shop(env.db), env };
}

/** Two connections to one new database of `engine` (a file for SQLite), and how to read it. */
async function sharedDatabase(engine: Engine) {
  if (engine === 'sqlite') {
    const first = freshDb({ file: true });
    const second = openDatabase(first.path);
    opened.push(() => second.close(), first.cleanup);
    const rows = (sql: string) => first.sqlite.prepare(sql).all() as Record<string, unknown>[];
    return {
      target: first.path,
      first,
      second,
      rows,
      unpaid: unpaid(rows),
      verified: () => verifyLedger(first.sqlite).ok,
    };
  }
  const database = await freshDatabase();
  const first = openPgSync(database.url);
  const second = openPgSync(database.url, { migrate: false });
  opened.push(
    () => second.close(),
    () => first.close(),
    () => void database.drop(),
  );
  const rows = (sql: string) => first.query(sql);
  // verifyLedger is SQLite's; the ledger's invariants on PostgreSQL are engineDbs()' verify (above).
  const verified = () =>
    rows(`SELECT guild_id FROM accounts GROUP BY guild_id HAVING SUM(balance) <> 0`).length === 0;
  return { target: database.url, first, second, rows, unpaid: unpaid(rows), verified };
}

/**
 * Members funded `funded` each whose balance is not that less what their redemptions that
 * were not refunded cost: every unit sold was paid for once, and nothing else was taken.
 */
const unpaid = (rows: (sql: string) => Record<string, unknown>[]) => (funded: number) =>
  rows(`SELECT a.ref, a.balance FROM accounts a WHERE a.type = 'member' AND a.balance <> ${funded} -
    COALESCE((SELECT SUM(r.cost) FROM redemptions r WHERE r.user_id = a.ref AND r.status <> 'refunded'), 0)`);

describe.each(ENGINES)('the shop on %s', (engine) => {
  describe('reserving', () => {
    it('given enough Sparks, a role reward is held, then posted when Discord grants the role', async () => {
      const w = world(engine);
      w.fund('alice', 500);
      const vip = w.add({ name: 'VIP', kind: 'role', roleId: VIP, cost: 300, durationSeconds: 3600 });
      const r = w.redemptions.reserve(w.request('alice', vip.id));
      expect(r.redemption.status).toBe('reserved');
      expect(w.balance('alice')).toBe(200);
      const roles = fakeRoles();
      const done = await w.redemptions.fulfil(r.redemption, roles, { notified: true });
      expect(done.status).toBe('fulfilled');
      expect(done.redemption.expiresAt).toBe(w.clock() + 3600_000);
      expect(done.redemption.memberNotifiedAt).not.toBeNull();
      expect(w.ledger.reads.account(G, { type: 'redeemed', ref: 'shop' })?.balance).toBe(300);
      expect(w.ledger.reads.account(G, { type: 'hold', ref: 'shop' })?.balance).toBe(0);
      expect(w.events.map((e) => e.kind)).toEqual(['config', 'redemption', 'redemption.fulfilled']);
      expect(w.env.verify().ok).toBe(true);
    });

    it('the same confirmation key twice gives one redemption, flagged duplicate', () => {
      const w = world(engine);
      w.fund('alice', 500);
      const badge = w.add({ name: 'Early Bird' });
      const req = w.request('alice', badge.id);
      const first = w.redemptions.reserve(req);
      const again = w.redemptions.reserve(req);
      expect(again.duplicate).toBe(true);
      expect(again.redemption.id).toBe(first.redemption.id);
      expect(w.balance('alice')).toBe(400);
      // Nobody else can reach a member's redemption through its key.
      expect(codeOf(() => w.redemptions.reserve({ ...req, userId: 'mallory' }))).toBe(
        'SPARKS.STALE_COMPONENT',
      );
    });

    it.each([
      ['a removed reward', { name: 'Gone' }, 'SPARKS.REWARD_UNAVAILABLE'],
      ['a disabled reward', { name: 'Off' }, 'SPARKS.REWARD_UNAVAILABLE'],
      ['a changed price', { name: 'Pricey' }, 'SPARKS.STALE_COMPONENT'],
      ['a missing required role', { name: 'Members only', requiredRoleId: ROLE }, 'SPARKS.ROLE_REQUIRED'],
      ['a role the member already has', { name: 'Mine', kind: 'role', roleId: VIP }, 'SPARKS.ALREADY_OWNED'],
      ['a sold-out reward', { name: 'None left', stock: 0 }, 'SPARKS.SOLD_OUT'],
      ['too few Sparks', { name: 'Yacht', cost: 10_000 }, 'SPARKS.INSUFFICIENT'],
    ] as const)('refuses %s and writes nothing', (label, fields, code) => {
      const w = world(engine);
      w.fund('alice', 500);
      const reward = w.add(fields);
      if (label === 'a removed reward') w.rewards.remove(G, reward.id, MOD.id);
      if (label === 'a disabled reward') w.rewards.edit(G, reward.id, MOD.id, { enabled: false });
      const req = w.request('alice', reward.id, { memberRoleIds: [VIP] });
      if (label === 'a changed price') w.rewards.edit(G, reward.id, MOD.id, { cost: 101 });
      expect(codeOf(() => w.redemptions.reserve(req))).toBe(code);
      expect(w.balance('alice')).toBe(500);
      expect(w.env.rows('SELECT COUNT(*) AS n FROM redemptions')).toEqual([{ n: 0 }]);
      expect(w.rewards.get(reward.id)!.stock).toBe(fields.name === 'None left' ? 0 : null);
    });

    it('the per-member limit counts every redemption that was not refunded', async () => {
      const w = world(engine);
      w.fund('alice', 1000);
      const vip = w.add({ name: 'VIP', kind: 'role', roleId: VIP, perMemberLimit: 1 });
      const first = w.redemptions.reserve(w.request('alice', vip.id));
      expect(codeOf(() => w.redemptions.reserve(w.request('alice', vip.id)))).toBe('SPARKS.LIMIT_REACHED');
      await w.redemptions.fulfil(
        first.redemption,
        fakeRoles(() => ({ ok: false, reason: 'member_left', permanent: false })),
        {
          notified: true,
        },
      );
      expect(w.redemptions.reserve(w.request('alice', vip.id)).redemption.status).toBe('reserved');
    });

    it('stock is taken by the reservation and returned by a refund', async () => {
      const w = world(engine);
      w.fund('alice', 1000);
      const vip = w.add({ name: 'VIP', kind: 'role', roleId: VIP, stock: 1 });
      const r = w.redemptions.reserve(w.request('alice', vip.id));
      expect(w.rewards.get(vip.id)!.stock).toBe(0);
      const done = await w.redemptions.fulfil(
        r.redemption,
        fakeRoles(() => ({ ok: false, reason: 'discord_unavailable', permanent: false })),
        { notified: true },
      );
      expect(done).toMatchObject({
        status: 'refunded',
        failure: 'discord_unavailable',
        rewardDisabled: false,
      });
      expect(w.rewards.get(vip.id)!.stock).toBe(1);
      expect(w.balance('alice')).toBe(1000);
      expect(w.env.verify().ok).toBe(true);
    });

    it('a badge without a role is fulfilled in the reservation itself', () => {
      const w = world(engine);
      w.fund('alice', 500);
      const badge = w.add({ name: 'Early Bird', cost: 50 });
      const r = w.redemptions.reserve(w.request('alice', badge.id));
      expect(r.redemption.status).toBe('fulfilled');
      expect(w.redemptions.badges(G, 'alice')).toMatchObject([{ name: 'Early Bird', count: 1 }]);
      expect(w.env.verify().ok).toBe(true);
    });

    it('a manual reward with input checks the input, then waits in the queue', () => {
      const w = world(engine);
      w.fund('alice', 500);
      const wl = w.add({ name: 'Whitelist', kind: 'manual', inputKind: 'wallet' });
      expect(codeOf(() => w.redemptions.reserve(w.request('alice', wl.id, { input: '0x1234' })))).toBe(
        'SPARKS.REDEEM_INPUT_INVALID',
      );
      expect(w.balance('alice')).toBe(500);
      const address = '0x52908400098527886E0F7030069857D2E4169EE7';
      const r = w.redemptions.reserve(w.request('alice', wl.id, { input: ` ${address} ` }));
      expect(r.redemption).toMatchObject({ status: 'pending_manual', input: address });
      expect(w.redemptions.pendingManual(G, { offset: 0, limit: 10 }).total).toBe(1);
    });
  });

  describe('settling', () => {
    it('a permanent failure refunds, disables the reward and alerts the log channel', async () => {
      const w = world(engine);
      w.fund('alice', 500);
      const vip = w.add({ name: 'VIP', kind: 'role', roleId: VIP });
      const r = w.redemptions.reserve(w.request('alice', vip.id));
      const done = await w.redemptions.fulfil(
        r.redemption,
        fakeRoles(() => ({ ok: false, reason: 'role_too_high', permanent: true })),
        { notified: true },
      );
      expect(done).toMatchObject({ status: 'refunded', failure: 'role_too_high', rewardDisabled: true });
      expect(w.rewards.get(vip.id)).toMatchObject({ enabled: 0, disabledReason: 'role_too_high' });
      expect(w.events.find((e) => e.kind === 'reward.disabled')).toMatchObject({
        reason: 'role_too_high',
        fields: { Reward: 'VIP', Role: { type: 'role', id: VIP } },
      });
      expect(w.balance('alice')).toBe(500);
    });

    it('an unknown outcome leaves the redemption reserved for recovery', async () => {
      const w = world(engine);
      w.fund('alice', 500);
      const vip = w.add({ name: 'VIP', kind: 'role', roleId: VIP });
      const r = w.redemptions.reserve(w.request('alice', vip.id));
      const done = await w.redemptions.fulfil(
        r.redemption,
        fakeRoles(() => ({ ok: 'unknown' })),
        { notified: true },
      );
      expect(done.status).toBe('unknown');
      expect(w.redemptions.get(r.redemption.id)!.status).toBe('reserved');
      expect(w.balance('alice')).toBe(400);
    });

    it('fulfil and reject of a manual redemption are each applied once', () => {
      const w = world(engine);
      w.fund('alice', 500);
      const boost = w.add({ name: 'Boost', kind: 'manual', stock: 5 });
      const a = w.redemptions.reserve(w.request('alice', boost.id)).redemption;
      const b = w.redemptions.reserve(w.request('alice', boost.id)).redemption;
      expect(w.redemptions.resolveManual(G, a.id, MOD.id, 'fulfil').changed).toBe(true);
      expect(w.redemptions.resolveManual(G, a.id, MOD.id, 'reject').changed).toBe(false);
      expect(w.redemptions.resolveManual(G, b.id, MOD.id, 'reject')).toMatchObject({
        changed: true,
        redemption: { status: 'refunded', failureCode: 'rejected', resolvedBy: MOD.id },
      });
      expect(w.redemptions.resolveManual(G, b.id, MOD.id, 'reject').changed).toBe(false);
      expect(w.rewards.get(boost.id)!.stock).toBe(4);
      expect(w.balance('alice')).toBe(400);
      expect(codeOf(() => w.redemptions.resolveManual('999', a.id, MOD.id, 'fulfil'))).toBe(
        'SPARKS.REDEMPTION_NOT_FOUND',
      );
      expect(w.env.verify().ok).toBe(true);
    });

    it('onSettled runs inside the settling transaction: a hook that throws rolls it back', () => {
      const w = world(engine);
      w.fund('alice', 500);
      const boost = w.add({ name: 'Boost', kind: 'manual' });
      const r = w.redemptions.reserve(w.request('alice', boost.id)).redemption;
      const seen: string[] = [];
      let fail = true;
      w.redemptions.onSettled((redemption, outcome) => {
        seen.push(`${redemption.id}:${outcome}:${w.db.inTransaction}`);
        if (fail) throw new Error('outbox full');
      });
      expect(() => w.redemptions.resolveManual(G, r.id, MOD.id, 'fulfil')).toThrow('outbox full');
      expect(w.redemptions.get(r.id)!.status).toBe('pending_manual');
      fail = false;
      w.redemptions.resolveManual(G, r.id, MOD.id, 'fulfil');
      expect(seen).toEqual([`${r.id}:fulfilled:true`, `${r.id}:fulfilled:true`]);
      expect(w.env.verify().ok).toBe(true);
    });
  });

  describe('recovery', () => {
    it('settles what a crash left reserved by looking at the member, and skips what is in flight', async () => {
      const w = world(engine);
      for (const u of ['alice', 'bob', 'carol', 'dave']) w.fund(u, 500);
      const vip = w.add({ name: 'VIP', kind: 'role', roleId: VIP });
      const badge = w.add({ name: 'Shiny', roleId: ROLE });
      const rA = w.redemptions.reserve(w.request('alice', vip.id)).redemption;
      const rB = w.redemptions.reserve(w.request('bob', vip.id)).redemption;
      const rC = w.redemptions.reserve(w.request('carol', badge.id)).redemption;
      const rD = w.redemptions.reserve(w.request('dave', vip.id)).redemption;
      const roles = fakeRoles();
      roles.held.add(`alice:${VIP}`);
      roles.holds = (userId, roleId) =>
        Promise.resolve(
          userId === 'carol' ? 'left' : userId === 'dave' ? null : roles.held.has(`${userId}:${roleId}`),
        );
      // This process still owns the four reservations (it would fulfil them): recovery skips them.
      expect(await w.redemptions.recover(G, roles)).toEqual({
        fulfilled: [],
        refunded: [],
        pendingManual: [],
        unresolved: 0,
      });
      // The process crashed; the next one on the same database settles them.
      const next = new RedemptionService({
        db: w.db,
        ledger: w.ledger,
        rewards: w.rewards,
        clock: w.clock,
        audit: new AuditQueue(),
      });
      const result = await next.recover(G, roles);
      expect(result.fulfilled.map((r) => r.id)).toEqual([rA.id]);
      expect(result.refunded.map((r) => [r.id, r.failureCode])).toEqual([
        [rB.id, 'interrupted'],
        [rC.id, 'member_left'],
      ]);
      expect(result.unresolved).toBe(1);
      expect(w.redemptions.get(rD.id)!.status).toBe('reserved');
      expect(w.redemptions.get(rA.id)!.memberNotifiedAt).toBeNull();
      expect(w.env.verify().ok).toBe(true);
    });
  });

  describe('while the start-up recovery runs', () => {
    it('new reservations are refused as busy, and nothing is written', () => {
      const w = world(engine);
      w.fund('alice', 500);
      const badge = w.add({ name: 'Early Bird' });
      w.redemptions.setAccepting(false);
      expect(codeOf(() => w.redemptions.reserve(w.request('alice', badge.id)))).toBe('SPARKS.BOT_BUSY');
      expect(w.balance('alice')).toBe(500);
      w.redemptions.setAccepting(true);
      expect(w.redemptions.reserve(w.request('alice', badge.id)).redemption.status).toBe('fulfilled');
    });
  });

  describe('several connections to one database', () => {
    it('never sell more than the stock nor past the per-member limit', async () => {
      const shared = await sharedDatabase(engine);
      const a = shop(shared.first);
      const b = shop(shared.second);
      const members = Array.from({ length: 20 }, (_, i) => `m${i}`);
      for (const m of members) a.fund(m, 1000);
      const stocked = a.add({ name: 'Rare', stock: 7 });
      const limited = a.add({ name: 'Once', perMemberLimit: 1 });
      const outcomes: string[] = [];
      for (const [i, m] of members.entries()) {
        for (const s of [a, b]) {
          for (const id of [stocked.id, limited.id]) {
            outcomes.push(
              codeOf(() => s.redemptions.reserve({ ...s.request(m, id), key: `k:${i}:${id}:${s === a}` })),
            );
          }
        }
      }
      const count = (rewardId: number) =>
        shared.rows(`SELECT COUNT(*) AS n FROM redemptions WHERE reward_id = ${rewardId}`)[0]!.n;
      expect(count(stocked.id)).toBe(7);
      expect(count(limited.id)).toBe(20);
      expect(outcomes.filter((o) => o === 'SPARKS.SOLD_OUT')).toHaveLength(33);
      expect(outcomes.filter((o) => o === 'SPARKS.LIMIT_REACHED')).toHaveLength(20);
      expect(shared.unpaid(1000)).toEqual([]);
      expect(shared.verified()).toBe(true);
    });
  });

  describe('separate bot processes racing on one database', () => {
    it('sell exactly the stock and respect the per-member limit', async () => {
      const shared = await sharedDatabase(engine);
      const w = shop(shared.first);
      const members = Array.from({ length: 30 }, (_, i) => `member${i}`);
      for (const m of members) w.fund(m, 1000);
      const stocked = w.add({ name: 'Rare', stock: 10 });
      const limited = w.add({ name: 'Once', perMemberLimit: 1 });
      // A PostgreSQL worker starts a thread and connects before its first statement.
      const startAt = Date.now() + (engine === 'postgres' ? 5000 : 2500);
      const worker = (i: number) =>
        new Promise<Record<string, number>>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [
              '--import',
              'tsx',
              join(import.meta.dirname, 'fixtures/reserve-worker.ts'),
              shared.target,
              G,
              String(i),
              `${stocked.id},${limited.id}`,
              // Each process walks the members in its own order, so they collide everywhere.
              (i % 2 ? [...members].reverse() : members).join(','),
              String(startAt),
            ],
            { stdio: ['ignore', 'pipe', 'inherit'] },
          );
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.on('error', reject);
          child.on('exit', (code) =>
            code === 0
              ? resolve(JSON.parse(out) as Record<string, number>)
              : reject(new Error(`worker ${i} exited ${code}`)),
          );
        });
      const results = await Promise.all([0, 1, 2, 3].map(worker));
      const total = (outcome: string) => results.reduce((sum, r) => sum + (r[outcome] ?? 0), 0);
      expect(total('reserved')).toBe(10 + 30);
      expect(total('SPARKS.SOLD_OUT')).toBe(4 * 30 - 10);
      expect(total('SPARKS.LIMIT_REACHED')).toBe(4 * 30 - 30);
      const count = (rewardId: number) =>
        shared.rows(
          `SELECT COUNT(DISTINCT user_id) AS members, COUNT(*) AS n FROM redemptions WHERE reward_id = ${rewardId}`,
        )[0];
      expect(count(stocked.id)).toMatchObject({ n: 10 });
      expect(count(limited.id)).toEqual({ members: 30, n: 30 });
      expect(w.rewards.get(stocked.id)!.stock).toBe(0);
      expect(shared.unpaid(1000)).toEqual([]);
      expect(shared.verified()).toBe(true);
    }, 60_000);
  });
});
