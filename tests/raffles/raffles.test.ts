import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AuditQueue } from '../../src/audit.ts';
import { isSparksError } from '../../src/core/errors.ts';
import { HOLDS } from '../../src/ledger/ledger.ts';
import { RaffleService } from '../../src/raffles/raffles.ts';
import { verifyDraw } from '../../src/raffles/verify.ts';
import { RedemptionService } from '../../src/shop/redemptions.ts';
import { RewardService } from '../../src/shop/rewards.ts';
import { withDatabase } from '../testkit/postgres.ts';
import { engineDbs, ENGINES, ledgerOn, type Engine } from '../helpers/engines.ts';

const G = 'g1';
const U = (i: number) => `10000000000000000${i}`;
const fresh = engineDbs();
let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

function setup(engine: Engine, flagged: string[] = []) {
  const env = ledgerOn(fresh, engine);
  const { db, clock, ledger } = env;
  cleanup = env.cleanup;
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
  return { ...env, audit, raffles, redemptions, reward, fund, start, enter };
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

describe.each(ENGINES)('raffles on %s', (engine) => {
  it('refuses bad input with nothing written', () => {
    const w = setup(engine);
    expect(code(() => w.start({ ends: '2020-01-01' }))).toBe('SPARKS.RAFFLE_INVALID:ends.past');
    expect(code(() => w.start({ winners: 0 }))).toBe('SPARKS.OUT_OF_RANGE');
    expect(code(() => w.start({ reward: 'nope' }))).toBe('SPARKS.REWARD_NOT_FOUND');
    w.start();
    expect(code(() => w.start())).toBe('SPARKS.RAFFLE_INVALID:raffle.invalid.name_taken');
    expect(w.raffles.list(G)).toHaveLength(1);
  });

  it('holds entries, keeps the limit and the balance, and refuses the flagged and the ungated', () => {
    const w = setup(engine, [U(9)]);
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
    expect(w.raffles.due().map((r) => r.name)).toEqual(['R']);
  });

  it('draws once into the manual queue; a second draw and a cancel after it are refused', async () => {
    const w = setup(engine);
    w.start({ entryCost: 0 });
    w.enter(U(1), 1);
    const drawn = await w.raffles.draw(G, 'R', 'mod', ok);
    expect(drawn.prizes.map((p) => [p.userId, p.status, p.cost])).toEqual([[U(1), 'pending_manual', 0]]);
    expect(w.redemptions.pendingManual(G, { offset: 0, limit: 10 }).total).toBe(1);
    await expect(w.raffles.draw(G, 'R', 'mod', ok)).rejects.toMatchObject({ code: 'SPARKS.RAFFLE_CLOSED' });
    expect(code(() => w.raffles.cancel(G, 'R', 'mod'))).toBe('SPARKS.RAFFLE_CLOSED');
    expect(w.verify().problems).toEqual([]);
  });

  it('a cancel refunds every entry and ends entering', () => {
    const w = setup(engine);
    w.start();
    for (const i of [1, 2, 3]) {
      w.fund(U(i), 100);
      w.enter(U(i), i);
    }
    expect(w.raffles.cancel(G, 'R', 'mod').refunded).toBe(60);
    expect([1, 2, 3].map((i) => w.ledger.reads.standing(G, U(i)).balance)).toEqual([100, 100, 100]);
    expect(code(() => w.enter(U(1), 1))).toBe('SPARKS.RAFFLE_CLOSED');
    expect(w.verify().problems).toEqual([]);
  });

  it('answers a repeated key as a duplicate, with nothing held twice', () => {
    const w = setup(engine);
    w.start();
    w.fund(U(1), 100);
    const input = {
      guildId: G,
      raffle: 'R',
      userId: U(1),
      entries: 2,
      key: 'same',
      memberRoleIds: [],
      joinedAt: null,
    };
    const first = w.raffles.enter(input);
    const again = w.raffles.enter(input);
    expect([first.duplicate, again.duplicate, again.held, again.entry.id]).toEqual([
      false,
      true,
      2,
      first.entry.id,
    ]);
    expect(w.raffles.get(first.raffle.id)!.entries).toBe(2);
    expect(w.ledger.reads.standing(G, U(1)).balance).toBe(80);
    expect(w.raffles.entries(first.raffle.id)).toHaveLength(1);
  });

  it('two processes drawing one raffle at once (the leader at its end, a moderator) settle it once', async () => {
    const w = setup(engine);
    const r = w.start({ winners: 2, entryCost: 5 });
    for (const i of [1, 2, 3]) {
      w.fund(U(i), 50);
      w.enter(U(i), i);
    }
    // Another process on the same database: its own services, the same seed in the row.
    const elsewhereAudit = new AuditQueue();
    const rewards = new RewardService({ db: w.db, clock: w.clock, audit: elsewhereAudit });
    const redemptions = new RedemptionService({
      db: w.db,
      ledger: w.ledger,
      rewards,
      clock: w.clock,
      audit: elsewhereAudit,
    });
    const elsewhere = new RaffleService({
      db: w.db,
      ledger: w.ledger,
      clock: w.clock,
      audit: elsewhereAudit,
      rewards,
      redemptions,
      flags: { isFlagged: () => false },
    });
    w.clock.advance(2 * 3_600_000);
    // Both have closed the entries and ask Discord about candidates before either settles.
    let arrived = 0;
    let release = () => {};
    const bothAsking = new Promise<void>((resolve) => (release = resolve));
    const meeting = {
      check: async () => {
        if (++arrived === 2) release();
        await bothAsking;
        return 'ok' as const;
      },
    };
    const [leader, moderator] = await Promise.allSettled([
      elsewhere.draw(G, String(r.id), 'system', meeting),
      w.raffles.draw(G, 'R', 'mod', meeting),
    ]);
    expect(arrived).toBeGreaterThanOrEqual(2);
    expect(leader.status).toBe('fulfilled');
    expect(moderator).toMatchObject({ status: 'rejected', reason: { code: 'SPARKS.RAFFLE_CLOSED' } });
    expect(w.raffles.get(r.id)).toMatchObject({ status: 'drawn', closedBy: 'system' });
    const won = w.raffles.draws(r.id).filter((d) => d.outcome === 'won');
    expect(won).toHaveLength(2);
    expect(w.redemptions.pendingManual(G, { offset: 0, limit: 10 }).total).toBe(2);
    expect(w.ledger.reads.account(G, HOLDS)!.balance).toBe(0);
    expect([1, 2, 3].map((i) => w.ledger.reads.standing(G, U(i)).balance)).toEqual([45, 40, 35]);
    const draws = [...w.audit.take(100), ...elsewhereAudit.take(100)].filter((e) => e.kind === 'raffle.draw');
    expect(draws).toHaveLength(1);
    expect(w.verify().problems).toEqual([]);
  });

  it('keeps the entry order, draws by the seed and reveals it, lists newest first', async () => {
    const w = setup(engine);
    const older = w.start({ name: 'Old', entryCost: 0 });
    const r = w.start({ winners: 2, entryCost: 5 });
    for (const [i, n] of [
      [1, 3],
      [2, 1],
      [3, 2],
      [1, 0],
    ] as const) {
      w.fund(U(i), 50);
      if (n) w.enter(U(i), n);
    }
    expect(w.raffles.list(G).map((x) => x.name)).toEqual(['R', 'Old']);
    expect(w.raffles.entries(r.id).map((e) => [e.userId, e.count])).toEqual([
      [U(1), 3],
      [U(2), 1],
      [U(3), 2],
    ]);
    expect(w.raffles.get(r.id)).toMatchObject({
      entries: 6,
      seedRevealed: 0,
      status: 'open',
      closedAt: null,
    });
    expect(w.raffles.nextEnd()).toBe(older.endsAt);
    const drawn = await w.raffles.draw(G, String(r.id), 'mod', ok);
    expect(drawn.raffle).toMatchObject({ status: 'drawn', seedRevealed: 1, closedBy: 'mod' });
    expect(drawn.draws.map((d) => d.step)).toEqual(drawn.draws.map((_, i) => i));
    expect(drawn.draws.filter((d) => d.outcome === 'won')).toHaveLength(2);
    expect(drawn.prizes.map((p) => p.id).sort()).toEqual(
      drawn.draws.flatMap((d) => (d.redemptionId === null ? [] : [d.redemptionId])).sort(),
    );
    const check = verifyDraw(drawn.raffle, w.raffles.entries(r.id), w.raffles.draws(r.id));
    expect(check.problems).toEqual([]);
    expect(check.winners).toEqual(drawn.draws.filter((d) => d.outcome === 'won').map((d) => d.userId));
    // Every hold posted: the Sparks are spent, none left held.
    expect(w.ledger.reads.account(G, HOLDS)!.balance).toBe(0);
    expect([1, 2, 3].map((i) => w.ledger.reads.standing(G, U(i)).balance)).toEqual([35, 45, 40]);
    expect(w.raffles.due(older.endsAt + 1).map((x) => x.name)).toEqual(['Old']);
    const [event] = w.audit.take(10).filter((e) => e.kind === 'raffle.draw');
    event!.onDelivered!();
    expect(w.raffles.get(r.id)!.announcedAt).toBe(w.clock());
    expect(w.verify().problems).toEqual([]);
  });
});

/**
 * Runs `during` (on the main thread, blocking) while another connection holds `sql`'s row
 * locks uncommitted, committing half a second after it started.
 */
async function whileAnotherCommits(w: ReturnType<typeof setup>, sql: string, during: () => void) {
  const name = (w.rows('SELECT current_database() AS d')[0] as { d: string }).d;
  const url = withDatabase(inject('postgresUrl'), name);
  const other = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await other.connect();
  await watcher.connect();
  try {
    const committing = other.query(`BEGIN; ${sql}; SELECT pg_sleep(0.5); COMMIT;`);
    for (let i = 0; ; i++) {
      const sleeping = await watcher.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND query LIKE 'BEGIN;%pg_sleep%'`,
        [name],
      );
      if (sleeping.rowCount) break;
      if (i > 200) throw new Error('the other transaction never started');
      await new Promise((ok) => setTimeout(ok, 5));
    }
    during();
    await committing;
  } finally {
    await other.end();
    await watcher.end();
  }
}

describe('raffles on postgres, side by side', () => {
  const retries = (w: ReturnType<typeof setup>) => (w.db as { retries: number }).retries;

  it('an entry racing a close waits for it, runs again and is refused, nothing held', async () => {
    const w = setup('postgres');
    const r = w.start();
    w.fund(U(1), 100);
    const before = retries(w);
    await whileAnotherCommits(
      w,
      `UPDATE raffles SET closed_at = 1, closed_by = 'other' WHERE id = ${r.id}`,
      () => expect(code(() => w.enter(U(1), 1))).toBe('SPARKS.RAFFLE_CLOSED'),
    );
    expect(retries(w)).toBeGreaterThan(before);
    expect(w.raffles.entries(r.id)).toEqual([]);
    expect(w.raffles.get(r.id)!.entries).toBe(0);
    expect(w.ledger.reads.standing(G, U(1)).balance).toBe(100);
    expect(w.ledger.reads.account(G, HOLDS)?.balance ?? 0).toBe(0);
  });

  it("a member's entries racing each other count one after the other, within the limit", async () => {
    const w = setup('postgres');
    const r = w.start();
    w.fund(U(1), 100);
    // The other connection's entry of 2 (as RaffleService writes one: the raffle's row
    // locked first); ours of 2 more would pass the limit of 3 if it counted before that commit.
    await whileAnotherCommits(
      w,
      `SELECT id FROM raffles WHERE id = ${r.id} FOR UPDATE;
       INSERT INTO raffle_entries (raffle_id, user_id, count, idempotency_key, created_at)
         VALUES (${r.id}, '${U(1)}', 2, 'other', 1);
       UPDATE raffles SET entries = entries + 2 WHERE id = ${r.id}`,
      () => expect(code(() => w.enter(U(1), 2))).toBe('SPARKS.RAFFLE_ENTRY_LIMIT'),
    );
    expect(w.raffles.held(r.id, U(1))).toBe(2);
    expect(w.raffles.get(r.id)!.entries).toBe(2);
    expect(w.ledger.reads.standing(G, U(1)).balance).toBe(100);
  });

  it('raffle:verify re-derives the winners from a PostgreSQL URL', async () => {
    const w = setup('postgres');
    const r = w.start({ winners: 2, entryCost: 0, maxEntriesPerMember: 5 });
    for (const i of [1, 2, 3, 4]) w.enter(U(i), i);
    const drawn = await w.raffles.draw(G, 'R', 'mod', ok);
    const name = (w.rows('SELECT current_database() AS d')[0] as { d: string }).d;
    const url = withDatabase(inject('postgresUrl'), name);
    const verify = (id: number) =>
      spawnSync('npx', ['tsx', 'src/scripts/raffle-verify.ts', String(id), '--db', url], {
        encoding: 'utf8',
      });
    const run = verify(r.id);
    expect(run.stderr).toContain('✓ the winners follow from the seed and the entries');
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(
      drawn.draws.filter((d) => d.outcome === 'won').map((d) => d.userId),
    );
    w.exec(`UPDATE raffle_draws SET user_id = 'someone' WHERE raffle_id = ${r.id} AND step = 0`);
    expect(verify(r.id).status).toBe(1);
  });
});
