/**
 * SPEC §5 on PostgreSQL, enforced by the database itself: raw SQL, sent as the superuser the
 * test server logs in as, tries to break each invariant, and each attempt is refused with a
 * named constraint and changes nothing. What the triggers keep (balances, lifetime, the week,
 * month and season boards, the rank histogram) is checked on hand-made cases here; the
 * model-property test checks it on random sequences.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  account,
  ledgerForFile,
  ledgerState,
  post,
  refusal,
  T0,
  type Entry,
  type Queryable,
  type Refusal,
} from './ledger-sql.ts';

const ledger = ledgerForFile();
const DAY = 86_400_000;

/** A guild of its own per test, with its system accounts and two members; `a` holds 100. */
async function guild(q: Queryable) {
  const g = `g${randomBytes(4).toString('hex')}`;
  const ids = {
    g,
    award: await account(q, g, 'issuance', 'award'),
    quest: await account(q, g, 'issuance', 'quest'),
    mint: await account(q, g, 'issuance', 'campaign'),
    budget: await account(q, g, 'campaign', '1'),
    hold: await account(q, g, 'hold', 'shop'),
    redeemed: await account(q, g, 'redeemed', 'shop'),
    a: await account(q, g, 'member', 'a'),
    b: await account(q, g, 'member', 'b'),
  };
  const funding = await post(q, {
    guild: g,
    kind: 'award',
    debit: ids.award,
    credit: ids.a,
    amount: 100,
    key: 'fund-a',
  });
  return { ...ids, funding };
}

/** `attempt` is refused, and every ledger table reads the same afterwards. */
async function refused(q: Queryable, attempt: () => Promise<unknown>): Promise<Refusal> {
  const before = await ledgerState(q);
  const r = await refusal(attempt());
  expect(await ledgerState(q)).toEqual(before);
  return r;
}

async function balances(q: Queryable, g: string): Promise<Record<string, number>> {
  const { rows } = await q.query<{ k: string; balance: number }>(
    `SELECT type || ':' || ref AS k, balance FROM accounts WHERE guild_id = $1`,
    [g],
  );
  return Object.fromEntries(rows.map((r) => [r.k, r.balance]));
}

describe('the PostgreSQL ledger refuses what SPEC §5 forbids, for a superuser too', () => {
  let q: Queryable;
  beforeAll(() => {
    q = ledger().db.pool;
  });

  it('runs these tests as a superuser', async () => {
    const { rows } = await q.query<{ super: boolean }>(
      'SELECT rolsuper AS super FROM pg_roles WHERE rolname = current_user',
    );
    expect(rows).toEqual([{ super: true }]);
  });

  it('double entry: two distinct accounts of the entry’s own guild, summing to zero', async () => {
    const x = await guild(q);
    const other = await guild(q);
    const e = (over: Partial<Entry>): Entry => ({
      guild: x.g,
      kind: 'award',
      debit: x.award,
      credit: x.b,
      amount: 5,
      key: 'k',
      ...over,
    });
    expect(await refused(q, () => post(q, e({ credit: x.award })))).toMatchObject({
      code: '23514',
      constraint: 'transfers_distinct_accounts',
    });
    for (const cross of [{ credit: other.b }, { debit: other.award }, { guild: other.g }])
      expect(await refused(q, () => post(q, e(cross)))).toMatchObject({
        code: '23514',
        constraint: 'transfers_same_guild',
      });
    expect(await refused(q, () => post(q, e({ credit: 999_999_999 })))).toMatchObject({ code: '23503' });
    const { rows } = await q.query<{ g: string; sum: string }>(
      'SELECT guild_id AS g, SUM(balance) AS sum FROM accounts WHERE guild_id IN ($1, $2) GROUP BY guild_id',
      [x.g, other.g],
    );
    expect(rows.map((r) => Number(r.sum))).toEqual([0, 0]);
  });

  it('amounts are integers from 1 to 1,000,000,000: no fraction, NaN, overflow or null is stored', async () => {
    const x = await guild(q);
    const e = (amount: number | string | null): Entry => ({
      guild: x.g,
      kind: 'award',
      debit: x.award,
      credit: x.b,
      amount: amount as number,
      key: `k${String(amount)}`,
    });
    for (const amount of [0, -1, 1_000_000_001])
      expect(await refused(q, () => post(q, e(amount)))).toMatchObject({
        code: '23514',
        constraint: 'transfers_amount',
      });
    for (const amount of ['1.5', 'NaN', 'Infinity', '1e3', '12abc', ''])
      expect(await refused(q, () => post(q, e(amount)))).toMatchObject({ code: '22P02' });
    for (const amount of [2 ** 31, '9223372036854775808'])
      expect(await refused(q, () => post(q, e(amount)))).toMatchObject({ code: '22003' });
    expect(await refused(q, () => post(q, e(null)))).toMatchObject({ code: '23502' });
    await post(q, e(1_000_000_000));
    expect((await balances(q, x.g))['member:b']).toBe(1_000_000_000);
  });

  it('no account but issuance goes below zero: a member spends at most what is available', async () => {
    const x = await guild(q);
    const hold = await post(q, {
      guild: x.g,
      kind: 'hold',
      debit: x.a,
      credit: x.hold,
      amount: 60,
      key: 'h1',
    });
    // 100 posted, 60 held: 40 available, so 41 more cannot be held or revoked.
    for (const kind of ['hold', 'revoke'])
      expect(
        await refused(q, () =>
          post(q, {
            guild: x.g,
            kind,
            debit: x.a,
            credit: kind === 'hold' ? x.hold : x.award,
            amount: 41,
            key: `k-${kind}`,
          }),
        ),
      ).toMatchObject({ code: '23514', constraint: 'accounts_balance_range' });
    await post(q, { guild: x.g, kind: 'hold', debit: x.a, credit: x.hold, amount: 40, key: 'h2' });
    // A campaign budget only spends what it was funded with.
    await post(q, {
      guild: x.g,
      kind: 'campaign.fund',
      debit: x.mint,
      credit: x.budget,
      amount: 10,
      key: 'f',
    });
    expect(
      await refused(q, () =>
        post(q, { guild: x.g, kind: 'campaign.grant', debit: x.budget, credit: x.b, amount: 11, key: 'cg' }),
      ),
    ).toMatchObject({ code: '23514', constraint: 'accounts_balance_range' });
    await post(q, {
      guild: x.g,
      kind: 'hold.void',
      debit: x.hold,
      credit: x.a,
      amount: 60,
      key: 'v',
      closes: hold,
    });
    expect(await balances(q, x.g)).toMatchObject({
      'member:a': 60,
      'hold:shop': 40,
      'issuance:award': -100,
      'campaign:1': 10,
      'issuance:campaign': -10,
    });
  });

  it('append-only: UPDATE, DELETE and TRUNCATE of the journal are refused, under replica mode too', async () => {
    const x = await guild(q);
    const attempts = [
      `UPDATE transfers SET amount = amount + 1 WHERE id = ${x.funding}`,
      `UPDATE transfers SET reason = 'edited' WHERE false`,
      `DELETE FROM transfers WHERE id = ${x.funding}`,
      'DELETE FROM transfers',
      // CASCADE: feature tables (campaign claims, redemptions, …) reference the journal, so a
      // plain TRUNCATE is already refused by their foreign keys (0A000) before the guard runs.
      'TRUNCATE transfers CASCADE',
      'TRUNCATE accounts CASCADE',
    ];
    for (const replica of [false, true]) {
      const client = await ledger().db.pool.connect();
      try {
        if (replica) await client.query('SET session_replication_role = replica');
        for (const sql of attempts)
          expect(await refused(client, () => client.query(sql))).toMatchObject({
            code: '23000',
            // A cascade reaches earn_periods first, itself refused (outside replica mode).
            constraint: sql.startsWith('TRUNCATE accounts')
              ? expect.stringMatching(/^(transfers_append_only|earn_periods_derived)$/)
              : 'transfers_append_only',
          });
      } finally {
        await client.query('RESET session_replication_role');
        client.release();
      }
    }
  });

  it('what the triggers derive cannot be written by hand: balances, lifetime, keys, boards, histogram', async () => {
    const x = await guild(q);
    const accountEdits = [
      `UPDATE accounts SET balance = 1000 WHERE id = ${x.a}`,
      `UPDATE accounts SET lifetime_earned = 0 WHERE id = ${x.a}`,
      `UPDATE accounts SET balance = balance - 1 WHERE id IN (${x.a}, ${x.b})`,
      `UPDATE accounts SET type = 'issuance' WHERE id = ${x.a}`,
      `UPDATE accounts SET ref = 'c' WHERE id = ${x.a}`,
      `UPDATE accounts SET guild_id = 'elsewhere' WHERE id = ${x.a}`,
      `UPDATE accounts SET id = 999999 WHERE id = ${x.b}`,
      `INSERT INTO accounts (guild_id, type, ref, balance, created_at) VALUES ('${x.g}', 'member', 'rich', 500, 1)`,
    ];
    for (const sql of accountEdits)
      expect(await refused(q, () => q.query(sql))).toMatchObject({
        code: '23000',
        constraint: 'accounts_derived',
      });
    for (const table of ['earn_periods', 'rank_counts']) {
      const edits = [
        table === 'earn_periods'
          ? `INSERT INTO earn_periods VALUES ('${x.g}', 'w:2026-48', ${x.b}, 5, 1)`
          : `INSERT INTO rank_counts VALUES ('${x.g}', 'balance', 0, 5, 1)`,
        `UPDATE ${table} SET ${table === 'earn_periods' ? 'earned = earned + 1' : 'n = n + 1'}`,
        `DELETE FROM ${table}`,
        `TRUNCATE ${table}`,
      ];
      for (const sql of edits)
        expect(await refused(q, () => q.query(sql))).toMatchObject({
          code: '23000',
          constraint: `${table}_derived`,
        });
    }
  });

  it('ranked is the one account column set directly, and it moves every board at once', async () => {
    const x = await guild(q);
    const board = async () =>
      (
        await q.query<{ board: string; n: number }>(
          `SELECT board, SUM(n)::int AS n FROM rank_counts WHERE guild_id = $1 AND level = 0 GROUP BY board ORDER BY board`,
          [x.g],
        )
      ).rows;
    expect(await board()).toEqual([
      { board: 'balance', n: 1 },
      { board: 'm:2026-11', n: 1 },
      { board: 'w:2026-48', n: 1 },
    ]);
    await q.query('UPDATE accounts SET ranked = 0 WHERE id = $1', [x.a]);
    expect(await board()).toEqual([
      { board: 'balance', n: 0 },
      { board: 'm:2026-11', n: 0 },
      { board: 'w:2026-48', n: 0 },
    ]);
    const { rows } = await q.query('SELECT DISTINCT ranked FROM earn_periods WHERE account_id = $1', [x.a]);
    expect(rows).toEqual([{ ranked: 0 }]);
    expect(
      await refused(q, () => q.query('UPDATE accounts SET ranked = 2 WHERE id = $1', [x.a])),
    ).toMatchObject({
      code: '23514',
      constraint: 'accounts_ranked_bool',
    });
  });

  it('a closing entry mirrors what it closes, and closes it at most once', async () => {
    const x = await guild(q);
    const other = await guild(q);
    const hold = await post(q, {
      guild: x.g,
      kind: 'hold',
      debit: x.a,
      credit: x.hold,
      amount: 30,
      key: 'h',
    });
    const reversal = (over: Partial<Entry>): Entry => ({
      guild: x.g,
      kind: 'reversal',
      debit: x.a,
      credit: x.award,
      amount: 20,
      key: `r${randomBytes(3).toString('hex')}`,
      closes: x.funding,
      ...over,
    });
    const refusedAs = async (entry: Entry, constraint: string, code = '23514') =>
      expect(await refused(q, () => post(q, entry))).toMatchObject({ code, constraint });

    for (const kind of ['reversal', 'hold.post', 'hold.void'])
      await refusedAs(reversal({ kind, closes: null }), 'transfers_close_required');
    await refusedAs(reversal({ debit: x.award, credit: x.a }), 'transfers_close_mirrors'); // the wrong way
    await refusedAs(reversal({ amount: 101 }), 'transfers_close_mirrors'); // more than the original
    await refusedAs(reversal({ credit: x.quest }), 'transfers_close_mirrors'); // to another account
    await refusedAs(
      reversal({ debit: x.hold, credit: x.a, amount: 30, closes: hold }),
      'transfers_close_mirrors',
    );
    await refusedAs(reversal({ kind: 'award', amount: 1 }), 'transfers_close_mirrors'); // closes, but is no close
    await refusedAs(reversal({ closes: other.funding }), 'transfers_close_mirrors'); // another guild's entry
    const post30 = { kind: 'hold.post', debit: x.hold, credit: x.redeemed, closes: hold };
    await refusedAs(reversal({ ...post30, amount: 29 }), 'transfers_close_mirrors');

    const partial = await post(q, reversal({}));
    await refusedAs(reversal({ amount: 1 }), 'transfers_closes_once', '23505');
    await refusedAs(
      reversal({ debit: x.award, credit: x.a, closes: partial }),
      'transfers_close_mirrors', // a reversal is never reversed
    );
    await post(q, reversal({ ...post30, amount: 30 }));
    await refusedAs(
      reversal({ kind: 'hold.void', debit: x.hold, credit: x.a, amount: 30, closes: hold }),
      'transfers_closes_once',
      '23505',
    );
    expect(await balances(q, x.g)).toMatchObject({ 'member:a': 50, 'hold:shop': 0, 'redeemed:shop': 30 });
  });

  it('an idempotency key is applied once per guild, whatever the payload', async () => {
    const x = await guild(q);
    const other = await guild(q);
    const e: Entry = {
      guild: x.g,
      kind: 'award',
      debit: x.award,
      credit: x.b,
      amount: 5,
      key: 'interaction-1',
    };
    await post(q, e);
    for (const again of [e, { ...e, amount: 6 }, { ...e, credit: x.a }])
      expect(await refused(q, () => post(q, again))).toMatchObject({
        code: '23505',
        constraint: 'transfers_idempotency',
      });
    await post(q, { ...e, guild: other.g, debit: other.award, credit: other.b });
  });

  it('earns into the same ISO week and month (UTC) as SQLite, whatever the session time zone', async () => {
    const x = await guild(q);
    const sqlite = new Database(':memory:');
    // The expression of the SQLite triggers (drizzle/0004_fast_grants.sql).
    const periods = sqlite.prepare<[{ at: number }], { w: string; m: string }>(
      `SELECT 'w:' || strftime('%G-%V', @at / 1000, 'unixepoch') AS w, 'm:' || strftime('%Y-%m', @at / 1000, 'unixepoch') AS m`,
    );
    const instants = [
      Date.UTC(2026, 11, 31, 23, 59, 59, 999), // 2026 has an ISO week 53
      Date.UTC(2027, 0, 1, 0, 0, 0),
      Date.UTC(2027, 0, 3, 23, 59, 59), // still 2026-W53
      Date.UTC(2027, 0, 4, 0, 0, 0), // 2027-W01
      Date.UTC(2024, 11, 30, 12), // 2025-W01 in December 2024
      Date.UTC(2028, 1, 29, 12), // leap day
      Date.UTC(2026, 10, 30, 23, 59, 59, 999), // month end, a UTC+14 session is in December
      1,
    ];
    const client = await ledger().db.pool.connect();
    try {
      await client.query(`SET TimeZone = 'Pacific/Kiritimati'`);
      for (const [i, at] of instants.entries()) {
        const member = await account(client, x.g, 'member', `p${i}`);
        await post(client, {
          guild: x.g,
          kind: 'award',
          debit: x.award,
          credit: member,
          amount: 7,
          key: `p${i}`,
          at,
        });
        await post(client, {
          guild: x.g,
          kind: 'revoke',
          debit: member,
          credit: x.award,
          amount: 2,
          key: `r${i}`,
          at,
        });
        const { rows } = await client.query<{ period: string; earned: number }>(
          'SELECT period, earned FROM earn_periods WHERE account_id = $1 ORDER BY period DESC',
          [member],
        );
        const want = periods.get({ at })!;
        expect(rows).toEqual([
          { period: want.w, earned: 5 },
          { period: want.m, earned: 5 },
        ]);
      }
    } finally {
      client.release();
      sqlite.close();
    }
  });

  it('a running season counts what its sources earn inside its window, and stops when it ends', async () => {
    const x = await guild(q);
    const { rows } = await q.query<{ id: number }>(
      `INSERT INTO seasons (guild_id, name, sources, starts_at, ends_at, created_by, created_at)
       VALUES ($1, 'S1', 8 | 1, $2, $3, 'mod', 1) RETURNING id`,
      [x.g, T0, T0 + 7 * DAY],
    );
    const board = `s:${rows[0]!.id}`;
    const earned = async () =>
      (
        await q.query<{ earned: number }>(
          'SELECT earned FROM earn_periods WHERE period = $1 AND account_id = $2',
          [board, x.b],
        )
      ).rows[0]?.earned;
    const grant = (key: string, debit: number, amount: number, at = T0 + DAY) =>
      post(q, { guild: x.g, kind: 'award', debit, credit: x.b, amount, key, at });
    await grant('award-in', x.award, 10);
    await grant('quest-in', x.quest, 100); // quests are not a source of this season
    await grant('award-before', x.award, 1000, T0 - 1);
    await grant('award-at-end', x.award, 1000, T0 + 7 * DAY); // ends_at is exclusive
    await post(q, {
      guild: x.g,
      kind: 'campaign.fund',
      debit: x.mint,
      credit: x.budget,
      amount: 50,
      key: 'f',
    });
    await post(q, {
      guild: x.g,
      kind: 'campaign.grant',
      debit: x.budget,
      credit: x.b,
      amount: 5,
      key: 'cg',
      at: T0 + 2 * DAY,
    });
    await post(q, {
      guild: x.g,
      kind: 'revoke',
      debit: x.b,
      credit: x.award,
      amount: 3,
      key: 'rv',
      at: T0 + DAY,
    });
    await post(q, {
      guild: x.g,
      kind: 'hold',
      debit: x.b,
      credit: x.hold,
      amount: 4,
      key: 'h',
      at: T0 + DAY,
    });
    expect(await earned()).toBe(10 + 5 - 3);
    await q.query(`UPDATE seasons SET status = 'ended' WHERE guild_id = $1`, [x.g]);
    await grant('award-after', x.award, 10);
    expect(await earned()).toBe(12);
  });
});
