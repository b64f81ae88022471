/**
 * Model-property test of the PostgreSQL triggers: random sequences of grants (from every
 * issuance source and a campaign budget), revokes, holds and their posts and voids, (partial)
 * reversals, ranked flags and a season that may end midway run as raw SQL on the real server.
 * A plain model predicts which entries the database must refuse (and why); afterwards every
 * derived figure — balances, lifetime earned, the week, month and season boards, their
 * ranked copies and the rank histogram — must equal a recomputation from the journal alone,
 * with periods bucketed by SQLite's own strftime (what the SQLite triggers use). A last test
 * tampers with a balance behind the triggers' back to show the recomputation can fail.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { account, ledgerForFile, post, refusal, T0, type Queryable } from './ledger-sql.ts';

const ledger = ledgerForFile();
const sqlite = new Database(':memory:');
afterAll(() => sqlite.close());
const periodsOf = sqlite.prepare<[{ at: number }], { w: string; m: string }>(
  `SELECT 'w:' || strftime('%G-%V', @at / 1000, 'unixepoch') AS w, 'm:' || strftime('%Y-%m', @at / 1000, 'unixepoch') AS m`,
);

const DAY = 86_400_000;
const USERS = ['u1', 'u2', 'u3'] as const;
type User = (typeof USERS)[number];
const SOURCES = ['award', 'quest', 'streak', 'platform', 'season'] as const;
type Source = (typeof SOURCES)[number];

type Op =
  | { t: 'grant'; user: User; amount: number; source: Source; dt: number }
  | { t: 'fund'; amount: number; dt: number }
  | { t: 'campaignGrant'; user: User; amount: number; dt: number }
  | { t: 'revoke' | 'hold'; user: User; amount: number; dt: number }
  | { t: 'close'; index: number; outcome: 'post' | 'void'; dt: number }
  | { t: 'reverse'; index: number; partial: number | null; over: boolean; dt: number }
  | { t: 'ranked'; user: User; ranked: boolean }
  | { t: 'endSeason' };

interface SeasonSpec {
  sources: number;
  startDays: number;
  lengthDays: number;
}

const user = fc.constantFrom(...USERS);
const amount = fc.integer({ min: 1, max: 400 });
// Up to nine days between entries: sequences cross weeks, months and, from T0, the new year.
const dt = fc.integer({ min: 0, max: 9 * DAY });
const index = fc.nat({ max: 30 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant('grant' as const),
      user,
      amount,
      source: fc.constantFrom(...SOURCES),
      dt,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('fund' as const), amount: fc.integer({ min: 1, max: 1000 }), dt }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('campaignGrant' as const), user, amount, dt }) },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constantFrom('revoke' as const, 'hold' as const), user, amount, dt }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('close' as const),
      index,
      outcome: fc.constantFrom('post' as const, 'void' as const),
      dt,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('reverse' as const),
      index,
      partial: fc.option(amount, { nil: null }),
      over: fc.boolean(),
      dt,
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('ranked' as const), user, ranked: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ t: 'endSeason' as const }) },
);
const season: fc.Arbitrary<SeasonSpec | null> = fc.option(
  fc.record({
    sources: fc.integer({ min: 1, max: 15 }),
    startDays: fc.integer({ min: -5, max: 5 }),
    lengthDays: fc.integer({ min: 5, max: 60 }),
  }),
  { nil: null, freq: 4 },
);

/** What the model expects of one entry. */
type Outcome = 'ok' | 'insufficient' | 'closed' | 'bad_close';

const OUTCOME_OF: Record<string, Outcome> = {
  accounts_balance_range: 'insufficient',
  transfers_closes_once: 'closed',
  transfers_close_mirrors: 'bad_close',
};

interface ModelEntry {
  id: number;
  kind: string;
  debit: string;
  credit: string;
  amount: number;
  closed: boolean;
}

interface Ran {
  guild: string;
  /** The last entry id posted while the season ran; undefined if it was never ended. */
  seasonEndedAfter?: number;
}

/** Runs `ops` in a guild of their own, checking each entry's outcome against the model. */
async function run(q: Queryable, ops: Op[], spec: SeasonSpec | null): Promise<Ran> {
  const g = `p${randomBytes(5).toString('hex')}`;
  const ids = new Map<string, number>();
  for (const source of [...SOURCES, 'campaign'])
    ids.set(`issuance:${source}`, await account(q, g, 'issuance', source));
  ids.set('campaign:1', await account(q, g, 'campaign', '1'));
  ids.set('hold:shop', await account(q, g, 'hold', 'shop'));
  ids.set('redeemed:shop', await account(q, g, 'redeemed', 'shop'));
  for (const u of USERS) ids.set(`member:${u}`, await account(q, g, 'member', u));
  if (spec)
    await q.query(
      `INSERT INTO seasons (guild_id, name, sources, starts_at, ends_at, created_by, created_at)
       VALUES ($1, 'S', $2, $3, $4, 'mod', 1)`,
      [g, spec.sources, T0 + spec.startDays * DAY, T0 + (spec.startDays + spec.lengthDays) * DAY],
    );
  const balance = new Map<string, number>([...ids.keys()].map((k) => [k, 0]));
  const entries: ModelEntry[] = [];
  let at = T0;
  let n = 0;
  let seasonEndedAfter: number | undefined;

  const attempt = async (
    kind: string,
    debit: string,
    credit: string,
    amt: number,
    expect: Outcome,
    closes?: ModelEntry,
  ) => {
    const outcome = await refusal(
      post(q, {
        guild: g,
        kind,
        debit: ids.get(debit)!,
        credit: ids.get(credit)!,
        amount: amt,
        key: `k${++n}`,
        closes: closes?.id ?? null,
        at,
      }),
    ).then(
      (r) => OUTCOME_OF[r.constraint ?? ''] ?? `${r.code} ${r.message}`,
      () => 'ok',
    );
    if (outcome !== expect)
      throw new Error(`${kind} ${debit} → ${credit} ${amt}: expected ${expect}, got ${outcome}`);
    if (outcome !== 'ok') return;
    const { rows } = await q.query<{ id: number }>(
      'SELECT id FROM transfers WHERE guild_id = $1 AND idempotency_key = $2',
      [g, `k${n}`],
    );
    balance.set(debit, balance.get(debit)! - amt);
    balance.set(credit, balance.get(credit)! + amt);
    if (closes) closes.closed = true;
    entries.push({ id: rows[0]!.id, kind, debit, credit, amount: amt, closed: false });
  };
  // No account but issuance below zero, and issuance never above it (it only mints): a
  // revoke into an issuance account that minted less than that is refused like an overdraft.
  const moves = (debit: string, credit: string, amt: number): Outcome =>
    (!debit.startsWith('issuance:') && balance.get(debit)! < amt) ||
    (credit.startsWith('issuance:') && balance.get(credit)! + amt > 0)
      ? 'insufficient'
      : 'ok';
  const transfer = (kind: string, debit: string, credit: string, amt: number) =>
    attempt(kind, debit, credit, amt, moves(debit, credit, amt));

  for (const o of ops) {
    if ('dt' in o) at += o.dt;
    switch (o.t) {
      case 'grant':
        await attempt('award', `issuance:${o.source}`, `member:${o.user}`, o.amount, 'ok');
        break;
      case 'fund':
        await attempt('campaign.fund', 'issuance:campaign', 'campaign:1', o.amount, 'ok');
        break;
      case 'campaignGrant':
        await transfer('campaign.grant', 'campaign:1', `member:${o.user}`, o.amount);
        break;
      case 'revoke':
        await transfer('revoke', `member:${o.user}`, 'issuance:award', o.amount);
        break;
      case 'hold':
        await transfer('hold', `member:${o.user}`, 'hold:shop', o.amount);
        break;
      case 'close': {
        const holds = entries.filter((e) => e.kind === 'hold');
        const hold = holds[o.index % holds.length];
        if (!hold) break;
        const [kind, to] = o.outcome === 'post' ? ['hold.post', 'redeemed:shop'] : ['hold.void', hold.debit];
        await attempt(kind, 'hold:shop', to, hold.amount, hold.closed ? 'closed' : 'ok', hold);
        break;
      }
      case 'reverse': {
        const reversible = entries.filter((e) => !e.kind.startsWith('hold') && e.kind !== 'reversal');
        const original = reversible[o.index % reversible.length];
        if (!original) break;
        const amt = o.over ? original.amount + 1 : Math.min(o.partial ?? original.amount, original.amount);
        const outcome: Outcome = o.over
          ? 'bad_close'
          : original.closed
            ? 'closed'
            : moves(original.credit, original.debit, amt);
        await attempt('reversal', original.credit, original.debit, amt, outcome, original);
        break;
      }
      case 'ranked':
        await q.query('UPDATE accounts SET ranked = $1 WHERE id = $2', [
          o.ranked ? 1 : 0,
          ids.get(`member:${o.user}`),
        ]);
        break;
      case 'endSeason':
        await q.query(`UPDATE seasons SET status = 'ended' WHERE guild_id = $1`, [g]);
        seasonEndedAfter ??= entries.at(-1)?.id ?? 0;
        break;
    }
  }
  const { rows } = await q.query<{ k: string; balance: number }>(
    `SELECT type || ':' || ref AS k, balance FROM accounts WHERE guild_id = $1`,
    [g],
  );
  expect(Object.fromEntries(rows.map((r) => [r.k, r.balance]))).toEqual(Object.fromEntries(balance));
  return { guild: g, seasonEndedAfter };
}

/** The season source bit of an entry's other side (drizzle-pg's sparks_season_source). */
function sourceBit(type: string, ref: string): number {
  if (type === 'campaign') return 1;
  if (type !== 'issuance') return 0;
  return { campaign: 1, quest: 2, streak: 2, platform: 4, award: 8 }[ref] ?? 0;
}

/**
 * Every difference between what the triggers keep for guild `g` and a recomputation from its
 * journal: [] when they agree. `seasonEndedAfter` is the last entry id posted while the
 * season ran (entries after it count for no season); undefined while it still runs.
 */
async function differences(q: Queryable, g: string, seasonEndedAfter?: number): Promise<string[]> {
  const diffs: string[] = [];
  const accounts = (
    await q.query<{
      id: number;
      type: string;
      ref: string;
      balance: number;
      lifetime: number;
      ranked: number;
    }>(
      `SELECT id, type, ref, balance, lifetime_earned AS lifetime, ranked FROM accounts WHERE guild_id = $1`,
      [g],
    )
  ).rows;
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const journal = (
    await q.query<{ id: number; debit: number; credit: number; amount: number; at: number }>(
      `SELECT id, debit_account_id AS debit, credit_account_id AS credit, amount, created_at AS at
       FROM transfers WHERE guild_id = $1 ORDER BY id`,
      [g],
    )
  ).rows;
  const seasons = (
    await q.query<{ id: number; sources: number; starts: number; ends: number }>(
      'SELECT id, sources, starts_at AS starts, ends_at AS ends FROM seasons WHERE guild_id = $1',
      [g],
    )
  ).rows;

  const balance = new Map<number, number>();
  const lifetime = new Map<number, number>();
  const earned = new Map<string, number>();
  const add = <K>(m: Map<K, number>, k: K, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (const e of journal) {
    const d = byId.get(e.debit)!;
    const c = byId.get(e.credit)!;
    add(balance, d.id, -e.amount);
    add(balance, c.id, e.amount);
    const { w, m } = periodsOf.get({ at: e.at })!;
    const earns = (member: typeof d, other: typeof d) =>
      member.type === 'member' && (other.type === 'issuance' || other.type === 'campaign');
    for (const [member, other, sign] of [
      [c, d, 1],
      [d, c, -1],
    ] as const) {
      if (earns(member, other)) {
        add(lifetime, member.id, sign * e.amount);
        add(earned, `${w}|${member.id}`, sign * e.amount);
        add(earned, `${m}|${member.id}`, sign * e.amount);
      }
      if (member.type !== 'member') continue;
      for (const s of seasons)
        if (
          (seasonEndedAfter === undefined || e.id <= seasonEndedAfter) &&
          e.at >= s.starts &&
          e.at < s.ends &&
          (s.sources & sourceBit(other.type, other.ref)) !== 0
        )
          add(earned, `s:${s.id}|${member.id}`, sign * e.amount);
    }
  }

  let sum = 0;
  for (const a of accounts) {
    sum += a.balance;
    if (a.balance !== (balance.get(a.id) ?? 0))
      diffs.push(`balance ${a.type}:${a.ref} ${a.balance} ≠ ${balance.get(a.id) ?? 0}`);
    if (a.lifetime !== (lifetime.get(a.id) ?? 0))
      diffs.push(`lifetime ${a.type}:${a.ref} ${a.lifetime} ≠ ${lifetime.get(a.id) ?? 0}`);
  }
  if (sum !== 0) diffs.push(`Σ balances ${sum} ≠ 0`);

  const rows = (
    await q.query<{ period: string; account: number; earned: number; ranked: number }>(
      'SELECT period, account_id AS account, earned, ranked FROM earn_periods WHERE guild_id = $1',
      [g],
    )
  ).rows;
  const kept = new Map(rows.map((r) => [`${r.period}|${r.account}`, r]));
  for (const [k, v] of earned)
    if (kept.get(k)?.earned !== v) diffs.push(`earned ${k} ${kept.get(k)?.earned} ≠ ${v}`);
  for (const r of rows) {
    if (!earned.has(`${r.period}|${r.account}`))
      diffs.push(`earned ${r.period}|${r.account} kept, never earned`);
    if (r.ranked !== byId.get(r.account)!.ranked)
      diffs.push(`ranked copy ${r.period}|${r.account} ${r.ranked}`);
  }

  const histogram = new Map<string, number>();
  const count = (board: string, score: number) => {
    for (const level of [0, 1, 2])
      add(histogram, `${board}|${level}|${Math.floor(score / 2 ** (10 * level))}`, 1);
  };
  for (const a of accounts)
    if (a.type === 'member' && a.ranked === 1 && a.balance > 0) count('balance', a.balance);
  for (const [k, v] of earned) {
    const [period, accountId] = k.split('|') as [string, string];
    if (byId.get(Number(accountId))!.ranked === 1 && v > 0) count(period, v);
  }
  const counts = (
    await q.query<{ k: string; n: number }>(
      `SELECT board || '|' || level || '|' || key AS k, n FROM rank_counts WHERE guild_id = $1 AND n > 0`,
      [g],
    )
  ).rows;
  const keptCounts = new Map(counts.map((r) => [r.k, r.n]));
  for (const [k, v] of histogram)
    if (keptCounts.get(k) !== v) diffs.push(`rank ${k} ${keptCounts.get(k)} ≠ ${v}`);
  for (const [k, v] of keptCounts) if (!histogram.has(k)) diffs.push(`rank ${k} ${v} kept, none counted`);
  return diffs;
}

describe('PostgreSQL triggers against a recomputation from the journal', () => {
  it('refuse exactly what the model refuses, and keep every derived figure equal to the journal', async () => {
    const q = ledger().db.pool;
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 40, size: 'max' }),
        season,
        async (ops, spec) => {
          const { guild, seasonEndedAfter } = await run(q, ops, spec);
          expect(await differences(q, guild, seasonEndedAfter)).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the recomputation sees a balance moved behind the triggers’ back', async () => {
    const q = ledger().db.pool;
    const { guild } = await run(
      q,
      [
        { t: 'grant', user: 'u1', amount: 50, source: 'award', dt: 0 },
        { t: 'hold', user: 'u1', amount: 20, dt: DAY },
      ],
      null,
    );
    expect(await differences(q, guild)).toEqual([]);
    const client = await q.connect();
    try {
      await client.query('BEGIN');
      await client.query('ALTER TABLE accounts DISABLE TRIGGER accounts_derived_update');
      await client.query(`UPDATE accounts SET balance = balance + 1 WHERE guild_id = $1 AND ref = 'u1'`, [
        guild,
      ]);
      expect(await differences(client, guild)).toEqual(
        expect.arrayContaining(['balance member:u1 31 ≠ 30', 'Σ balances 1 ≠ 0']),
      );
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    expect(await differences(q, guild)).toEqual([]);
  });
});
