/**
 * The shop's store on both engines, through the services where they reach it: the catalogue's
 * order and its unique live names, timed roles coming off, the member's notices, badges, the
 * moderators' queue in pages and the analytics' redemptions by reward. The same results,
 * row for row, from ShopStore (SQLite) and PgShopStore (PostgreSQL).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { RedemptionService, type RoleGranter } from '../../src/shop/redemptions.ts';
import { RewardService, type RewardFields } from '../../src/shop/rewards.ts';
import { award, fakeClock, G, MOD } from '../helpers/db.ts';
import { engineDbs, ENGINES, type Engine } from '../helpers/engines.ts';

const VIP = '300000000000000002';
const OTHER_GUILD = '200000000000000002';
const fresh = engineDbs();

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function shop(engine: Engine) {
  const env = fresh(engine);
  cleanups.push(env.cleanup);
  const clock = fakeClock();
  const audit = new AuditQueue();
  const ledger = new Ledger({ db: env.db, clock });
  const rewards = new RewardService({ db: env.db, clock, audit });
  const redemptions = new RedemptionService({ db: env.db, ledger, rewards, clock, audit });
  const add = (fields: Partial<RewardFields> & { name: string }) =>
    rewards.add(G, MOD.id, { cost: 100, kind: 'badge', ...fields });
  let n = 0;
  const buy = (userId: string, rewardId: number) => {
    award(ledger, userId, rewards.get(rewardId)!.cost, `fund:${++n}`);
    return redemptions.reserve({
      guildId: G,
      userId,
      rewardId,
      confirmedCost: rewards.get(rewardId)!.cost,
      key: `buy:${n}`,
      memberRoleIds: [],
    }).redemption;
  };
  return { env, clock, rewards, redemptions, store: rewards.store, add, buy };
}

const granted: RoleGranter = {
  grant: () => Promise.resolve({ ok: true }),
  holds: () => Promise.resolve(true),
};

function problemOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isSparksError(e)) return String(e.params.problem ?? e.code);
    throw e;
  }
  return 'none';
}

describe.each(ENGINES)('the shop store on %s', (engine) => {
  it('lists live rewards cheapest first, then by name byte for byte, each field as written', () => {
    const s = shop(engine);
    s.add({ name: 'b', cost: 5 });
    s.add({ name: '_a', cost: 5 });
    s.add({ name: 'A', cost: 5 });
    const vip = s.add({
      name: 'VIP',
      kind: 'role',
      roleId: VIP,
      cost: 1,
      stock: 3,
      perMemberLimit: 2,
      durationSeconds: 60,
      description: ' The best ',
    });
    const whitelist = s.add({ name: 'Whitelist', kind: 'manual', inputKind: 'wallet', cost: 7 });
    // '_' (0x5f) before 'a' (0x61), as SQLite compares text (PostgreSQL: COLLATE "C", whatever the locale).
    expect(s.rewards.list(G).map((r) => r.name)).toEqual(['VIP', '_a', 'A', 'b', 'Whitelist']);
    expect(s.rewards.get(vip.id)).toEqual({
      id: vip.id,
      guildId: G,
      name: 'VIP',
      nameKey: 'vip',
      description: 'The best',
      cost: 1,
      kind: 'role',
      roleId: VIP,
      stock: 3,
      perMemberLimit: 2,
      durationSeconds: 60,
      inputLabel: null,
      inputKind: null,
      imageUrl: null,
      requiredRoleId: null,
      minMemberDays: null,
      minAccountDays: null,
      verifiedWallet: 0,
      requiresWallet: null,
      enabled: 1,
      disabledReason: null,
      removedAt: null,
      createdBy: MOD.id,
      createdAt: s.clock(),
      updatedAt: s.clock(),
    });
    expect(s.rewards.get(whitelist.id)).toMatchObject({ inputKind: 'wallet', stock: null });
    expect(s.rewards.list(OTHER_GUILD)).toEqual([]);
  });

  it('a live name is taken until its reward is removed, and the index refuses what slips past the check', () => {
    const s = shop(engine);
    const pizza = s.add({ name: 'Free pizza' });
    const tea = s.add({ name: 'Tea' });
    expect(problemOf(() => s.add({ name: ' FREE  pizza ' }))).toBe('name_taken');
    expect(problemOf(() => s.rewards.edit(G, tea.id, MOD.id, { name: 'free pizza' }))).toBe('name_taken');
    // The store itself, as two moderators at once would reach it: the unique index decides.
    const values = { ...s.rewards.get(tea.id)!, name: 'Free Pizza', nameKey: 'free pizza' };
    expect(s.env.db.write(() => s.store.insertReward(G, values, { createdBy: MOD.id, now: 1 }))).toBeNull();
    expect(s.env.db.write(() => s.store.updateReward(tea.id, values, 1))).toBe(false);
    expect(s.rewards.list(G).map((r) => r.name)).toEqual(['Free pizza', 'Tea']);
    s.rewards.remove(G, pizza.id, MOD.id);
    expect(s.rewards.get(pizza.id)!.removedAt).toBe(s.clock());
    expect(s.add({ name: 'free pizza' }).id).toBeGreaterThan(tea.id);
    expect(s.rewards.find(G, 'FREE PIZZA').removedAt).toBeNull();
    expect(s.rewards.edit(G, tea.id, MOD.id, { enabled: false })).toMatchObject({
      enabled: 0,
      disabledReason: 'moderator',
    });
  });

  it('timed roles come off when due, earliest first, in the guilds asked for only', async () => {
    const s = shop(engine);
    const short = s.add({ name: 'Short', kind: 'role', roleId: VIP, durationSeconds: 60 });
    const long = s.add({ name: 'Long', kind: 'role', roleId: VIP, durationSeconds: 3600 });
    const rLong = s.buy('alice', long.id);
    const rShort = s.buy('bob', short.id);
    const rShort2 = s.buy('carol', short.id);
    for (const r of [rLong, rShort, rShort2]) await s.redemptions.fulfil(r, granted, { notified: true });
    const t0 = s.clock();
    expect(s.redemptions.nextExpiry([G])).toBe(t0 + 60_000);
    expect(s.redemptions.nextExpiry([OTHER_GUILD])).toBeNull();
    expect(s.redemptions.nextExpiry([])).toBeNull();
    expect(s.redemptions.dueExpiries([G], t0 + 59_999)).toEqual([]);
    expect(s.redemptions.dueExpiries([OTHER_GUILD, G], t0 + 3600_000).map((r) => r.id)).toEqual([
      rShort.id,
      rShort2.id,
      rLong.id,
    ]);
    expect(s.redemptions.dueExpiries([G], t0 + 3600_000, 1).map((r) => r.id)).toEqual([rShort.id]);
    expect(s.redemptions.dueExpiries([OTHER_GUILD], t0 + 3600_000)).toEqual([]);
    expect(s.store.activeTimedGrants(short.id)).toBe(2);
    // A reward whose members still hold its role on a timer keeps its role.
    expect(problemOf(() => s.rewards.edit(G, short.id, MOD.id, { roleId: '300000000000000009' }))).toBe(
      'role_change_active',
    );
    s.clock.advance(5);
    s.redemptions.markRoleRemoved(rShort.id);
    s.redemptions.markRoleRemoved(rShort.id);
    expect(s.redemptions.get(rShort.id)!.roleRemovedAt).toBe(t0 + 5);
    expect(s.store.activeTimedGrants(short.id)).toBe(1);
    expect(s.redemptions.dueExpiries([G], t0 + 3600_000).map((r) => r.id)).toEqual([rShort2.id, rLong.id]);
    expect(s.redemptions.get(rShort2.id)).toMatchObject({
      rewardName: 'Short',
      rewardKind: 'role',
      roleId: VIP,
      status: 'fulfilled',
      expiresAt: t0 + 60_000,
      roleRemovedAt: null,
    });
  });

  it('the moderators queue pages oldest first; notices are marked once', () => {
    const s = shop(engine);
    const boost = s.add({ name: 'Boost', kind: 'manual' });
    const made = ['alice', 'bob', 'carol'].map((u) => {
      s.clock.advance(1000);
      return s.buy(u, boost.id);
    });
    expect(s.redemptions.pendingManual(G, { offset: 1, limit: 1 })).toEqual({ items: [made[1]], total: 3 });
    expect(s.redemptions.pendingManual(G, { offset: 0, limit: 10 }).items.map((r) => r.userId)).toEqual([
      'alice',
      'bob',
      'carol',
    ]);
    expect(s.redemptions.pendingManual(OTHER_GUILD, { offset: 0, limit: 10 })).toEqual({
      items: [],
      total: 0,
    });
    s.redemptions.resolveManual(G, made[0]!.id, MOD.id, 'fulfil');
    s.redemptions.resolveManual(G, made[1]!.id, MOD.id, 'reject');
    expect(s.redemptions.unnotified(G, 'alice').map((r) => r.status)).toEqual(['fulfilled']);
    expect(s.redemptions.unnotified(G, 'bob').map((r) => [r.status, r.failureCode])).toEqual([
      ['refunded', 'rejected'],
    ]);
    expect(s.redemptions.unnotified(G, 'carol')).toEqual([]);
    expect(s.redemptions.markNotified(made[0]!.id)).toBe(true);
    expect(s.redemptions.markNotified(made[0]!.id)).toBe(false);
    expect(s.redemptions.unnotified(G, 'alice')).toEqual([]);
    expect(s.redemptions.heldByReward(G, 'alice')).toEqual(new Map([[boost.id, 1]]));
    expect(s.redemptions.heldByReward(G, 'bob')).toEqual(new Map());
    expect(s.redemptions.byKey(G, 'buy:3')!.id).toBe(made[2]!.id);
    expect(s.redemptions.byKey(OTHER_GUILD, 'buy:3')).toBeUndefined();
  });

  it('badges by first collected, and redemptions per reward since a moment, most first', () => {
    const s = shop(engine);
    const owl = s.add({ name: 'Owl', cost: 10 });
    const bee = s.add({ name: 'Bee', cost: 30 });
    const boost = s.add({ name: 'Boost', kind: 'manual', cost: 20 });
    s.buy('alice', bee.id);
    const since = s.clock() + 1;
    s.clock.advance(1000);
    const first = s.clock();
    s.buy('alice', owl.id);
    s.buy('alice', owl.id);
    s.clock.advance(1000);
    s.buy('alice', bee.id);
    s.buy('bob', boost.id);
    const rejected = s.buy('carol', boost.id);
    s.redemptions.resolveManual(G, rejected.id, MOD.id, 'reject');
    expect(s.redemptions.badges(G, 'alice')).toEqual([
      { rewardId: bee.id, name: 'Bee', count: 2, firstAt: first - 1000 },
      { rewardId: owl.id, name: 'Owl', count: 2, firstAt: first },
    ]);
    expect(s.redemptions.badges(G, 'bob')).toEqual([]);
    expect(s.store.redemptionsByReward(G, since)).toEqual([
      { rewardId: owl.id, name: 'Owl', redemptions: 2, sparks: 20 },
      { rewardId: bee.id, name: 'Bee', redemptions: 1, sparks: 30 },
      { rewardId: boost.id, name: 'Boost', redemptions: 1, sparks: 20 },
    ]);
    expect(s.store.redemptionsByReward(OTHER_GUILD, 0)).toEqual([]);
    expect(s.env.verify().ok).toBe(true);
  });
});
