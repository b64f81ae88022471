/**
 * The group-commit queue with a toy source that knows nothing of campaigns (what a quest or
 * a raffle would plug in): a pool pays each member once, while it lasts, into a table of
 * its own. Tests the queue's contract: one transaction per batch, the grouped savepoint and
 * its fallback, one failing operation alone, finish in the same transaction, after-commit
 * steps after the commit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GrantQueue, type GrantSource, type Tally } from '../../src/grants/queue.ts';
import { silentLogger } from '../../src/log.ts';
import { freshDb } from '../helpers/db.ts';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

interface PayOp {
  pool: string;
  member: string;
}
interface Pool {
  pool: string;
  left: number;
  paid: number;
}

function setup(options: { batchSize?: number; failMember?: string; failGroupWrite?: boolean } = {}) {
  const db = freshDb();
  cleanup = db.cleanup;
  db.sqlite.exec(`CREATE TABLE payouts (pool TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (pool, member));
    CREATE TABLE pools (pool TEXT PRIMARY KEY, left INTEGER NOT NULL, paid INTEGER NOT NULL DEFAULT 0)`);
  const insert = db.sqlite.prepare('INSERT INTO payouts (pool, member) VALUES (@pool, @member)');
  const has = db.sqlite.prepare('SELECT 1 FROM payouts WHERE pool = @pool AND member = @member');
  const events: string[] = [];
  const pay = (op: PayOp) => {
    if (op.member === options.failMember) throw new Error('constraint');
    insert.run(op);
  };
  const decide = (state: Pool, claimed: boolean): Tally =>
    claimed || state.left < 1 ? 'skipped' : 'granted';
  const source: GrantSource<PayOp, Pool> = {
    name: 'pool',
    groupOf: (op) => op.pool,
    describe: (op) => ({ ...op }),
    open(pool) {
      const row = db.sqlite.prepare('SELECT pool, left, paid FROM pools WHERE pool = ?').get(pool) as
        Pool | undefined;
      events.push(`open ${pool} in tx=${db.sqlite.inTransaction}`);
      return row ?? null;
    },
    accepts: (state) => state.left > 0,
    plan(state, ops) {
      const chosen: PayOp[] = [];
      const tallies: Tally[] = [];
      let next = state;
      for (const op of ops) {
        const tally = decide(next, chosen.some((c) => c.member === op.member) || !!has.get(op));
        if (tally === 'granted') {
          chosen.push(op);
          next = { ...next, left: next.left - 1, paid: next.paid + 1 };
        }
        tallies.push(tally);
      }
      return {
        state: next,
        tallies,
        write: () => {
          for (const op of chosen) insert.run(op);
          if (options.failGroupWrite) throw new Error('group write failed');
        },
      };
    },
    apply(state, op) {
      const tally = decide(state, !!has.get(op));
      if (tally === 'granted') pay(op);
      return {
        state: tally === 'granted' ? { ...state, left: state.left - 1, paid: state.paid + 1 } : state,
        tally,
      };
    },
    finish(state) {
      db.sqlite.prepare('UPDATE pools SET left = @left, paid = @paid WHERE pool = @pool').run(state);
      events.push(`finish ${state.pool} in tx=${db.sqlite.inTransaction}`);
      if (state.left === 0)
        return () => events.push(`emptied ${state.pool} in tx=${db.sqlite.inTransaction}`);
    },
  };
  const queue = new GrantQueue({ db, logger: silentLogger, batchSize: options.batchSize });
  const pool = (name: string, left: number) =>
    db.sqlite.prepare('INSERT INTO pools (pool, left) VALUES (?, ?)').run(name, left);
  const paid = (name: string) =>
    (
      db.sqlite.prepare('SELECT member FROM payouts WHERE pool = ? ORDER BY rowid').all(name) as {
        member: string;
      }[]
    ).map((r) => r.member);
  const row = (name: string) => db.sqlite.prepare('SELECT left, paid FROM pools WHERE pool = ?').get(name);
  return { db, queue, source, events, pool, paid, row };
}

describe('the grant queue', () => {
  it('given a burst of one group: decides it together, writes it in one savepoint, finishes in the same transaction', async () => {
    const t = setup();
    t.pool('p', 3);
    for (const m of ['a', 'b', 'a', 'c', 'd']) t.queue.enqueue(t.source, { pool: 'p', member: m });
    expect(t.queue.pending).toBe(5);
    await t.queue.idle();
    expect(t.paid('p')).toEqual(['a', 'b', 'c']);
    expect(t.row('p')).toEqual({ left: 0, paid: 3 });
    expect(t.queue.stats).toEqual({ flushes: 1, granted: 3, revoked: 0, skipped: 2, failed: 0 });
    expect(t.events).toEqual(['open p in tx=true', 'finish p in tx=true', 'emptied p in tx=false']);
  });

  it('given a group write that throws: rolls it back and applies the operations one by one', async () => {
    const t = setup({ failGroupWrite: true });
    t.pool('p', 10);
    for (const m of ['a', 'b', 'c']) t.queue.enqueue(t.source, { pool: 'p', member: m });
    await t.queue.idle();
    expect(t.paid('p')).toEqual(['a', 'b', 'c']);
    expect(t.row('p')).toEqual({ left: 7, paid: 3 });
    expect(t.queue.stats).toMatchObject({ flushes: 1, granted: 3, failed: 0 });
  });

  it('given one operation that fails on the slow path: only it is lost, the state skips it', async () => {
    const t = setup({ failGroupWrite: true, failMember: 'b' });
    t.pool('p', 10);
    for (const m of ['a', 'b', 'c']) t.queue.enqueue(t.source, { pool: 'p', member: m });
    await t.queue.idle();
    expect(t.paid('p')).toEqual(['a', 'c']);
    expect(t.row('p')).toEqual({ left: 8, paid: 2 });
    expect(t.queue.stats).toMatchObject({ granted: 2, failed: 1 });
  });

  it('given a group that closes mid-batch: the rest of its operations are skipped without a savepoint', async () => {
    const t = setup();
    t.pool('p', 1);
    t.queue.enqueue(t.source, { pool: 'p', member: 'a' });
    await t.queue.idle();
    t.queue.enqueue(t.source, { pool: 'p', member: 'b' });
    t.queue.enqueue(t.source, { pool: 'gone', member: 'c' });
    await t.queue.idle();
    expect(t.paid('p')).toEqual(['a']);
    expect(t.queue.stats).toMatchObject({ flushes: 2, granted: 1, skipped: 2 });
  });

  it('given more than a batch: batches of batchSize, each announced once committed', async () => {
    const t = setup({ batchSize: 4 });
    t.pool('p', 100);
    t.pool('q', 100);
    const sizes: number[] = [];
    t.queue.onCommitted((n) => sizes.push(n));
    for (let i = 0; i < 10; i++) t.queue.enqueue(t.source, { pool: i % 2 ? 'p' : 'q', member: `m${i}` });
    await t.queue.idle();
    expect(sizes).toEqual([4, 4, 2]);
    expect(t.paid('p')).toHaveLength(5);
    expect(t.paid('q')).toHaveLength(5);
  });

  it('given a batch that fails as a whole: nothing of it is written, and it is counted', async () => {
    const t = setup();
    t.pool('p', 10);
    t.queue.enqueue(t.source, { pool: 'p', member: 'a' });
    t.db.sqlite.exec('DROP TABLE pools');
    await t.queue.idle();
    expect(t.paid('p')).toEqual([]);
    expect(t.queue.stats).toMatchObject({ flushes: 0, failed: 1 });
  });

  it('flush applies synchronously; after close, new work is refused', () => {
    const t = setup();
    t.pool('p', 10);
    t.queue.enqueue(t.source, { pool: 'p', member: 'a' });
    t.queue.close();
    expect(t.paid('p')).toEqual(['a']);
    t.queue.enqueue(t.source, { pool: 'p', member: 'b' });
    expect(t.queue.pending).toBe(0);
  });
});
