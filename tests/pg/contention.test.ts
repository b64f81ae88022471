/**
 * No negative available balance under concurrent writers, on PostgreSQL: eight connections of
 * this process (READ COMMITTED) and two child processes of four connections each
 * (SERIALIZABLE, so their serialization failures are retried by withRetry) all hold Sparks of
 * one member at once, far more than the member has. Exactly as many holds as the balance
 * covers succeed; every other attempt is the balance CHECK's clean refusal; no serialization
 * failure or deadlock surfaces. Races on one idempotency key and on closing one hold end
 * with exactly one winner.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withRetry } from '../../src/db/pg/open.ts';
import { account, ledgerForFile, post, type Queryable } from './ledger-sql.ts';
import { SPEND, spendAttempts, type SpendResult } from './spend.ts';

const ledger = ledgerForFile({ poolSize: 12 });
const FUNDS = 2500;
const ATTEMPTS = 40;

async function member(q: Queryable) {
  const g = `c${randomBytes(4).toString('hex')}`;
  const ids = {
    g,
    award: await account(q, g, 'issuance', 'award'),
    member: await account(q, g, 'member', 'm'),
    hold: await account(q, g, 'hold', 'shop'),
  };
  await post(q, {
    guild: g,
    kind: 'award',
    debit: ids.award,
    credit: ids.member,
    amount: FUNDS,
    key: 'fund',
  });
  return ids;
}

interface Child {
  process: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  result: Promise<SpendResult>;
}

function spender(args: string[]): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'spender.ts'), ...args],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  const result = new Promise<SpendResult>((resolve, reject) =>
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as SpendResult);
      else reject(new Error(`spender exited with ${code}: ${err || out}`));
    }),
  );
  // A child that fails before it is ready must not leave the test waiting.
  void result.catch(() => markReady());
  return { process: child, ready, result };
}

describe('PostgreSQL under concurrent writers', () => {
  it('8 connections and 2 processes never drive a member below zero; each refusal is clean', async () => {
    const { db, database } = ledger();
    const x = await member(db.pool);
    const children = [0, 1].map((i) =>
      spender([
        database.url,
        x.g,
        String(x.member),
        String(x.hold),
        '4',
        String(ATTEMPTS),
        'serializable',
        `p${i}`,
      ]),
    );
    let lowest = FUNDS;
    let watching = true;
    try {
      await Promise.all(children.map((c) => c.ready));
      const watcher = (async () => {
        while (watching) {
          const { rows } = await db.pool.query<{ balance: number }>(
            'SELECT balance FROM accounts WHERE id = $1',
            [x.member],
          );
          lowest = Math.min(lowest, rows[0]!.balance);
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      for (const c of children) c.process.stdin.end('go\n');
      const here = await spendAttempts(db.pool, {
        guild: x.g,
        member: x.member,
        hold: x.hold,
        workers: 8,
        attempts: ATTEMPTS,
        tag: 'here',
      });
      const results = [here, ...(await Promise.all(children.map((c) => c.result)))];
      watching = false;
      await watcher;

      const total = (8 + 2 * 4) * ATTEMPTS;
      const ok = results.reduce((n, r) => n + r.ok, 0);
      const refused: Record<string, number> = {};
      for (const r of results)
        for (const [k, n] of Object.entries(r.refused)) refused[k] = (refused[k] ?? 0) + n;
      expect(results.flatMap((r) => r.other)).toEqual([]);
      expect(ok).toBe(Math.floor(FUNDS / SPEND));
      expect(refused).toEqual({ '23514 accounts_balance_range': total - ok });

      const { rows } = await db.pool.query<{ id: number; balance: number }>(
        'SELECT id, balance FROM accounts WHERE guild_id = $1 ORDER BY id',
        [x.g],
      );
      expect(Object.fromEntries(rows.map((r) => [r.id, r.balance]))).toEqual({
        [x.award]: -FUNDS,
        [x.member]: FUNDS - ok * SPEND,
        [x.hold]: ok * SPEND,
      });
      const holds = await db.pool.query<{ n: number }>(
        `SELECT count(*) AS n FROM transfers WHERE guild_id = $1 AND kind = 'hold'`,
        [x.g],
      );
      expect(holds.rows[0]!.n).toBe(ok);
      expect(lowest).toBeGreaterThanOrEqual(0);
      console.log(
        `contention: ${total} attempts, ${ok} held (${results.map((r) => r.ok).join(' + ')} by this process and` +
          ` the two others), serializable failures retried: ${results[1]!.retries + results[2]!.retries}`,
      );
    } finally {
      watching = false;
      for (const c of children) if (c.process.exitCode === null) c.process.kill('SIGKILL');
    }
  });

  it('racing one idempotency key, or closing one hold, leaves exactly one winner', async () => {
    const { db } = ledger();
    const x = await member(db.pool);
    const hold = await post(db.pool, {
      guild: x.g,
      kind: 'hold',
      debit: x.member,
      credit: x.hold,
      amount: 10,
      key: 'h',
      actorType: 'member',
    });
    const race = (entry: (i: number) => Parameters<typeof post>[1]) =>
      Promise.allSettled(Array.from({ length: 8 }, (_, i) => withRetry(db.pool, (c) => post(c, entry(i)))));
    const keyed = await race((i) => ({
      guild: x.g,
      kind: 'award',
      debit: x.award,
      credit: x.member,
      amount: 1 + i,
      key: 'interaction-1',
    }));
    const voids = await race((i) => ({
      guild: x.g,
      kind: 'hold.void',
      debit: x.hold,
      credit: x.member,
      amount: 10,
      key: `void-${i}`,
      closes: hold,
    }));
    for (const [outcomes, constraint] of [
      [keyed, 'transfers_idempotency'],
      [voids, 'transfers_closes_once'],
    ] as const) {
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(
        outcomes.flatMap((o) =>
          o.status === 'rejected' ? [(o.reason as { constraint?: string }).constraint] : [],
        ),
      ).toEqual(Array(7).fill(constraint));
    }
    const { rows } = await db.pool.query<{ balance: number }>('SELECT balance FROM accounts WHERE id = $1', [
      x.member,
    ]);
    // The hold came back once; the award was granted once, with the winner's amount.
    expect(rows[0]!.balance).toBe(FUNDS + (await grantedAmount(db.pool, x.g)));
  });
});

async function grantedAmount(q: Queryable, g: string): Promise<number> {
  const { rows } = await q.query<{ amount: number }>(
    `SELECT amount FROM transfers WHERE guild_id = $1 AND idempotency_key = 'interaction-1'`,
    [g],
  );
  return rows[0]!.amount;
}
