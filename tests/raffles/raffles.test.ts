import { afterEach, describe, expect, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { verifyLedger } from '../../src/db/verify.ts';
import { HOLDS, Ledger } from '../../src/ledger/ledger.ts';
import { RaffleService } from '../../src/raffles/raffles.ts';
import { RedemptionService } from '../../src/shop/redemptions.ts';
import { RewardService } from '../../src/shop/rewards.ts';
import { fakeClock, freshDb } from '../helpers/db.ts';

const G = 'g1';
const U = (i: number) => `10000000000000000${i}`;
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function setup(flagged: string[] = []) {
  const db = freshDb();
  cleanup = db.cleanup;
  const clock = fakeClock();
  const ledger = new Ledger({ db, clock });
  const audit = new AuditQueue();
  const rewards = new RewardService({ db, clock, audit });
  const redemptions = new RedemptionService({ db, ledger, rewards, clock, audit });
  const raffles = new RaffleService({
    db,
    ledger,
    clock,
    audit,
    rewards,
    redemptions,
    flags: { isFlagged: (_g, u) => flagged.includes(u) },
    random: (n) => Buffer.alloc(n, 3),
  });
  const reward = rewards.add(G, 'mod', { name: 'Spot', cost: 500, kind: 'manual' });
  const fund = (userId: string, amount: number) =>
    ledger.credit({
      guildId: G,
      userId,
      source: 'award',
      kind: 'award',
      amount,
      key: `f:${userId}`,
      actor: { type: 'system', id: 't' },
    });
  const start = (o: Partial<Parameters<RaffleService['start']>[0]> = {}) =>
    raffles.start({
      guildId: G,
      name: 'R',
      reward: reward.name,
      winners: 1,
      entryCost: 10,
      maxEntriesPerMember: 3,
      ends: '1h',
      moderatorId: 'mod',
      ...o,
    });
  let k = 0;
  const enter = (userId: string, entries: number, roles: string[] = []) =>
    raffles.enter({
      guildId: G,
      raffle: 'R',
      userId,
      entries,
      key: `k${++k}`,
      memberRoleIds: roles,
      joinedAt: null,
    });
  return { db, clock, ledger, raffles, redemptions, reward, fund, start, enter };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isSparksError(e))
      return `${e.code}${typeof e.params.reasonKey === 'string' ? `:${e.params.reasonKey}` : ''}`;
    throw e;
  }
  return 'no error';
}

const ok = { check: () => Promise.resolve('ok' as const) };

describe('raffles', () => {
  it('refuses bad input with nothing written', () => {
    const w = setup();
    expect(code(() => w.start({ ends: '2020-01-01' }))).toBe('SPARKS.RAFFLE_INVALID:ends.past');
    expect(code(() => w.start({ winners: 0 }))).toBe('SPARKS.OUT_OF_RANGE');
    expect(code(() => w.start({ reward: 'nope' }))).toBe('SPARKS.REWARD_NOT_FOUND');
    w.start();
    expect(code(() => w.start())).toBe('SPARKS.RAFFLE_INVALID:raffle.invalid.name_taken');
    expect(w.raffles.list(G)).toHaveLength(1);
  });

  it('holds entries, keeps the limit and the balance, and refuses the flagged and the ungated', () => {
    const w = setup([U(9)]);
    const gate = '555555555555555555';
    w.start({ requiredRoleId: gate });
    w.fund(U(1), 25);
    w.fund(U(9), 100);
    expect(w.enter(U(1), 2, [gate]).held).toBe(2);
    expect(code(() => w.enter(U(1), 2, [gate]))).toBe('SPARKS.RAFFLE_ENTRY_LIMIT');
    expect(code(() => w.enter(U(1), 1, [gate]))).toBe('SPARKS.INSUFFICIENT');
    expect(code(() => w.enter(U(2), 1))).toBe('SPARKS.ROLE_REQUIRED');
    expect(code(() => w.enter(U(9), 1, [gate]))).toBe('SPARKS.FLAGGED');
    expect(w.ledger.reads.standing(G, U(1)).balance).toBe(5);
    expect(w.ledger.reads.account(G, HOLDS)!.balance).toBe(20);
    w.clock.advance(2 * 3_600_000);
    expect(code(() => w.enter(U(1), 1, [gate]))).toBe('SPARKS.RAFFLE_CLOSED');
    expect(w.raffles.due(new Set([G])).map((r) => r.name)).toEqual(['R']);
  });

  it('draws once into the manual queue; a second draw and a cancel after it are refused', async () => {
    const w = setup();
    w.start({ entryCost: 0 });
    w.enter(U(1), 1);
    const drawn = await w.raffles.draw(G, 'R', 'mod', ok);
    expect(drawn.prizes.map((p) => [p.userId, p.status, p.cost])).toEqual([[U(1), 'pending_manual', 0]]);
    expect(w.redemptions.pendingManual(G, { offset: 0, limit: 10 }).total).toBe(1);
    await expect(w.raffles.draw(G, 'R', 'mod', ok)).rejects.toMatchObject({ code: 'SPARKS.RAFFLE_CLOSED' });
    expect(code(() => w.raffles.cancel(G, 'R', 'mod'))).toBe('SPARKS.RAFFLE_CLOSED');
    expect(verifyLedger(w.db.sqlite).checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('a cancel refunds every entry and ends entering', () => {
    const w = setup();
    w.start();
    for (const i of [1, 2, 3]) {
      w.fund(U(i), 100);
      w.enter(U(i), i);
    }
    expect(w.raffles.cancel(G, 'R', 'mod').refunded).toBe(60);
    expect([1, 2, 3].map((i) => w.ledger.reads.standing(G, U(i)).balance)).toEqual([100, 100, 100]);
    expect(code(() => w.enter(U(1), 1))).toBe('SPARKS.RAFFLE_CLOSED');
    expect(verifyLedger(w.db.sqlite).checks.filter((c) => !c.ok)).toEqual([]);
  });
});
